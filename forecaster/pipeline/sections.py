"""The sections of a pipeline file, one pydantic model each, every one closed to unknown keys.

The choices come from the modules that use them (cells and poolings from `core.config`,
optimisers and devices from `training.config`, fills and window normalisations from
`data.choices`), so a new cell or optimiser shows up here without an edit.
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, StrictBool, model_validator

from forecaster.classification.case_files import DATA_KINDS
from forecaster.core.config import ARCHITECTURES, CELLS, POOLINGS
from forecaster.data.choices import COMBINES, FILL_METHODS, PRETRAIN, WINDOW_NORMS
from forecaster.forecasting.intervals import DEFAULT_LEVELS
from forecaster.forecasting.model_schema import MAX_HIDDEN, MAX_LAYERS, MAX_STEPS
from forecaster.pipeline.fields import (
    Calendar,
    Columns,
    Encoding,
    Exchange,
    FilePath,
    Fraction,
    FractionOrZero,
    Holidays,
    Levels,
    NonNegativeInt,
    PositiveFloat,
    PositiveInt,
    SeriesIds,
    Text,
    choice,
    integer_from,
    key_error,
)
from forecaster.training.config import DEVICES, OPTIMIZERS
from forecaster.training.monitor import MONITORS
from forecaster.training.threads import MAX_THREADS

TASKS: tuple[str, ...] = ("forecast", "classify")
MODES: tuple[str, ...] = ("per-series", "global")
EXECUTORS: tuple[str, ...] = ("local", "ray")


class Section(BaseModel):
    """A closed, immutable mapping of settings: a misspelt key is an error, never ignored."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class ForecastData(Section):
    """Where the series come from. One file or a glob (one series per file); in long format,
    `id_column` splits a file into one series per value; several targets give one series per
    target column."""

    path: FilePath = Field(description="the CSV file, or a glob such as data/*.csv")
    id_column: Text | None = None
    series: SeriesIds | None = None
    date_column: Text | None = None
    targets: Columns = Field(description="the column(s) to forecast, e.g. targets: [Close]")
    features: Columns = []
    # columns whose values at the forecast steps are known when the forecast is made (a
    # column may be in features too); the H rows after the history carry them
    future_features: Columns = []
    # the next H rows (date, future columns, the id column for a long file); null: the data
    # file's trailing rows with the target empty
    future_path: FilePath | None = None
    # mode: global only: columns that describe a whole series (one value per series, e.g.
    # State, Purpose), from its own rows or from static_path; the id column may be one (a
    # learned per-series embedding)
    static_features: Columns = []
    # one row per series keyed by data.id_column with the static columns; null: each series'
    # own rows carry them
    static_path: FilePath | None = None
    fill: choice(FILL_METHODS) | None = None
    encoding: Encoding = "utf-8"

    @model_validator(mode="after")
    def _roles_do_not_overlap(self) -> ForecastData:
        if not self.targets:
            raise key_error("targets", "must list at least one column to forecast, e.g. [Close]")
        both = [c for c in self.features if c in self.targets]
        if both:
            raise key_error("features", f"must not repeat a target column ({', '.join(both)}): "
                                        f"targets are inputs already")
        known = [c for c in self.future_features if c in self.targets]
        if known:
            raise key_error("future_features", f"must not name a target column "
                                               f"({', '.join(known)}): its future values are "
                                               f"what is forecast")
        for key in ("id_column", "date_column"):
            column = getattr(self, key)
            if column is not None and column in [*self.targets, *self.features,
                                                 *self.future_features]:
                raise key_error(key, f"names '{column}', which is also a target or feature")
        static = [c for c in self.static_features
                  if c in [*self.targets, *self.features, *self.future_features]
                  or c == self.date_column]
        if static:
            raise key_error("static_features", f"names {', '.join(static)}, which is also a "
                                               f"target, feature or the date column; a static "
                                               f"feature holds one value per series")
        if self.static_path is not None and not self.static_features:
            raise key_error("static_path", "is only used with data.static_features (the "
                                           "columns it carries); name them or remove it")
        if self.static_path is not None and self.id_column is None:
            raise key_error("static_path", "is keyed by data.id_column (one row per series); "
                                           "set data.id_column, or leave static_path out and "
                                           "keep the static columns in each series' rows")
        if self.future_path is not None and not self.future_features:
            raise key_error("future_path", "is only used with data.future_features (the rows "
                                           "that carry their values at the forecast dates); "
                                           "name those columns or remove it")
        if self.future_path is not None and any(c in str(self.path) for c in "*?["):
            raise key_error("future_path", "needs one data file (with data.id_column for "
                                           "several series); with a glob, end each file with "
                                           "its future rows, the target left empty")
        return self


class Split(Section):
    """Chronological: the last `test_size` of each series is the test span, the end of the rest
    (`val_size` of it) is for early stopping."""

    test_size: Fraction = 0.25
    val_size: FractionOrZero = 0.1


class Preprocessing(Section):
    lookback: integer_from(2, MAX_STEPS) | None = None  # past steps read; null: from the series
    horizon: integer_from(1, MAX_STEPS) = 1  # steps ahead it predicts
    # what the network learns corrections to: last value, seasonal naive, auto (the better one
    # on the training rows), none (raw levels)
    window_norm: choice(WINDOW_NORMS) = "auto"
    # calendar features from the dates: auto (by frequency), none, or names such as
    # [hour, day_of_week]; the default is the Python API's
    calendar: Calendar = "auto"
    holidays: Holidays | None = None  # holiday indicators of a region, e.g. AU-VIC
    exchange: Exchange | None = None  # forecast dates on this exchange's sessions, e.g. XNYS


class Encoder(Section):
    """The recurrent core, by the names `Forecaster` takes (`hidden_size`, `num_layers`)."""

    cell: choice(CELLS) = "lstm"
    hidden_size: integer_from(1, MAX_HIDDEN) = 50
    num_layers: integer_from(1, MAX_LAYERS) = 3
    bidirectional: StrictBool = False
    dropout: FractionOrZero = 0.0
    pooling: choice(POOLINGS) = "last"
    combine: choice(COMBINES) = "auto"  # the forecast: mean of the network's and Theta's


class Training(Section):
    """As `training.TrainConfig` takes it, by the same names; null epochs/patience mean the
    automatic schedule."""

    epochs: PositiveInt | None = None
    batch_size: PositiveInt = 64
    learning_rate: PositiveFloat = 0.001
    optimizer: choice(OPTIMIZERS) = "adam"
    patience: NonNegativeInt | None = None  # 0: never stop early
    min_delta: FractionOrZero = 0.001  # a gain resets the patience only if it is this share
    # of the best validation loss (0: any gain)
    monitor: choice(MONITORS) = "auto"  # the kept epoch: accuracy (classifiers) or loss
    clip_norm: PositiveFloat | None = 1.0  # gradient-norm clipping; null: off
    seed: NonNegativeInt = 0
    device: choice(DEVICES) = "auto"
    amp: StrictBool = True  # bf16 autocast on CUDA; ignored on a CPU
    threads: integer_from(1, MAX_THREADS) | None = None  # CPU threads per fit; null: the
    # cores (less one, or $OMP_NUM_THREADS) shared between execution.workers


class Evaluation(Section):
    season: PositiveInt | None = None  # seasonal-naive period; null: from the data's frequency
    # prediction intervals' coverage levels in percent (`--level` of `forecaster train`); when
    # the file does not set them, a default level the calibration is too small for is left out
    levels: Levels = DEFAULT_LEVELS


with warnings.catch_warnings():  # `register` is also ABCMeta.register, a class method only
    warnings.filterwarnings("ignore", message='Field name "register"', category=UserWarning)

    class Tracking(Section):
        enabled: StrictBool = True
        uri: Text | None = None  # null: MLFLOW_TRACKING_URI, else MLflow's local default
        experiment: Text | None = None  # null: the pipeline's name
        register: Text | None = None  # a registered-model name to add each model to


class Output(Section):
    dir: FilePath | None = None  # null: <current directory>/runs/pipelines/<name>
    checkpoint_every: PositiveInt = 1  # epochs between checkpoints


class Execution(Section):
    executor: choice(EXECUTORS) = "local"
    workers: PositiveInt = 1
    ray_address: Text | None = None

    @model_validator(mode="after")
    def _ray_address_needs_ray(self) -> Execution:
        if self.ray_address is not None and self.executor != "ray":
            raise key_error("ray_address", f"is only used with executor: ray (this pipeline has "
                                           f"executor: {self.executor}); remove it or set "
                                           f"executor: ray")
        return self


class ClassifyData(Section):
    """Labelled examples: a text CSV (`kind: text`) or numeric sequences (`kind: sequence`, a
    UCR/UEA .ts file or a CSV of flattened rows with `steps` time steps each)."""

    path: FilePath = Field(description="the training file, e.g. path: ../datasets/reviews.csv")
    kind: choice(DATA_KINDS) = Field(description="text or sequence")
    test_path: FilePath | None = None  # null: hold out a stratified test_size
    text_column: Text = "text"
    label_column: Text = "label"
    steps: PositiveInt | None = None
    encoding: Encoding = "utf-8"
    test_size: Fraction = 0.2
    val_size: FractionOrZero | None = None  # null: 0.2 if that holds out 100 cases, else none
    keep_repeats: StrictBool = False  # text: keep repeated texts (by default dropped first)

    @model_validator(mode="after")
    def _kind_settings(self) -> ClassifyData:
        if self.kind == "text" and self.steps is not None:
            raise key_error("steps", "is only used with kind: sequence (time steps per row of a "
                                     "flat CSV); remove it for kind: text")
        if self.kind == "sequence" and self.steps is None and not _is_ts(self.path):
            raise key_error("steps", "is needed for a CSV of flattened sequences: say how many "
                                     "time steps each row holds (e.g. steps: 28 for MNIST)")
        if self.kind == "text" and self.text_column == self.label_column:
            raise key_error("label_column", f"must differ from text_column (both are "
                                            f"'{self.text_column}')")
        return self


def _is_ts(path: Path | Any) -> bool:
    return Path(str(path)).suffix.lower() == ".ts"


class ClassifyModel(Section):
    """Classifier settings; null (the default) means the estimator's own default, which
    differs by kind (text: bidirectional LSTM, dropout 0.5, word dropout 0.2, 10,000 words, 200
    tokens; sequences: bidirectional GRU of 64 with attention pooling beside a convolution
    branch). The text settings are used by `kind: text` only, `architecture` by sequences."""

    cell: choice(CELLS) | None = None
    hidden_size: integer_from(1, MAX_HIDDEN) | None = None
    num_layers: integer_from(1, MAX_LAYERS) | None = None
    bidirectional: StrictBool | None = None
    dropout: FractionOrZero | None = None
    pooling: choice(POOLINGS) | None = None
    embedding_dim: integer_from(1, MAX_HIDDEN) | None = None  # text: the size of each word's vector
    max_words: integer_from(2) | None = None  # text: vocabulary size, most frequent words first
    max_length: integer_from(1, MAX_STEPS) | None = None  # text: tokens kept per text
    word_dropout: FractionOrZero | None = None  # text: share of training words hidden
    pretrain: choice(PRETRAIN) | None = None  # text: "lm" pretrains the encoder on the texts
    ngrams: integer_from(0, 2) | None = None  # text: bag of words (1) and word pairs (2) beside it
    architecture: choice(ARCHITECTURES) | None = None  # sequences: recurrent | recurrent+conv


def check_text_settings(kind: str, model: ClassifyModel) -> None:
    """The text settings on sequence data are refused when the file is validated, as the
    estimator factory would refuse them at run time, rather than ignored."""
    from forecaster.settings import SEQUENCE_ONLY, TEXT_ONLY

    if kind == "text":
        for key in SEQUENCE_ONLY:
            if getattr(model, key) is not None:
                raise key_error(f"model.{key}", "is for kind: sequence only (this pipeline has "
                                                "kind: text); remove it")
        return
    for key in TEXT_ONLY:
        if getattr(model, key) is not None:
            raise key_error(f"model.{key}", f"is for kind: text only (this pipeline has kind: "
                                            f"{kind}); remove it")
