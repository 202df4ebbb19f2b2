"""Field types for pipeline files: strict where YAML already gives the right type, forgiving
where YAML is known to surprise people, and with messages that read well after a dotted key.

Each validator raises `ValueError("must be ..., got ...")`; `messages.py` puts the file and the
dotted key in front, so the user reads "x.yaml: 'model.cell' must be one of rnn, lstm, gru, got
'lstn' (did you mean 'lstm'?)".
"""

from __future__ import annotations

import codecs
import difflib
import re
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator
from pydantic_core import PydanticCustomError

_SHOWN = 200  # characters of a value quoted in a message: a long list must not flood it


def show(value: Any) -> str:
    """A value as the user wrote it in YAML: strings quoted, null/true/false spelt the YAML way;
    control characters escaped and long values cut, so a message stays one readable line."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return "a mapping"
    text = repr(value) if isinstance(value, str | list | tuple) else str(value)
    if not text.isprintable():
        text = text.encode("unicode_escape").decode("ascii")
    return text if len(text) <= _SHOWN else f"{text[:_SHOWN]}… ({len(text)} characters)"


def suggestion(word: Any, choices: list[str] | tuple[str, ...]) -> str:
    """' (did you mean 'x'?)' when `word` is close to one of `choices`, else ''."""
    if not isinstance(word, str):
        return ""
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    if not close:
        close = [c for c in choices if c.lower() == word.lower()]
    return f" (did you mean '{close[0]}'?)" if close else ""


def choice(choices: tuple[str, ...]) -> Any:
    """A string that must be one of `choices`; the error lists them and suggests the closest.
    Checked before any type coercion so that `cell: 3` also gets the list of choices."""

    def check(value: Any) -> Any:
        if isinstance(value, str) and value in choices:
            return value
        raise ValueError(f"must be one of {', '.join(choices)}, got {show(value)}"
                         f"{suggestion(value, choices)}")

    return Annotated[str, BeforeValidator(check)]


def _integer(minimum: int, maximum: int | None = None) -> Callable[[Any], int]:
    def check(value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError(f"must be an integer, got {show(value)}")
        if value < minimum:
            raise ValueError(f"must be an integer >= {minimum}, got {value}")
        if maximum is not None and value > maximum:
            raise ValueError(f"must be an integer <= {maximum:,}, got {value}")
        return value

    return check


def _number(value: Any) -> float:
    """YAML 1.1 (PyYAML) reads `1e-3` as a string (it wants `1.0e-3`); accept it as a number."""
    if isinstance(value, bool):
        raise ValueError(f"must be a number, got {show(value)}")
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            pass
    raise ValueError(f"must be a number, got {show(value)}")


def _within(low: float, high: float | None, low_open: bool, high_open: bool) -> Callable:
    def check(value: float) -> float:
        too_low = value <= low if low_open else value < low
        too_high = high is not None and (value >= high if high_open else value > high)
        if too_low or too_high:
            left = "(" if low_open else "["
            right = ")" if high_open else "]"
            span = f"in {left}{low:g}, {high:g}{right}" if high is not None else \
                f"{'>' if low_open else '>='} {low:g}"
            raise ValueError(f"must be {span}, got {value:g}")
        return value

    return check


def _text(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError(f"must be a string, got {show(value)}")
    if not value.strip():
        raise ValueError("must not be empty")
    return value


def _encoding(value: str) -> str:
    try:
        codecs.lookup(value)
    except LookupError:
        raise ValueError(f"must be a text encoding such as utf-8 or latin-1, got {show(value)}") \
            from None
    return value


def _path(value: Any) -> Path:
    """`load_pipeline` has already made relative paths absolute; here only the type is checked."""
    if isinstance(value, Path):
        return value
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"must be a path (a string), got {show(value)}")
    return Path(value)


def integer_from(minimum: int, maximum: int | None = None) -> Any:
    """An integer >= `minimum` (and <= `maximum`); `true` and `10.0` are refused rather than
    read as 1 and 10."""
    return Annotated[int, BeforeValidator(_integer(minimum, maximum))]


PositiveInt = integer_from(1)
NonNegativeInt = integer_from(0)
PositiveFloat = Annotated[float, BeforeValidator(_number), AfterValidator(_within(0, None, True,
                                                                                   False))]
Fraction = Annotated[float, BeforeValidator(_number), AfterValidator(_within(0, 1, True, True))]
FractionOrZero = Annotated[float, BeforeValidator(_number),
                           AfterValidator(_within(0, 1, False, True))]
Text = Annotated[str, BeforeValidator(_text)]
Encoding = Annotated[str, BeforeValidator(_text), AfterValidator(_encoding)]
FilePath = Annotated[Path, BeforeValidator(_path)]


def key_error(key: str, message: str) -> PydanticCustomError:
    """An error about field `key` of the section being validated, raised by a section-level
    check; `messages.py` turns it into "'<section>.<key>' <message>"."""
    return PydanticCustomError("pipeline_key", "{message}", {"key": key, "message": message})


def _series_ids(value: Any) -> Any:
    """`series: AAPL` means [AAPL]; numeric ids (`[101, 102]`) are compared as text."""
    if isinstance(value, str | int) and not isinstance(value, bool):
        value = [value]
    if isinstance(value, list):
        value = [str(v) if isinstance(v, int) and not isinstance(v, bool) else v for v in value]
        if not value:
            raise ValueError("must list at least one series id, or be null to keep every series")
    return value


def _one_or_more(value: Any) -> Any:
    """`targets: Close` means [Close]."""
    return [value] if isinstance(value, str) else value


def _unique(value: list[str]) -> list[str]:
    repeated = sorted({v for v in value if value.count(v) > 1})
    if repeated:
        raise ValueError(f"lists {', '.join(map(repr, repeated))} more than once")
    return value


SeriesIds = Annotated[list[Text], BeforeValidator(_series_ids), AfterValidator(_unique)]
Columns = Annotated[list[Text], BeforeValidator(_one_or_more), AfterValidator(_unique)]


def _levels(value: Any) -> tuple[float, ...]:
    """`levels: 90` means [90]; each a number strictly between 0 and 100 (percent), none
    repeated, at least one; kept in increasing order, as `interval_scores.check_levels`
    keeps the CLI's --level."""
    if isinstance(value, int | float | str) and not isinstance(value, bool):
        value = [value]
    if not isinstance(value, list | tuple):
        raise ValueError(f"must be a list of coverage levels in percent, e.g. [80, 95], got "
                         f"{show(value)}")
    if not value:
        raise ValueError("must list at least one coverage level in percent, e.g. [80, 95]")
    levels: list[float] = []
    for raw in value:
        try:
            level = _number(raw)
        except ValueError:
            raise ValueError(f"must list numbers (coverage levels in percent, e.g. [80, 95]), "
                             f"got {show(raw)}") from None
        if not 0 < level < 100:  # also refuses nan
            raise ValueError(f"must list levels strictly between 0 and 100 (percent of the "
                             f"actual values an interval should hold, e.g. [80, 95]), got "
                             f"{show(raw)}")
        if level in levels:
            raise ValueError(f"lists the level {level:g} more than once")
        levels.append(level)
    return tuple(sorted(levels))


Levels = Annotated[tuple[float, ...], BeforeValidator(_levels)]


def _engine_check(check: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """A setting checked by the engine's own function (its ConfigError's text after the
    dotted key); the value it returns is kept (a code in its canonical spelling)."""
    def validate(value: Any) -> Any:
        from forecaster.errors import ConfigError

        try:
            return check(value)
        except ConfigError as exc:
            raise ValueError(f"is refused: {str(exc).rstrip('.')}") from None

    return validate


def _calendar(value: Any) -> Any:
    from forecaster.data.calendar import check_calendar

    if isinstance(value, list) and all(isinstance(v, str) for v in value) or \
            isinstance(value, str):
        _engine_check(lambda v: check_calendar(v, None))(value)
        return value  # as written: "auto" is resolved by frequency when the model fits
    raise ValueError(f"must be auto, none or a list of calendar features such as [hour, "
                     f"day_of_week], got {show(value)}")


def _holidays(value: str) -> str:
    from forecaster.data.calendar import check_holidays

    return _engine_check(check_holidays)(value)


def _exchange(value: str) -> str:
    from forecaster.data.exchange import check_exchange

    return _engine_check(check_exchange)(value)


Calendar = Annotated[str | list[str], BeforeValidator(_calendar)]
Holidays = Annotated[str, BeforeValidator(_text), AfterValidator(_holidays)]
Exchange = Annotated[str, BeforeValidator(_text), AfterValidator(_exchange)]


MAX_NAME = 200


def _name(value: str) -> str:
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]*", value):
        raise ValueError(f"must be usable as a folder name (letters, digits, '.', '_' and '-', "
                         f"starting with a letter or digit), got {show(value)}")
    if len(value) > MAX_NAME:  # a folder name (255 bytes) with room for what is added to it
        raise ValueError(f"must be at most {MAX_NAME} characters (it names the output folder), "
                         f"got {len(value)}")
    return value


Name = Annotated[str, BeforeValidator(_text), AfterValidator(_name)]
