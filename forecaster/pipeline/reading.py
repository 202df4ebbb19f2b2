"""From a pipeline file and `--set` strings to one raw mapping, before any validation.

Paths are made absolute here, while it is still known where each value came from: a path
written in the file is relative to the file's folder (so a cron job may start anywhere), a path
typed in `--set key=value` is relative to the current directory (where it was typed).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import yaml

from forecaster.errors import ConfigError

# the dotted keys that hold paths, in either kind of pipeline
PATH_KEYS: tuple[tuple[str, ...], ...] = (("data", "path"), ("data", "test_path"),
                                          ("output", "dir"))


class _UniqueKeyLoader(yaml.SafeLoader):
    """PyYAML keeps the last of two equal keys silently; a pipeline file must not."""


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


def read_file(path: Path, shown: str) -> dict[str, Any]:
    """The top-level mapping of a pipeline file; `shown` is the path as the user gave it."""
    if not path.exists():
        raise ConfigError(f"Pipeline file '{shown}' does not exist (looked for {path.absolute()})."
                          f" Check the path, e.g. forecaster validate pipelines/<name>.yaml.")
    if path.is_dir():
        raise ConfigError(f"'{shown}' is a directory, not a pipeline file. Pass a .yaml file, "
                          f"e.g. {shown.rstrip('/')}/<name>.yaml.")
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{shown}: not UTF-8 text (byte {exc.start} cannot be decoded). Save "
                          f"the pipeline file as UTF-8.") from None
    try:
        data = yaml.load(text, Loader=_UniqueKeyLoader)  # a SafeLoader: no Python objects
    except yaml.YAMLError as exc:
        raise ConfigError(f"{shown}: {_yaml_problem(exc)}") from None
    if data is None:
        raise ConfigError(f"{shown}: the file is empty. A pipeline needs at least 'task:' and "
                          f"'data:' (see the files in pipelines/ for examples).")
    if not isinstance(data, dict):
        raise ConfigError(f"{shown}: expected a mapping of keys at the top (name:, task:, data:, "
                          f"model:, ...), got {_kind(data)}. Write one 'key: value' per line.")
    return data


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


def parse_override(text: str) -> tuple[tuple[str, ...], Any]:
    """'model.hidden=64' -> (('model', 'hidden'), 64); the value is read as YAML, so numbers,
    booleans, null and [lists] get their types."""
    key, equals, value = text.partition("=")
    parts = tuple(part.strip() for part in key.split("."))
    if not equals or not all(parts):
        raise ConfigError(f"--set {text}: expected KEY=VALUE with a dotted key, e.g. --set "
                          f"model.hidden=64 or --set data.targets=[Close,Open].")
    try:
        parsed = yaml.safe_load(value)
    except yaml.YAMLError as exc:
        raise ConfigError(f"--set {text}: the value is not valid YAML "
                          f"({getattr(exc, 'problem', None) or exc}). Quote it, e.g. "
                          f"--set '{key}=\"{value}\"'.") from None
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
            raise ConfigError(f"--set {text}: '{where}' is {_kind(child)}, not a section, so it "
                              f"has no key '{keys[depth + 1]}'. Use --set {where}=VALUE.")
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
