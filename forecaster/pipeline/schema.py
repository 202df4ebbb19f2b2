"""What a pipeline file may say, and `load_pipeline`, the one way to read one.

A pipeline file is YAML. Its `task` key (default `forecast`) picks the model that validates it:
`ForecastPipeline` or `ClassifyPipeline`. Every section is closed, so a misspelt key is an error
that names the file, the dotted key and the valid keys, never a setting silently ignored in a
job that runs at 3 a.m.

Examples
--------
>>> from forecaster.pipeline import load_pipeline
>>> pipeline = load_pipeline("pipelines/gafa_nightly.yaml",
...                          ["model.hidden_size=64"])  # doctest: +SKIP
>>> pipeline.model.hidden_size, pipeline.data.id_column
(64, 'Symbol')
"""

from __future__ import annotations

import glob
import hashlib
import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError, model_validator

from forecaster.data.printable import printable
from forecaster.errors import ConfigError
from forecaster.pipeline.fields import Name, choice, key_error, show
from forecaster.pipeline.messages import Loc, problems
from forecaster.pipeline.pipeline_file import (
    PATH_KEYS,
    apply_override,
    parse_override,
    read_file,
    resolve_paths,
    shown_set,
)
from forecaster.pipeline.sections import (
    MODES,
    TASKS,
    ClassifyData,
    ClassifyModel,
    Encoder,
    Evaluation,
    Execution,
    ForecastData,
    Output,
    Preprocessing,
    Split,
    Tracking,
    Training,
    check_text_settings,
)

# sections that say how and where a job runs, not what it computes: outside config_hash
NOT_HASHED = frozenset({"name", "tracking", "output", "execution"})
_GLOB_CHARACTERS = "*?["


class _PipelineBase(BaseModel):
    """What both kinds of pipeline share: closed, immutable, hashable settings."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    if TYPE_CHECKING:  # declared by each subclass, in the order a file is written
        name: str
        data: ForecastData | ClassifyData
        output: Output
    _source_file: Path | None = PrivateAttr(default=None)
    _source_sha256: str | None = PrivateAttr(default=None)
    _overrides: tuple[str, ...] = PrivateAttr(default=())

    @model_validator(mode="before")
    @classmethod
    def _empty_section_is_defaults(cls, data: Any) -> Any:
        """`training:` with nothing under it reads as null in YAML; it means "the defaults"."""
        if isinstance(data, dict):
            sections = [key for key, field in cls.model_fields.items()
                        if isinstance(field.annotation, type)
                        and issubclass(field.annotation, BaseModel)]
            data = {key: ({} if key in sections and value is None else value)
                    for key, value in data.items()}
        return data

    @property
    def source_file(self) -> Path:
        """The pipeline file, absolute (set by `load_pipeline`)."""
        if self._source_file is None:
            raise AttributeError("This pipeline was built in code, not read by load_pipeline, "
                                 "so it has no source_file.")
        return self._source_file

    @property
    def source_sha256(self) -> str:
        """SHA-256 of the pipeline file's bytes as they were read (once: it may be a pipe)."""
        if self._source_sha256 is None:
            raise AttributeError("This pipeline was built in code, not read by load_pipeline, "
                                 "so it has no source file to hash.")
        return self._source_sha256

    @property
    def overrides(self) -> tuple[str, ...]:
        """The `--set KEY=VALUE` strings applied on top of the file, in order."""
        return self._overrides

    @property
    def output_dir(self) -> Path:
        """output.dir, or <current directory>/runs/pipelines/<name> when it is null."""
        directory = self.output.dir
        return directory if directory is not None else default_output_dir(self.name)

    def config_hash(self) -> str:
        """SHA-256 of the canonical JSON of the settings that change results: everything but
        name, tracking, output, execution, the input paths (a moved checkout is not a new
        configuration; the inputs' checksums are compared separately) and `data.series` (which
        series to run changes none of them). Key order does not matter."""
        settings = self.model_dump(mode="json", exclude=set(NOT_HASHED))
        for section, key in PATH_KEYS:  # where the data lives is not what it is: the inputs'
            settings.get(section, {}).pop(key, None)  # checksums cover their contents
        settings.get("data", {}).pop("series", None)  # choosing series changes none of them
        canonical = json.dumps(settings, sort_keys=True, separators=(",", ":"),
                               ensure_ascii=False)
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest()

    def to_dict(self) -> dict[str, Any]:
        """Every setting, defaults included, as plain JSON/YAML values (paths as strings)."""
        return self.model_dump(mode="json")

    def input_paths(self) -> list[tuple[str, Path]]:
        """(dotted key, path or glob) of each input the file names."""
        found = []
        for section, key in PATH_KEYS:
            value = getattr(self.data, key, None) if section == "data" else None
            if value is not None:
                found.append((f"{section}.{key}", value))
        return found

    def input_files(self) -> list[Path]:
        """The files the inputs match now: a glob expanded (sorted), missing files left out."""
        return [file for _, path in self.input_paths() for file in matching_files(path)]


class ForecastPipeline(_PipelineBase):
    """`task: forecast`: train and evaluate one forecaster per series (`mode: per-series`) or
    one across all of them (`mode: global`)."""

    name: Name
    task: Literal["forecast"] = "forecast"
    data: ForecastData = Field(description="where the series come from (path:, targets:, ...)")
    mode: choice(MODES) = "per-series"
    split: Split = Field(default_factory=Split)
    preprocessing: Preprocessing = Field(default_factory=Preprocessing)
    model: Encoder = Field(default_factory=Encoder)
    training: Training = Field(default_factory=Training)
    evaluation: Evaluation = Field(default_factory=Evaluation)
    tracking: Tracking = Field(default_factory=Tracking)
    output: Output = Field(default_factory=Output)
    execution: Execution = Field(default_factory=Execution)

    @model_validator(mode="after")
    def _static_features_need_global(self) -> ForecastPipeline:
        if self.data.static_features and self.mode != "global":
            raise key_error("data.static_features",
                            "needs mode: global: static features describe differences between "
                            "series, which a model of one series cannot learn; use mode: "
                            "global (one network over all the series)")
        return self

    @model_validator(mode="after")
    def _forecasters_watch_the_loss(self) -> ForecastPipeline:
        if self.training.monitor == "accuracy":
            raise key_error("training.monitor",
                            "is 'accuracy', which only a classifier has; a forecaster keeps "
                            "the epoch of lowest validation loss: use auto or loss")
        return self


class ClassifyPipeline(_PipelineBase):
    """`task: classify`: train and score one sequence or text classifier."""

    name: Name
    task: Literal["classify"]
    data: ClassifyData = Field(description="the labelled examples (path:, kind:, ...)")
    model: ClassifyModel = Field(default_factory=ClassifyModel)
    training: Training = Field(default_factory=Training)
    tracking: Tracking = Field(default_factory=Tracking)
    output: Output = Field(default_factory=Output)
    execution: Execution = Field(default_factory=Execution)

    @model_validator(mode="after")
    def _text_settings_need_text(self) -> ClassifyPipeline:
        check_text_settings(self.data.kind, self.model)
        return self


Pipeline = ForecastPipeline | ClassifyPipeline
PIPELINES: dict[str, type[ForecastPipeline] | type[ClassifyPipeline]] = {
    "forecast": ForecastPipeline, "classify": ClassifyPipeline}


def default_output_dir(name: str) -> Path:
    """<current directory>/runs/pipelines/<name>: beside the other `runs/` of the directory the
    job is started from (a scheduler sets it), not inside the folder of pipeline files."""
    return Path.cwd() / "runs" / "pipelines" / name


def has_glob(path: Path | str) -> bool:
    """Whether `path` is a pattern (one series per matching file) rather than one file: the
    package's one test of it."""
    return any(char in str(path) for char in _GLOB_CHARACTERS)


def matching_files(path: Path) -> list[Path]:
    """The files a path or glob names now, sorted; [] when none."""
    if has_glob(path):
        return [Path(p) for p in sorted(glob.glob(str(path), recursive=True)) if Path(p).is_file()]
    return [path] if path.is_file() else []


def load_pipeline(path: str | Path, overrides: Sequence[str] = ()) -> Pipeline:
    """Read, override, validate and resolve a pipeline file; raise `ConfigError` for any problem.

    Parameters
    ----------
    path : the YAML file. Relative paths written in it are taken from its folder.
    overrides : `--set` strings, `dotted.key=value`, the value read as YAML
        (`model.hidden_size=64`, `data.targets=[Close,Open]`, `tracking.enabled=false`). Relative
        paths given this way are taken from the current directory, where they were typed.

    Every problem found is reported, one per line, each naming the file (and the `--set` it
    came from) and the dotted key. A null `output.dir` becomes
    `<current directory>/runs/pipelines/<name>`; `name` defaults to the file's stem.
    """
    shown = str(path)
    file = Path(path).expanduser()
    # a pipe such as <(...) or /dev/stdin: its "folder" means nothing, so its relative paths
    # are taken from the current directory, and resolving it would name the pipe's inode
    regular = not file.exists() or file.is_file() or file.is_dir()
    file = file.resolve() if regular else file.absolute()
    read = read_file(file, shown)
    raw = resolve_paths(read.data, (), file.parent if regular else Path.cwd())
    origins: dict[Loc, str] = {}
    for text in overrides:
        keys, value = parse_override(text)
        apply_override(raw, keys, resolve_paths(value, keys, Path.cwd()), text)
        origins[keys] = text
    named_by_stem = "name" not in raw
    raw.setdefault("name", file.stem)

    def where(loc: Loc) -> str:
        for keys, text in origins.items():
            if loc[: len(keys)] == keys or keys[: len(loc)] == loc:
                return f"{shown} (--set {shown_set(text)})"
        return shown

    task = raw.get("task", "forecast")
    if task not in PIPELINES:
        raise ConfigError(f"{where(('task',))}: 'task' must be one of {', '.join(TASKS)}, got "
                          f"{show(task)}.")
    model = PIPELINES[task]
    _default_output(raw)
    try:
        pipeline = model.model_validate(raw)
    except ValidationError as exc:
        others = {name: cls for name, cls in PIPELINES.items() if cls is not model}
        lines = []
        for loc, text in problems(exc, model, others):
            if loc == ("name",) and named_by_stem:
                text += " (the name defaults to the file's stem; set 'name:' in the file)"
            lines.append(printable(f"{where(loc)}: {text}."))  # keys may hold escapes
        raise ConfigError("\n".join(lines)) from None
    pipeline._source_file = file
    pipeline._source_sha256 = read.sha256
    pipeline._overrides = tuple(overrides)
    _check_inputs(pipeline, where)
    return pipeline


def _default_output(raw: dict[str, Any]) -> None:
    output, name = raw.get("output"), raw.get("name")
    if output is None:
        output = raw["output"] = {}
    if isinstance(output, dict) and output.get("dir") is None and isinstance(name, str):
        output["dir"] = str(default_output_dir(name))


def _check_inputs(pipeline: Pipeline, where: Callable[[Loc], str]) -> None:
    """Each input path must name an existing file (a glob: at least one)."""
    lines = []
    folder = pipeline.source_file.parent
    for key, path in pipeline.input_paths():
        origin = where(tuple(key.split(".")))
        relative_to = (f"the current directory, {Path.cwd()}" if "--set" in origin
                       else f"the pipeline file's folder, {folder}")
        if isinstance(pipeline, ClassifyPipeline) and has_glob(path):
            lines.append(f"{origin}: '{key}' must name one file for task: classify, got the "
                         f"pattern {path}.")
        elif path.is_dir():
            lines.append(f"{origin}: '{key}' is a directory, {path}. Name a file, or a glob "
                         f"such as {path / '*.csv'} for one series per file.")
        elif not matching_files(path):
            what = "matches no file" if has_glob(path) else "does not exist"
            lines.append(f"{origin}: '{key}' {what}: {path}. Check the path (a relative path is "
                         f"taken from {relative_to}).")
    if lines:
        raise ConfigError("\n".join(lines))
