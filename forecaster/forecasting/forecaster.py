"""`Forecaster`: the scikit-learn-style estimator over the recurrent core and the fit loop."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import torch
from sklearn.base import BaseEstimator
from torch import nn

from forecaster.core import EncoderConfig, EncoderWithHead
from forecaster.core.decoder import EncoderDecoder
from forecaster.data import (
    WINDOW_NORMS,
    SeriesData,
    WindowBatches,
    as_series_data,
    chronological_split,
    fit_scaler,
    scaler_from_state,
    scaler_state,
    season_length,
    target_positions,
)
from forecaster.data.choices import COMBINES
from forecaster.data.frequency import steps_between
from forecaster.data.known_inputs import NO_KNOWN_INPUTS, KnownInputs
from forecaster.data.scaling import inverse_target
from forecaster.data.split import default_lookback
from forecaster.data.static_inputs import NO_STATIC, StaticRow
from forecaster.errors import ConfigError, DataError, ModelFileError
from forecaster.estimator_checks import (
    cell_label,
    check_encoder_params,
    check_is_fitted,
    is_fitted,
    saved_params,
)
from forecaster.forecasting.baselines import reference_ratio
from forecaster.forecasting.combination import ThetaCombination, fit_combination
from forecaster.forecasting.evaluation import (
    Evaluation,
    IntervalRequest,
    evaluate_forecasts,
    rows_seen,
    unseen_start,
)
from forecaster.forecasting.interval_scores import bound_values, check_levels
from forecaster.forecasting.intervals import Calibration, pool
from forecaster.forecasting.model_intervals import (
    calibration_parts,
    forecast_bounds,
    window_bounds,
)
from forecaster.forecasting.model_known import (
    check_known_settings,
    history_and_future,
    known_rows,
    resolve_known,
)
from forecaster.forecasting.persistence import (
    load_weights,
    read_model_dir,
    saved_train_config,
    write_model_dir,
)
from forecaster.output import atomic_directory
from forecaster.training import History, TrainConfig, fit
from forecaster.training.checkpoint import Checkpoint
from forecaster.training.reporting import RunReporter

_PREDICT_BATCH = 4096


def check_season(season: Any, history: int, source: str) -> None:
    """ConfigError unless `season` is a whole number of rows that fits at least once into the
    `history` rows before the first scored point: a longer one would silently compare every
    point with the series' first value."""
    if isinstance(season, bool) or not isinstance(season, int | np.integer) or season < 1:
        raise ConfigError(f"season={season!r} must be a whole number of rows, 1 or more "
                          f"(1: no season).")
    if season >= history:
        raise ConfigError(f"season={season} is not shorter than the {history} row(s) of "
                          f"'{source}' before the scored span: seasonal naive and MASE need "
                          f"one full season of history. Use a smaller --season, or leave it "
                          f"out (the default comes from the frequency).")


def _as_date(start: Any, index: pd.DatetimeIndex) -> pd.Timestamp:
    """`start` as a timestamp comparable with `index` (same time zone, or none)."""
    try:
        stamp = pd.Timestamp(start)
    except (ValueError, TypeError):  # the parse of this one value only
        raise ConfigError(f"start={str(start)[:60]!r} is not a date (e.g. 2018-01-02), a row "
                          f"position or a fraction of the rows in (0, 1).") from None
    if stamp is pd.NaT:
        raise ConfigError(f"start={str(start)[:60]!r} is not a date.")
    if index.tz is not None and stamp.tz is None:
        return stamp.tz_localize(index.tz)
    if index.tz is None and stamp.tz is not None:
        return stamp.tz_convert(None)
    return stamp


class Forecaster(BaseEstimator):
    """Forecast a target column H steps ahead with an RNN, LSTM or GRU.

    Defaults follow the well-known Keras stock recipe (stacked LSTM, 3 layers of 50 units,
    Adam, MSE, batch 64) without its two flaws: the scaler is fitted on the training rows only,
    and the network learns corrections to a reference instead of extrapolating levels
    (``window_norm="auto"``: the window's last value, or seasonal naive where that forecasts the
    training rows better). ``window_norm="none"`` gives the tutorial behaviour for comparison
    (with ``lookback=100``, its window).

    ``combine="theta"`` (the default) makes the forecast a weighted mean of the network's and
    the Theta method's, with weights from their errors on the validation span
    (`forecaster.forecasting.combination`); ``combine="none"`` is the network alone.

    ``calendar="auto"`` (the default) gives a series below a month the calendar inputs of its
    frequency (`forecaster.data.calendar.auto_calendar`; none for monthly or longer): on the
    accuracy collection they cut vic_elec's MASE from 0.677 to 0.501 and changed the others by
    at most 3 % (benchmarks/calendar_default.py). ``calendar="none"`` leaves them out.

    ``lookback=None`` (the default) chooses the window from the series at fit time: two
    seasons of its frequency, at least 24 rows and twice the horizon, at most half of what the
    training rows leave after the horizon (`forecaster.data.split.default_lookback`); the value
    used is ``lookback_`` and is what the saved model records.

    Examples
    --------
    >>> from forecaster import Forecaster, load_series
    >>> series = load_series("datasets/GOOG.csv", target="Close")  # doctest: +SKIP
    >>> model = Forecaster(cell="gru", lookback=30, horizon=5).fit(series)  # doctest: +SKIP
    >>> model.forecast(series)  # the 5 business days after the last row  # doctest: +SKIP
    """

    def __init__(self, cell: str = "lstm", hidden_size: int = 50, num_layers: int = 3,
                 lookback: int | None = None, horizon: int = 1, window_norm: str = "auto",
                 dropout: float = 0.0, bidirectional: bool = False, pooling: str = "last",
                 combine: str = "auto", calendar: str | list[str] = "auto",
                 holidays: str | None = None, exchange: str | None = None,
                 training: TrainConfig | None = None) -> None:
        self.cell = cell
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.lookback = lookback
        self.horizon = horizon
        self.window_norm = window_norm
        self.dropout = dropout
        self.bidirectional = bidirectional
        self.pooling = pooling
        self.combine = combine
        self.calendar = calendar
        self.holidays = holidays
        self.exchange = exchange
        self.training = training

    # ------------------------------------------------------------------ validation and set-up
    def _check_params(self) -> None:
        check_encoder_params(self, positive=("horizon",) if self.lookback is None
                             else ("lookback", "horizon"))
        if self.window_norm not in WINDOW_NORMS:
            raise ConfigError(f"window_norm={self.window_norm!r} is not known; use one of "
                              f"{', '.join(WINDOW_NORMS)}.")
        if self.combine not in COMBINES:
            raise ConfigError(f"combine={self.combine!r} is not known; use one of "
                              f"{', '.join(COMBINES)} (none: the network's forecast alone).")
        check_known_settings(self)

    @property
    def label(self) -> str:
        """e.g. 'LSTM (3x50) + Theta': what the forecast is, combination included."""
        combine = getattr(self, "combine_", None) or (
            "theta" if self.combine == "auto" else self.combine)
        return cell_label(self) + (" + Theta" if combine == "theta" else "")

    def _encoder_config(self, input_size: int) -> EncoderConfig:
        return EncoderConfig(input_size=input_size, cell=self.cell, hidden_size=self.hidden_size,
                             num_layers=self.num_layers, bidirectional=self.bidirectional,
                             dropout=self.dropout, pooling=self.pooling)

    # ------------------------------------------------------------------ fitting
    def fit(self, data: Any, target: str | None = None, features: list[str] | None = None,
            val_size: float = 0.1, future_features: list[str] | None = None) -> Forecaster:
        """Train on the whole of `data`, holding out its last `val_size` for early stopping.
        `future_features`: columns whose values at the forecast steps are known when the
        forecast is made (they must then be given for the steps after the last row)."""
        self._check_params()
        series = as_series_data(data, target, features, future_features)
        split = chronological_split(len(series.frame), test_size=0.0, val_size=val_size,
                                    lookback=self.lookback, horizon=self.horizon)
        return self.fit_span(series, split.train_end, split.val_end)

    def fit_span(self, series: SeriesData, train_end: int, val_end: int,
                 reporter: RunReporter | None = None, checkpoint: Checkpoint | None = None
                 ) -> Forecaster:
        """Train on rows [0, train_end), stop early on windows with targets in [train_end,
        val_end). The scaler sees the training rows only; `reporter` hears every epoch;
        `checkpoint` (batch jobs) saves and resumes training state per epoch."""
        self._check_params()
        self.lookback_ = self.lookback_for(series, train_end)
        self.window_norm_ = self.norm_for([series], [train_end])
        self.combine_ = self.combine_for(series)
        scaler, train, val = self.span_windows(series, train_end, val_end)
        self.train_network(train, val, series.values.shape[1], reporter, checkpoint)
        self.remember_span(series, scaler, train_end, val_end)
        return self

    def combine_for(self, series: SeriesData) -> str:
        """The combination to forecast with: the one given, or for "auto" Theta, unless the
        series has future-known columns: Theta cannot read them, and averaging with it gave
        back most of what they bring (EPF, benchmarks/README.md)."""
        if self.combine != "auto":
            return self.combine
        return "none" if series.future_features else "theta"

    def lookback_for(self, series: SeriesData, train_end: int) -> int:
        """The lookback to train with: the one given, else the default for the series' season
        and its `train_end` training rows."""
        if self.lookback is not None:
            return int(self.lookback)
        return default_lookback(train_end, season_length(series.frequency), self.horizon)

    def norm_for(self, series: list[SeriesData], train_ends: list[int]) -> str:
        """The window normalisation to train with (after `lookback_` is set): the one given,
        or for "auto" the reference that forecasts the training rows better, h steps ahead: the
        last value ("last") or the value one season before ("season"), by the geometric mean
        over `series` of their mean-absolute-error ratio. The network then learns corrections
        to the better one. "season" needs its reference rows inside each window: a shorter
        lookback would read rows before the window (another series' rows in a global model)."""
        season = season_length(series[0].frequency)
        reach = season * -(-self.horizon // season)  # how far back seasonal naive reads
        fits = season > 1 and self.lookback_ >= reach
        if self.window_norm == "season" and not fits:
            raise ConfigError(
                f"window_norm='season' compares each step with the value one season before, "
                f"{reach} rows back for season {season} and horizon {self.horizon}; the lookback "
                f"is {self.lookback_}. Use --lookback {reach} or more, or --window-norm auto."
                if season > 1 else
                f"window_norm='season' needs a season, and '{series[0].source}' has none "
                f"(frequency {series[0].frequency or 'unknown'}); use --window-norm auto or last.")
        if self.window_norm != "auto":
            return self.window_norm
        if not fits:
            return "last"
        ratios = [reference_ratio(item.values[:end, 0], season_length(item.frequency),
                                  self.horizon) for item, end in zip(series, train_ends,
                                                                      strict=True)]
        ratios = [ratio for ratio in ratios if ratio is not None]
        return "season" if ratios and float(np.mean(np.log(ratios))) < 0 else "last"

    def span_windows(self, series: SeriesData, train_end: int, val_end: int,
                     static: StaticRow = NO_STATIC
                     ) -> tuple[Any, WindowBatches, WindowBatches]:
        """The series' scaler (fitted on its training rows) and its training and validation
        windows, scaled, for `lookback_` (set by `fit_span`, or the caller of a global fit,
        which also gives each series' encoded `static` features)."""
        values = series.values
        if np.ptp(values[:train_end, 0]) == 0:
            raise DataError(f"The target '{series.target}' is constant over the training part "
                            f"(rows 1-{train_end}) of '{series.source}': MinMax scaling has "
                            f"nothing to scale.")
        scaler = fit_scaler(values[:train_end])
        scaled = scaler.transform(values)
        lookback = self.lookback_
        train_pos = target_positions(0, train_end, lookback, self.horizon)
        val_pos = target_positions(train_end, val_end, lookback, self.horizon)
        if len(train_pos) == 0:
            largest = train_end - self.horizon
            remedy = (f"use --lookback {largest} or smaller, or more rows" if largest >= 1
                      else "use a shorter --horizon or more rows")
            raise DataError(f"'{series.source}' leaves no training window for lookback "
                            f"{lookback} and horizon {self.horizon} in its {train_end} "
                            f"training rows; {remedy}.")
        season = season_length(series.frequency)
        known = known_rows(resolve_known(self, series, train_end, static), series)
        train = WindowBatches.from_array(scaled[:train_end], train_pos, lookback,
                                         self.horizon, self.window_norm_, season,
                                         None if known is None else known[:train_end])
        val = WindowBatches.from_array(scaled[:val_end], val_pos, lookback, self.horizon,
                                       self.window_norm_, season,
                                       None if known is None else known[:val_end])
        return scaler, train, val

    def train_network(self, train: WindowBatches, val: WindowBatches, columns: int,
                      reporter: RunReporter | None = None,
                      checkpoint: Checkpoint | None = None) -> None:
        """A fresh network trained on `train` with early stopping on `val` (the one fit loop)."""
        config = self.training or TrainConfig()
        torch.manual_seed(config.seed)
        self.encoder_config_ = self._encoder_config(columns)
        self.network_ = self._network(0 if train.known is None else train.known.shape[1])
        self.history_: History = fit(self.network_, train, val, nn.functional.mse_loss,
                                     config, reporter=reporter, checkpoint=checkpoint)
        self.network_.to("cpu")
        self.train_config_ = config

    def _network(self, known: int) -> torch.nn.Module:
        """The encoder and its head, with a decoder over the forecast steps when `known`
        inputs are known ahead for each step."""
        if known:
            return EncoderDecoder(self.encoder_config_, self.horizon, known)
        return EncoderWithHead(self.encoder_config_, self.horizon)

    def remember_span(self, series: SeriesData, scaler: Any, train_end: int,
                      val_end: int, calibrate: bool = True,
                      static: StaticRow = NO_STATIC) -> None:
        """What the fitted model keeps of the series it is used for: scaler, columns, facts,
        and (`calibrate`) its interval calibration on the validation span; a global fit pools
        the calibrations of all its series instead."""
        self.scaler_ = scaler
        self.target_, self.features_ = series.target, list(series.features)
        self.future_features_ = list(series.future_features)
        self.known_ = resolve_known(self, series, train_end, static)
        self.frequency_ = series.frequency
        self.season_ = season_length(series.frequency)
        self.data_info_ = {
            "source": Path(series.source).name, "fingerprint": series.fingerprint(),
            "file_sha256": series.file_sha256, "rows": int(len(series.frame)),
            "train_rows": int(train_end), "validation_rows": int(val_end - train_end),
            "first_date": str(series.frame.index[0]),
            "last_date": str(series.frame.index[val_end - 1]),
            "fit_fingerprint": series.head(val_end).fingerprint(),  # the rows it saw
        }
        # the statistical half of the forecast, weighed against the network on the
        # validation windows and fitted on the same rows as the network
        self.combination_ = None
        if self.combine_ == "theta":
            self.combination_ = fit_combination(
                lambda positions: self.network_forecasts(series.values, positions,
                                                         known_rows(self.known_, series)),
                series.values[:, 0], train_end=train_end, val_end=val_end,
                lookback=self.lookback_, horizon=self.horizon, season=self.season_,
                anchor=str(series.frame.index[0]) if len(series.frame) else None)
        self.calibration_: Calibration | None = None
        if calibrate:
            self.calibration_ = pool([calibration_parts(self, series, train_end, val_end)],
                                     self.lookback_)

    # ------------------------------------------------------------------ prediction
    def _series(self, data: Any) -> SeriesData:
        if isinstance(data, SeriesData):
            series = data
        else:
            series = as_series_data(data, self.target_, self.features_, self.future_features_)
        wanted = [self.target_, *self.features_, *self.future_features_]
        missing = [c for c in wanted if c not in series.frame.columns]
        if missing or series.target != self.target_ or series.features != self.features_ \
                or series.future_features != self.future_features_:
            future = (f", future features {', '.join(self.future_features_)}"
                      if self.future_features_ else "")
            raise DataError(f"'{series.source}' does not have the columns this model was trained "
                            f"on: target '{self.target_}', features {self.features_ or 'none'}"
                            f"{future} (it has {', '.join(series.frame.columns)}).")
        return series

    def phase_of(self, series: SeriesData) -> int:
        """The seasonal phase of the first row of `series` for the Theta half: counted in
        steps of the frequency from the first row the model was fitted on, so any file of the
        same series (a longer one, or only its recent rows) lines up with the same season."""
        combination = getattr(self, "combination_", None)
        if combination is None or not combination.theta.profile.seasonal or \
                not combination.anchor or not len(series.frame) or \
                not isinstance(series.frame.index, pd.DatetimeIndex):
            return 0
        anchor = _as_date(combination.anchor, series.frame.index)
        steps = steps_between(anchor, series.frame.index[0], self.frequency_)
        return 0 if steps is None else steps % combination.theta.profile.season

    def predict_positions(self, values: np.ndarray, positions: np.ndarray, phase: int = 0,
                          known: np.ndarray | None = None) -> np.ndarray:
        """(windows, horizon) forecasts in original units for windows whose first target is at
        each position; only rows before a position are read. One batched pass, no refits.
        With `combine="theta"` each is the weighted mean of the network's and Theta's
        forecasts (`phase`: the seasonal phase of row 0, from `phase_of`)."""
        check_is_fitted(self)
        if len(positions) == 0:
            return np.empty((0, self.horizon))
        result = self.network_forecasts(values, positions, known)
        combination = getattr(self, "combination_", None)
        if combination is not None:
            with np.errstate(over="ignore", invalid="ignore"):
                result = combination.forecasts(result, values[:, 0], positions, phase)
        if not np.isfinite(result).all():
            raise ModelFileError(
                f"The model gave {int((~np.isfinite(result)).sum())} forecast value(s) that are "
                f"NaN or infinite: its weights or scaler cannot produce a number for this data. "
                f"The model (or its saved directory) is broken, or the series lies far outside "
                f"the range it was trained on; train it again.")
        return result

    def network_forecasts(self, values: np.ndarray, positions: np.ndarray,
                          known: np.ndarray | None = None) -> np.ndarray:
        """The network's half of `predict_positions`: (windows, horizon) in original units
        (may hold NaN or inf from a broken model; `predict_positions` checks). `known`: the
        (rows, width) inputs known ahead (`model_known.known_rows`) for a model that uses them;
        steps beyond its rows read its last row, so only forecasts whose targets it covers
        (all of a real forecast's: `forecast` checks the future rows) are meaningful."""
        needs = not getattr(self, "known_", NO_KNOWN_INPUTS).empty
        if needs and known is None:
            raise ValueError("this model reads inputs known ahead: pass known=known_rows(...)")
        scaled = self.scaler_.transform(values[: int(positions.max())])
        # the window source needs targets only for training; pad so unfold has the last window
        padded = np.vstack([scaled, np.zeros((self.horizon, scaled.shape[1]))])
        if needs:
            rows = len(padded)
            known = known[:rows] if len(known) >= rows else np.vstack(
                [known, np.repeat(known[-1:], rows - len(known), axis=0)])
        windows = WindowBatches.from_array(padded, positions, self.lookback_, self.horizon,
                                           self.window_norm_, self.season_,
                                           known if needs else None)
        device = next(self.network_.parameters()).device
        windows = windows.to(device)
        outputs = []
        self.network_.eval()
        with torch.no_grad():
            for start in range(0, len(positions), _PREDICT_BATCH):
                rows = torch.arange(start, min(start + _PREDICT_BATCH, len(positions)),
                                    device=device)
                inputs = windows.inputs(rows)
                out = (self.network_(*inputs) if isinstance(inputs, tuple)
                       else self.network_(inputs))
                outputs.append(windows.restore(rows, out).float().cpu().numpy())
        with np.errstate(over="ignore", invalid="ignore"):
            return inverse_target(self.scaler_, np.concatenate(outputs).astype(np.float64))

    def _positions_from(self, series: SeriesData, start: Any) -> np.ndarray:
        n = len(series.frame)
        if start is None:
            first = self.lookback_
        elif isinstance(start, bool):
            raise ConfigError(f"start={start!r} must be a date, a row position or a fraction "
                              f"of the rows in (0, 1).")
        elif isinstance(start, float):
            if not 0 < start < 1:
                raise ConfigError(f"start={start!r}: a fraction of the rows must lie strictly "
                                  f"between 0 and 1 (e.g. 0.75 scores the last quarter).")
            first = int(round(n * start))
        elif isinstance(start, int | np.integer):
            if not 0 <= start <= n:
                raise ConfigError(f"start={start!r} is not a row position of '{series.source}' "
                                  f"(0 to {n}).")
            first = int(start)
        else:
            first = int(series.frame.index.searchsorted(_as_date(start, series.frame.index)))
        positions = target_positions(first, n, self.lookback_, self.horizon)
        if len(positions) == 0:
            raise DataError(f"'{series.source}' has {n} rows: no window with {self.lookback_} "
                            f"earlier rows and {self.horizon} target rows starts at row "
                            f"{first + 1}. It needs at least {self.lookback_ + self.horizon} "
                            f"rows.")
        return positions

    @property
    def has_intervals(self) -> bool:
        """False for a model saved before intervals existed (it forecasts points only)."""
        return getattr(self, "calibration_", None) is not None

    def _levels(self, levels: Any, source: str) -> tuple[float, ...]:
        """The checked levels. Levels asked for must each have enough calibration errors
        (DataError otherwise); of the default levels, those without are left out
        (`levels_left_out` says which and why)."""
        checked = check_levels(levels)
        if not self.has_intervals:
            return checked
        if levels is not None:
            self.calibration_.check_levels(checked, source)
            return checked
        return tuple(level for level in checked if self.calibration_.supports(level))

    def levels_left_out(self) -> str | None:
        """Why a default level has no interval (too few calibration errors), or None."""
        if not self.has_intervals:
            return None
        return self.calibration_.left_out(check_levels(None))

    def predict(self, data: Any, start: Any = None, levels: Any = None) -> pd.DataFrame:
        """Forecasts for every window whose first target is at or after `start` (a date, a row
        position, or a fraction of the rows; default: every window with a full lookback), with
        lower_L/upper_L bounds per level (percent; default 80 and 95), updated origin by origin
        from the misses observed before each (none for a model saved before intervals)."""
        check_is_fitted(self)
        series = self._series(data)
        levels = self._levels(levels, series.source)
        positions = self._positions_from(series, start)
        predictions = self.predict_positions(series.values, positions, self.phase_of(series),
                                             known_rows(self.known_, series))
        targets = positions[:, None] + np.arange(self.horizon)[None, :]
        frame = pd.DataFrame({
            "date": series.frame.index[targets.ravel()],
            "step": np.tile(np.arange(1, self.horizon + 1), len(positions)),
            "actual": series.values[targets.ravel(), 0],
            "prediction": predictions.ravel(),
        })
        if self.has_intervals:
            lower, upper = window_bounds(self, series, predictions, positions, levels)
            frame = frame.assign(**bound_values(levels, lower, upper))
        return frame

    def evaluate(self, data: Any, start: Any = None, season: int | None = None,
                 by_step: bool = False, levels: Any = None) -> Evaluation:
        """Score every window from `start` beside the baselines, in original units (default:
        the first row the model did not train on; the last 25 % of a series it never saw).
        Rows it trained on are labelled in-sample in the verdict. Intervals at `levels`
        (percent; default 80 and 95) are scored for the model and every baseline."""
        check_is_fitted(self)
        series = self._series(data)
        levels = self._levels(levels, series.source)
        seen = rows_seen(self.data_info_, series)
        if start is None:
            start = unseen_start(seen, len(series.frame), series.source,
                                 self.data_info_.get("last_date"))
        positions = self._positions_from(series, start)
        history = int(positions[0])
        if season is None:  # the frequency's season where it fits, else none
            season = self.season_ if self.season_ < history else 1
        check_season(season, history, series.source)
        predictions = self.predict_positions(series.values, positions, self.phase_of(series),
                                             known_rows(self.known_, series))
        return evaluate_forecasts(series.values[:, 0], series.frame.index, positions,
                                  predictions, season=season,
                                  model_label=self.label, by_step=by_step, seen_rows=seen,
                                  best_epoch=getattr(self, "history_", None) and
                                  self.history_.best_epoch,
                                  intervals=IntervalRequest(getattr(self, "calibration_", None),
                                                            levels, self.levels_left_out(),
                                                            self.lookback_))

    def forecast(self, data: Any, levels: Any = None, future: Any = None) -> pd.DataFrame:
        """The `horizon` values after the last row of `data`, with their dates and lower_L/
        upper_L bounds per level (percent; default 80 and 95). The bounds adapt to the misses
        of the model's forecasts over the rows of `data` it did not train on.

        A model with future-known columns needs their values for the forecast dates: as the
        last rows of `data` (a path or a DataFrame) with the target empty, or as `future` (a
        path or a DataFrame: a date column and those columns, one row per forecast date)."""
        check_is_fitted(self)
        series, future_values, dates = history_and_future(self, data, future)
        levels = self._levels(levels, series.source)
        n = len(series.frame)
        if n < self.lookback_:
            raise DataError(f"'{series.source}' has {n} rows; forecasting needs the last "
                            f"{self.lookback_} (the model's lookback).")
        known = known_rows(self.known_, series, future_values, dates)
        values = self.predict_positions(series.values, np.array([n]), self.phase_of(series),
                                        known)[0]
        frame = pd.DataFrame({"date": dates, "step": np.arange(1, self.horizon + 1),
                              "forecast": values})
        if self.has_intervals:
            lower, upper = forecast_bounds(self, series, values, levels, known)
            frame = frame.assign(**bound_values(levels, lower, upper))
        return frame

    # ------------------------------------------------------------------ persistence
    def __sklearn_is_fitted__(self) -> bool:
        return is_fitted(self)

    def save(self, path: str | Path) -> Path:
        """Write the model directory atomically (a temporary sibling, then a rename)."""
        check_is_fitted(self)
        path = Path(path)
        with atomic_directory(path) as tmp:
            self.save_into(tmp)
        return path

    def fitted_params(self) -> dict[str, Any]:
        """The settings as trained: `saved_params` with the lookback used (a default of None
        is recorded as the number chosen) and the calendar features chosen, for config.json
        and metrics.json."""
        return {**saved_params(self), "lookback": self.lookback_,
                "window_norm": self.window_norm_, "combine": self.combine_,
                "calendar": list(self.known_.calendar), "holidays": self.known_.holidays}

    def save_into(self, directory: Path) -> None:
        """Write config.json and weights.safetensors into an existing directory."""
        history = self.history_
        config = {
            "kind": "forecaster",
            "params": self.fitted_params(),
            "encoder": self.encoder_config_.to_dict(),
            "target": self.target_,
            "features": self.features_,
            "frequency": self.frequency_,
            "season": self.season_,
            "scaler": scaler_state(self.scaler_),
            "data": self.data_info_,
            **({"combination": self.combination_.to_dict()}
               if self.combination_ is not None else {}),
            **({"intervals": self.calibration_.to_dict()} if self.has_intervals else {}),
            **({"known_inputs": self.known_.to_dict()} if not self.known_.empty else {}),
            "training": {**asdict(self.train_config_), "epochs_run": history.epochs_run,
                         "best_epoch": history.best_epoch, "device": history.device,
                         "interrupted": history.interrupted},
        }
        write_model_dir(directory, config, self.network_.state_dict())

    @classmethod
    def load(cls, path: str | Path) -> Forecaster:
        """Load a saved model directory onto the CPU (no unpickling)."""
        config, state = read_model_dir(path, kind="forecaster")  # schema-checked
        # a model saved before combinations existed is the network alone
        params = {"combine": "none", **config["params"]}
        model = cls(**params, training=saved_train_config(config["training"], path))
        model.encoder_config_ = EncoderConfig(**config["encoder"])
        block = config.get("known_inputs")  # absent: no inputs known ahead (or an old file)
        model.known_ = KnownInputs.from_dict(block) if block else NO_KNOWN_INPUTS
        model.future_features_ = list(model.known_.future_features)
        model.network_ = load_weights(lambda: model._network(model.known_.width), state, path)
        model.train_config_ = model.training
        model.scaler_ = scaler_from_state(config["scaler"])
        model.target_, model.features_ = config["target"], config["features"]
        model.frequency_, model.season_ = config["frequency"], config["season"]
        model.data_info_ = config["data"]
        model.lookback_ = model.lookback  # saved as the number trained with
        model.window_norm_ = model.window_norm  # saved as the normalisation trained with
        model.combine_ = model.combine  # saved decided
        combination = config.get("combination")
        model.combination_ = ThetaCombination.from_dict(combination) if combination else None
        intervals = config.get("intervals")  # absent in files saved before intervals
        model.calibration_ = Calibration.from_dict(intervals) if intervals else None
        if (model.combination_ is None) != (model.combine == "none"):
            raise ModelFileError(f"{Path(path) / 'config.json'}: params.combine is "
                                 f"{model.combine!r} but the file "
                                 f"{'has no' if combination is None else 'has a'} "
                                 f"'combination' block; the file was edited or is broken. "
                                 f"Train the model again.")
        model.history_ = History(best_epoch=config["training"]["best_epoch"],
                                 device=config["training"]["device"])
        return model
