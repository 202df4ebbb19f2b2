"""Names from users' files made safe to print: a column called "\\x1b[2J" must not clear the
terminal of whoever reads the error message.

Control and formatting characters (escape sequences, bidi overrides, line breaks) are written
as Python escapes, the way `repr` writes them; every other character, including non-ASCII
letters, is kept so that "Température" still reads as itself.
"""

from __future__ import annotations

import os
from collections.abc import Iterable

_SHORT = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escaped(char: str) -> str:
    if char in _SHORT:
        return _SHORT[char]
    code = ord(char)
    if code < 0x100:
        return f"\\x{code:02x}"
    if code < 0x10000:
        return f"\\u{code:04x}"
    return f"\\U{code:08x}"


def printable(name: object) -> str:
    """`name` (a column, id, path...) as text with control characters escaped.

    Examples
    --------
    >>> printable("Close")
    'Close'
    >>> printable("\\x1b[2J")
    '\\\\x1b[2J'
    """
    text = os.fspath(name) if isinstance(name, os.PathLike) else str(name)
    if isinstance(text, bytes):
        text = text.decode("utf-8", errors="backslashreplace")
    if text.isprintable():
        return text
    return "".join(char if char.isprintable() else _escaped(char) for char in text)


def printable_list(names: Iterable[object]) -> str:
    """Comma-separated printable names, e.g. the columns of a file in an error message."""
    return ", ".join(printable(name) for name in names)


def shown_value(value: object) -> str:
    """A cell's value for an error message: numbers as written (19490231, inf, 1e+200), text
    quoted and escaped by `repr`."""
    if isinstance(value, (bool, str)) or not hasattr(value, "__float__"):
        return repr(str(value))
    number = float(value)  # type: ignore[arg-type]
    return f"{number:.0f}" if number.is_integer() and abs(number) < 1e16 else f"{number:g}"
