"""Read and validate series, split them in time order, scale them, cut sliding windows."""

from forecaster._lazy import lazy_exports

__getattr__, __all__ = lazy_exports(__name__, {
    "FILL_METHODS": "forecaster.data.choices",
    "SeriesData": "forecaster.data.csv_series",
    "as_series_data": "forecaster.data.csv_series",
    "load_series": "forecaster.data.csv_series",
    "select_series": "forecaster.data.csv_series",
    "future_dates": "forecaster.data.frequency",
    "infer_frequency": "forecaster.data.frequency",
    "iso_dates": "forecaster.data.date_text",
    "season_length": "forecaster.data.frequency",
    "fit_scaler": "forecaster.data.scaling",
    "scaler_from_state": "forecaster.data.scaling",
    "scaler_state": "forecaster.data.scaling",
    "Split": "forecaster.data.split",
    "chronological_split": "forecaster.data.split",
    "WINDOW_NORMS": "forecaster.data.choices",
    "WindowBatches": "forecaster.data.windows",
    "target_positions": "forecaster.data.windows",
})
