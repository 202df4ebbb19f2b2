"""From a pipeline file and `--set` strings to one raw mapping, before any validation.

Paths are made absolute here, while it is still known where each value came from: a path
written in the file is relative to the file's folder (so a cron job may start anywhere), a path
typed in `--set key=value` is relative to the current directory (where it was typed).
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from forecaster.errors import ConfigError

# the dotted keys that hold paths, in either kind of pipeline
PATH_KEYS: tuple[tuple[str, ...], ...] = (("data", "path"), ("data", "test_path"),
                                          ("data", "future_path"), ("data", "static_path"),
                                          ("output", "dir"))
# A pipeline file holds a few dozen values. These bounds refuse hostile YAML within a second
# instead of eating memory for minutes: aliases that expand a few nodes into billions of values
# ("billion laughs"), nesting deep enough to exhaust the stack, a huge file.
MAX_VALUES = 100_000  # values after every alias is expanded
MAX_DEPTH = 64  # nested sections and lists
MAX_BYTES = 1 << 20
MAX_DIGITS = 100  # characters in one integer


class _UniqueKeyLoader(yaml.SafeLoader):
    """PyYAML keeps the last of two equal keys silently; a pipeline file must not. Nesting
    is bounded while composing (PyYAML recurses once per level)."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._depth = 0

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node:
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                mark = self.peek_event().start_mark
                raise _TooLarge(f"values nested more than {MAX_DEPTH} levels deep (at line "
                                f"{mark.line + 1}); a pipeline needs a few levels of sections "
                                f"and lists")
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


class _TooLarge(Exception):
    """Hostile or runaway YAML, refused before it is built into Python objects."""


class _DuplicateKey(yaml.constructor.ConstructorError):
    pass


def _construct_mapping(loader: _UniqueKeyLoader, node: yaml.MappingNode,
                       deep: bool = False) -> dict[Any, Any]:
    seen: dict[Any, int] = {}
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        line = key_node.start_mark.line + 1
        if isinstance(key, str | int | float | bool) and key in seen:
            raise _DuplicateKey(None, None, f"key '{key}' appears twice in the same section "
                                            f"(lines {seen[key]} and {line}); keep one",
                                key_node.start_mark)
        if isinstance(key, str | int | float | bool):
            seen[key] = line
    return loader.construct_mapping(node, deep=deep)


_UniqueKeyLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG,
                                 _construct_mapping)


def _construct_int(loader: _UniqueKeyLoader, node: yaml.ScalarNode) -> int:
    """Python refuses to read an integer of more than 4,300 digits (a ValueError, exit 1);
    nothing in a pipeline needs more than a few, so a long one is a YAML error naming its line."""
    if len(node.value) > MAX_DIGITS:
        raise yaml.constructor.ConstructorError(
            None, None, f"a number with {len(node.value):,} characters (line "
                        f"{node.start_mark.line + 1}); a setting needs at most {MAX_DIGITS}",
            node.start_mark)
    return loader.construct_yaml_int(node)


_UniqueKeyLoader.add_constructor("tag:yaml.org,2002:int", _construct_int)


def load_yaml(text: str) -> Any:
    """`text` as YAML (safe types only, no repeated keys), refusing aliases that expand past
    MAX_VALUES, aliases that refer to themselves and nesting past MAX_DEPTH with `_TooLarge`;
    other problems raise `yaml.YAMLError`."""
    loader = _UniqueKeyLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        _count_values(node, {}, set())
        return loader.construct_document(node)
    finally:
        loader.dispose()


def _count_values(node: yaml.Node, counted: dict[int, int], open_nodes: set[int]) -> int:
    """How many values `node` stands for once its aliases are expanded: each distinct node is
    counted once (so this is quick however large the expansion), and the total is capped."""
    if id(node) in counted:
        return counted[id(node)]
    if id(node) in open_nodes:
        raise _TooLarge(f"an alias refers to the value that contains it (line "
                        f"{node.start_mark.line + 1}), so it would expand for ever")
    open_nodes.add(id(node))
    total = 1
    if isinstance(node, yaml.SequenceNode):
        total += sum(_count_values(item, counted, open_nodes) for item in node.value)
    elif isinstance(node, yaml.MappingNode):
        total += sum(_count_values(key, counted, open_nodes) +
                     _count_values(value, counted, open_nodes) for key, value in node.value)
    open_nodes.discard(id(node))
    if total > MAX_VALUES:
        raise _TooLarge(f"its aliases (*name) expand to more than {MAX_VALUES:,} values (the "
                        f"value at line {node.start_mark.line + 1}), far more than a pipeline "
                        f"needs: a YAML 'billion laughs'. Write the values out instead of "
                        f"nesting aliases")
    counted[id(node)] = total
    return total


@dataclass(frozen=True)
class PipelineText:
    """What a pipeline file held when it was read, read once (it may be a pipe)."""

    data: dict[str, Any]
    sha256: str


def read_file(path: Path, shown: str) -> PipelineText:
    """The top-level mapping of a pipeline file; `shown` is the path as the user gave it."""
    if not path.exists():
        raise ConfigError(f"Pipeline file '{shown}' does not exist (looked for {path.absolute()})."
                          f" Check the path, e.g. forecaster validate pipelines/<name>.yaml.")
    if path.is_dir():
        raise ConfigError(f"'{shown}' is a directory, not a pipeline file. Pass a .yaml file, "
                          f"e.g. {shown.rstrip('/')}/<name>.yaml.")
    raw = _read_bytes(path, shown)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{shown}: not UTF-8 text (byte {exc.start} cannot be decoded). Save "
                          f"the pipeline file as UTF-8.") from None
    try:
        data = load_yaml(text)  # a SafeLoader: no Python objects
    except yaml.YAMLError as exc:
        raise ConfigError(f"{shown}: {_yaml_problem(exc)}") from None
    except _TooLarge as exc:
        raise ConfigError(f"{shown}: refused: {exc}.") from None
    if data is None:
        raise ConfigError(f"{shown}: the file is empty. A pipeline needs at least 'task:' and "
                          f"'data:' (see the files in pipelines/ for examples).")
    if not isinstance(data, dict):
        raise ConfigError(f"{shown}: expected a mapping of keys at the top (name:, task:, data:, "
                          f"model:, ...), got {_kind(data)}. Write one 'key: value' per line.")
    return PipelineText(data, hashlib.sha256(raw).hexdigest())


def _read_bytes(path: Path, shown: str) -> bytes:
    """The file's bytes, read once (a pipe such as <(...) cannot be read twice), at most
    MAX_BYTES of them."""
    try:
        with path.open("rb") as stream:
            raw = stream.read(MAX_BYTES + 1)
    except OSError as exc:
        raise ConfigError(f"Cannot read pipeline file '{shown}': {exc.strerror or exc}.") from None
    if len(raw) > MAX_BYTES:
        raise ConfigError(f"{shown}: refused: larger than {MAX_BYTES >> 20} MiB, which no "
                          f"pipeline file needs. Check that this is the pipeline file.")
    return raw


def _yaml_problem(exc: yaml.YAMLError) -> str:
    mark = getattr(exc, "problem_mark", None)
    problem = getattr(exc, "problem", None) or str(exc)
    if mark is None:
        return f"not valid YAML: {problem}."
    if isinstance(exc, _DuplicateKey):
        return f"{problem}."
    return (f"not valid YAML at line {mark.line + 1}, column {mark.column + 1}: {problem}. Check "
            f"the indentation and quoting on that line and the one before it.")


def _kind(value: Any) -> str:
    if isinstance(value, list):
        return "a list"
    return f"{type(value).__name__} {value!r}"


def shown_set(text: str, limit: int = 120) -> str:
    """A `--set` text as quoted in a message: escaped, and cut when long."""
    shown = text if text.isprintable() else text.encode("unicode_escape").decode("ascii")
    return shown if len(shown) <= limit else f"{shown[:limit]}…"


def parse_override(text: str) -> tuple[tuple[str, ...], Any]:
    """'model.hidden_size=64' -> (('model', 'hidden_size'), 64); the value is read as YAML, so
    numbers, booleans, null and [lists] get their types."""
    key, equals, value = text.partition("=")
    parts = tuple(part.strip() for part in key.split("."))
    if not equals or not all(parts):
        raise ConfigError(f"--set {shown_set(text)}: expected KEY=VALUE with a dotted key, "
                          f"e.g. --set model.hidden_size=64 or --set data.targets=[Close,Open].")
    try:
        parsed = load_yaml(value)
    except yaml.YAMLError as exc:
        quoted = shown_set(f'{key}="{value}"')
        raise ConfigError(f"--set {shown_set(text)}: the value is not valid YAML "
                          f"({getattr(exc, 'problem', None) or exc}). Quote it, e.g. "
                          f"--set '{quoted}'.") from None
    except _TooLarge as exc:
        raise ConfigError(f"--set {key}=...: refused: {exc}.") from None
    return parts, parsed


def apply_override(raw: dict[str, Any], keys: tuple[str, ...], value: Any, text: str) -> None:
    """Set raw[k1][k2]... = value, creating sections that the file left out."""
    node = raw
    for depth, key in enumerate(keys[:-1]):
        child = node.get(key)
        if child is None:
            child = node[key] = {}
        if not isinstance(child, dict):
            where = ".".join(keys[: depth + 1])
            raise ConfigError(f"--set {shown_set(text)}: '{where}' is {_kind(child)}, not a "
                              f"section, so it has no key '{keys[depth + 1]}'. Use --set "
                              f"{where}=VALUE.")
        node = child
    node[keys[-1]] = value


def resolve_paths(value: Any, at: tuple[str, ...], base: Path) -> Any:
    """`value` (found at dotted key `at`) with every path key inside it made absolute against
    `base`; values of the wrong type are left for validation to report."""
    for path_key in PATH_KEYS:
        if path_key[: len(at)] != at:
            continue
        rest = path_key[len(at):]
        if not rest:
            return absolute(value, base)
        node = value
        for key in rest[:-1]:
            node = node.get(key) if isinstance(node, dict) else None
        if isinstance(node, dict) and rest[-1] in node:
            node[rest[-1]] = absolute(node[rest[-1]], base)
    return value


def absolute(value: Any, base: Path) -> Any:
    """A path string made absolute against `base` (`~` expanded, `..` folded); other values
    unchanged. Globs stay globs."""
    if not isinstance(value, str) or not value.strip():
        return value
    path = Path(os.path.expanduser(value.strip()))
    return os.path.normpath(path if path.is_absolute() else base / path)
