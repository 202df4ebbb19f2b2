"""pydantic's validation errors, all of them, as sentences that name the dotted key.

pydantic says "Extra inputs are not permitted" at ('model', 'hiden'); a user needs "unknown key
'model.hiden'. Valid keys under 'model': ... (did you mean 'hidden_size'?)". A key that was
renamed (`hidden`, now `hidden_size` as in the Python API and the CLI) gets the new name.
"""

from __future__ import annotations

import typing
from typing import Any

from pydantic import BaseModel, ValidationError

from forecaster.pipeline.fields import show, suggestion
from forecaster.settings import RENAMED

Loc = tuple[str | int, ...]

# names people bring from other tools -> our key (which is the Python API's name)
SYNONYMS = {
    "units": "hidden_size", "hidden_dim": "hidden_size", "n_layers": "num_layers",
    "n_rnn_layers": "num_layers", "lr": "learning_rate", "target": "targets",
    "target_column": "targets", "feature": "features", "gradient_clip_val": "clip_norm",
    "window": "lookback", "input_chunk_length": "lookback",
    "output_chunk_length": "horizon", "max_epochs": "epochs", "n_epochs": "epochs",
    "test": "test_path", "experiment_name": "experiment", "tracking_uri": "uri",
    "out": "dir", "output_dir": "dir", "n_jobs": "workers", "jobs": "workers", "rnn_type": "cell",
    "model_type": "cell",
}

_TYPE_WORDS = {
    "int_type": "an integer", "int_parsing": "an integer", "int_from_float": "an integer",
    "float_type": "a number", "float_parsing": "a number", "bool_type": "true or false",
    "bool_parsing": "true or false", "string_type": "a string", "list_type": "a list, e.g. [a, b]",
    "path_type": "a path (a string)",
}


def dotted(loc: Loc) -> str:
    return ".".join(str(part) for part in loc)


def section_model(model: type[BaseModel], loc: Loc) -> type[BaseModel] | None:
    """The model class that validates the mapping at `loc` (() is the pipeline itself)."""
    for part in loc:
        field = model.model_fields.get(part) if isinstance(part, str) else None
        found = _model_in(field.annotation) if field is not None else None
        if found is None:
            return None
        model = found
    return model


def _model_in(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in typing.get_args(annotation):
        found = _model_in(arg)
        if found is not None:
            return found
    return None


def describe(error: dict[str, Any], model: type[BaseModel],
             others: dict[str, type[BaseModel]]) -> tuple[Loc, str]:
    """(dotted location, sentence) for one of `ValidationError.errors()`; `others` maps the
    other tasks to their pipeline classes, to say when a key belongs to another task."""
    loc: Loc = tuple(error["loc"])
    kind, value = error["type"], error.get("input")
    if kind == "extra_forbidden":
        return loc, _unknown_key(loc, model, others)
    if kind == "pipeline_key":
        loc = (*loc, *error["ctx"]["key"].split("."))
        return loc, f"'{dotted(loc)}' {error['ctx']['message']}"
    if kind == "missing":
        return loc, _missing(loc, model)
    if kind in ("model_type", "dict_type", "model_attributes_type"):
        return loc, (f"'{dotted(loc)}' must be a section of keys (e.g. '{loc[-1]}:' followed by "
                     f"indented 'key: value' lines), got {show(value)}")
    if kind == "value_error":
        return loc, f"'{dotted(loc)}' {error['ctx']['error']}"
    if kind in _TYPE_WORDS:
        return loc, f"'{dotted(loc)}' must be {_TYPE_WORDS[kind]}, got {show(value)}"
    if kind == "literal_error":
        expected = error["ctx"]["expected"].replace("'", "").replace(" or ", ", ")
        return loc, f"'{dotted(loc)}' must be one of {expected}, got {show(value)}"
    message = error["msg"][0].lower() + error["msg"][1:]
    return loc, f"'{dotted(loc)}': {message}, got {show(value)}"


def _unknown_key(loc: Loc, model: type[BaseModel], others: dict[str, type[BaseModel]]) -> str:
    parent, key = loc[:-1], str(loc[-1])
    section = section_model(model, parent)
    valid = sorted(section.model_fields) if section is not None else []
    where = f"under '{dotted(parent)}'" if parent else "at the top level"
    renamed = RENAMED.get(key)
    if renamed in valid:
        new = dotted((*parent, renamed))
        return (f"'{dotted(loc)}' was renamed: use '{new}' (the name the Python API and the CLI "
                f"use, --{renamed.replace('_', '-')})")
    text = f"unknown key '{dotted(loc)}'. Valid keys {where}: {', '.join(valid)}"
    synonym = SYNONYMS.get(key.lower())
    if synonym in valid:
        return f"{text} (did you mean '{synonym}'?)"
    close = suggestion(key, valid)
    if close:
        return text + close
    for task, other in others.items():
        other_section = section_model(other, parent)
        if other_section is not None and key in other_section.model_fields:
            return f"{text} ('{dotted(loc)}' is a setting of task: {task} pipelines)"
    return text


def _missing(loc: Loc, model: type[BaseModel]) -> str:
    section = section_model(model, loc[:-1])
    field = section.model_fields.get(str(loc[-1])) if section is not None else None
    what = f": {field.description}" if field is not None and field.description else ""
    kind = "section" if section_model(model, loc) is not None else "key"
    return f"missing required {kind} '{dotted(loc)}'{what}"


def problems(error: ValidationError, model: type[BaseModel],
             others: dict[str, type[BaseModel]]) -> list[tuple[Loc, str]]:
    """Every problem pydantic found, in file order, without repeats."""
    seen: list[tuple[Loc, str]] = []
    for item in error.errors():
        described = describe(item, model, others)
        if described not in seen:
            seen.append(described)
    return seen
