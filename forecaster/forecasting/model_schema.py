"""What a saved model's config.json must hold, checked before anything is built from it.

A model directory is user-supplied input: it may be hand-edited, truncated or copied from
another version. Each kind of model has a pydantic schema here; `validate_config` turns the
first problem into a ModelFileError that names the file and the key (e.g. `params.lookback`),
so a tampered file never reaches a constructor as a traceback or a silently wrong model.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    model_validator,
)

from forecaster.errors import ModelFileError

# Bounds far above anything the toolkit trains, but low enough that a tampered number cannot
# make loading allocate gigabytes before the weights are compared with it.
MAX_HIDDEN = 8192
MAX_LAYERS = 64
MAX_INPUTS = 10_000
MAX_STEPS = 1_000_000
MAX_CLASSES = 100_000
MAX_SCORES = 100_000


def _finite(value: float) -> float:
    if not math.isfinite(value):
        raise ValueError("must be a finite number")
    return value


Finite = Annotated[float, AfterValidator(_finite)]
Count = Annotated[int, Field(ge=1)]


class _Strict(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid")


class _Open(BaseModel):
    """Sections that carry facts beside the checked keys (versions, data, training)."""

    model_config = ConfigDict(strict=True, extra="allow")


class _EncoderParams(_Strict):
    cell: Literal["rnn", "lstm", "gru"]
    hidden_size: Annotated[int, Field(ge=1, le=MAX_HIDDEN)]
    num_layers: Annotated[int, Field(ge=1, le=MAX_LAYERS)]
    bidirectional: bool
    dropout: Annotated[float, Field(ge=0.0, lt=1.0)]
    pooling: Literal["last", "mean", "attention"]


class SequenceParams(_EncoderParams):
    # absent in files saved before the convolution branch: the recurrent network alone
    architecture: Literal["recurrent", "recurrent+conv"] = "recurrent"


class EncoderSchema(_EncoderParams):
    """The encoder block of config.json: the shared encoder settings plus its input width."""

    input_size: Annotated[int, Field(ge=1, le=MAX_INPUTS)]


class ForecasterParams(_EncoderParams):
    lookback: Annotated[int, Field(ge=1, le=MAX_STEPS)]
    horizon: Annotated[int, Field(ge=1, le=MAX_STEPS)]
    window_norm: Literal["last", "season", "none"]  # as trained ("auto" is saved decided)
    combine: Literal["theta", "none"] = "none"  # absent in files saved before combinations
    calendar: list[str] = []  # the calendar features chosen (absent before known inputs)
    holidays: str | None = None
    exchange: str | None = None


class TextParams(_EncoderParams):
    embedding_dim: Annotated[int, Field(ge=1, le=MAX_HIDDEN)]
    max_words: Count
    max_length: Annotated[int, Field(ge=1, le=MAX_STEPS)]
    word_dropout: Annotated[float, Field(ge=0.0, lt=1.0)]
    pretrain: Literal["none", "lm"] = "none"  # absent in files saved before pretraining
    ngrams: Literal[0, 1, 2] = 0  # absent in files saved before the bag branch: none


class ScalerSchema(_Strict):
    data_min: list[Finite]
    data_max: list[Finite]


class TrainingSchema(_Open):
    """The TrainConfig fields a loaded model keeps, and the facts `Forecaster.load` reads."""

    epochs: Count | None = None
    batch_size: Count = 64
    learning_rate: Annotated[float, Field(gt=0.0)] = 1e-3
    optimizer: str = "adam"
    patience: Annotated[int, Field(ge=0)] | None = None
    clip_norm: Annotated[float, Field(gt=0.0)] | None = 1.0
    seed: int = 0
    device: str = "cpu"
    amp: bool = True
    progress: str = "auto"
    best_epoch: Annotated[int, Field(ge=0)] = 0
    monitor: Literal["auto", "loss", "accuracy"] = "auto"


class _ModelFile(_Open):
    format_version: Literal[1]
    encoder: EncoderSchema
    versions: dict[str, str] = {}

    def _check_params_match_encoder(self, params: _EncoderParams) -> None:
        for name in ("cell", "hidden_size", "num_layers", "bidirectional", "dropout", "pooling"):
            if getattr(params, name) != getattr(self.encoder, name):
                raise ValueError(f"params.{name} ({getattr(params, name)!r}) differs from "
                                 f"encoder.{name} ({getattr(self.encoder, name)!r})")


class SeasonalProfileSchema(_Strict):
    season: Count
    indices: Annotated[list[Finite], Field(max_length=MAX_STEPS)]
    multiplicative: bool

    @model_validator(mode="after")
    def _one_index_per_phase(self) -> SeasonalProfileSchema:
        if self.indices and len(self.indices) != self.season:
            raise ValueError(f"profile.indices has {len(self.indices)} values for season "
                             f"{self.season}")
        return self


class ThetaSchema(_Strict):
    profile: SeasonalProfileSchema
    alpha: Annotated[Finite, Field(gt=0.0, le=1.0)]
    drift: Finite


class CombinationSchema(_Strict):
    method: Literal["theta"]
    theta: ThetaSchema
    network_weight: Annotated[Finite, Field(ge=0.0, le=1.0)]
    anchor: str | None


class IntervalsSchema(_Strict):
    """The interval calibration (`forecaster.forecasting.intervals.Calibration`)."""

    method: str
    step_scale: Annotated[list[Annotated[Finite, Field(gt=0.0)]],
                          Field(min_length=1, max_length=MAX_STEPS)]
    scores: Annotated[list[Annotated[Finite, Field(ge=0.0)]],
                      Field(min_length=1, max_length=MAX_SCORES)]
    count: Annotated[int, Field(ge=0)]
    window: Count
    floor: Annotated[Finite, Field(gt=0.0)]


class KnownInputsSchema(_Strict):
    """Inputs known ahead (`forecaster.data.known_inputs.KnownInputs`)."""

    future_features: Annotated[list[str], Field(max_length=MAX_INPUTS)]
    calendar: Annotated[list[str], Field(max_length=MAX_INPUTS)]
    holidays: str | None
    low: list[Finite]
    high: list[Finite]
    # a global model's series: its static columns, their encoded names and values (absent in
    # files saved before static features)
    static_features: Annotated[list[str], Field(max_length=MAX_INPUTS)] = []
    static_names: list[str] = []
    static_values: list[Finite] = []
    names: list[str]

    @model_validator(mode="after")
    def _one_range_per_column(self) -> KnownInputsSchema:
        for name in ("low", "high"):
            if len(getattr(self, name)) != len(self.future_features):
                raise ValueError(f"known_inputs.{name} has {len(getattr(self, name))} value(s) "
                                 f"for {len(self.future_features)} future feature(s)")
        if len(self.static_values) != len(self.static_names):
            raise ValueError(f"known_inputs.static_values has {len(self.static_values)} "
                             f"value(s) for {len(self.static_names)} static name(s)")
        if bool(self.static_names) != bool(self.static_features):
            raise ValueError("known_inputs.static_names and static_features must both be "
                             "given or both be empty")
        return self


class ForecasterFile(_ModelFile):
    kind: Literal["forecaster"]
    params: ForecasterParams
    combination: CombinationSchema | None = None
    intervals: IntervalsSchema | None = None  # absent in files saved before intervals
    known_inputs: KnownInputsSchema | None = None  # absent: nothing known ahead
    target: str
    features: list[str]
    frequency: str | None
    season: Count
    scaler: ScalerSchema
    data: dict[str, Any]
    training: TrainingSchema

    @model_validator(mode="after")
    def _consistent(self) -> ForecasterFile:
        self._check_params_match_encoder(self.params)
        columns = 1 + len(self.features)
        if self.encoder.input_size != columns:
            raise ValueError(f"encoder.input_size is {self.encoder.input_size}, but the target "
                             f"and features make {columns} column(s)")
        for name in ("data_min", "data_max"):
            if len(getattr(self.scaler, name)) != columns:
                raise ValueError(f"scaler.{name} has {len(getattr(self.scaler, name))} value(s) "
                                 f"for {columns} column(s)")
        if self.intervals is not None and len(self.intervals.step_scale) != self.params.horizon:
            raise ValueError(f"intervals.step_scale has {len(self.intervals.step_scale)} "
                             f"value(s) for horizon {self.params.horizon}")
        return self


class CalibrationSchema(_Strict):
    """A classifier's temperature (`forecaster.classification.calibration`); absent in files
    saved before classifiers were calibrated."""

    temperature: Annotated[Finite, Field(gt=0.0)]
    validation_cases: Annotated[int, Field(ge=0)] = 0


class _ClassifierFile(_ModelFile):
    classes: Annotated[list[str], Field(min_length=2, max_length=MAX_CLASSES)]
    calibration: CalibrationSchema | None = None

    @model_validator(mode="after")
    def _distinct_classes(self) -> _ClassifierFile:
        if len(set(self.classes)) != len(self.classes):
            raise ValueError("classes lists a class twice")
        return self


class SequenceClassifierFile(_ClassifierFile):
    kind: Literal["sequence_classifier"]
    params: SequenceParams
    mean: list[Finite]
    scale: list[Annotated[Finite, Field(gt=0.0)]]

    @model_validator(mode="after")
    def _consistent(self) -> SequenceClassifierFile:
        self._check_params_match_encoder(self.params)
        for name in ("mean", "scale"):
            if len(getattr(self, name)) != self.encoder.input_size:
                raise ValueError(f"{name} has {len(getattr(self, name))} value(s) for "
                                 f"{self.encoder.input_size} channel(s)")
        return self


class VocabularySchema(_Open):
    tokens: list[str]


class TextClassifierFile(_ClassifierFile):
    kind: Literal["text_classifier"]
    params: TextParams
    vocabulary: VocabularySchema
    training: TrainingSchema | None = None

    @model_validator(mode="after")
    def _consistent(self) -> TextClassifierFile:
        self._check_params_match_encoder(self.params)
        if self.encoder.input_size != self.params.embedding_dim:
            raise ValueError(f"encoder.input_size ({self.encoder.input_size}) differs from "
                             f"params.embedding_dim ({self.params.embedding_dim})")
        return self


SCHEMAS: dict[str, type[_ModelFile]] = {
    "forecaster": ForecasterFile,
    "sequence_classifier": SequenceClassifierFile,
    "text_classifier": TextClassifierFile,
}


def _where(error: dict[str, Any]) -> str:
    return ".".join(str(part) for part in error["loc"]) or "(top level)"


def validate_config(config: Any, kind: str, file: Path) -> None:
    """ModelFileError naming `file` and the first bad key unless `config` is a valid `kind`."""
    if not isinstance(config, dict):
        raise ModelFileError(f"'{file}' must hold a JSON object (a model's settings), not "
                             f"{type(config).__name__}. Train again or copy the whole model "
                             f"directory.")
    try:
        SCHEMAS[kind].model_validate(config)
    except ValidationError as exc:
        error = exc.errors(include_url=False)[0]
        where, message = _where(error), error["msg"].removeprefix("Value error, ")
        given = "" if error["type"] == "missing" else f" (found {error.get('input')!r:.60})"
        more = len(exc.errors()) - 1
        raise ModelFileError(
            f"'{file}' is not a valid {kind.replace('_', ' ')} model file: key '{where}': "
            f"{message}{given}" + (f"; and {more} more problem(s)" if more else "")
            + ". It was changed or damaged since it was saved: train again or copy the whole "
              "model directory.") from None
