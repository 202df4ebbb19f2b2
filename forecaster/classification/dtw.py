"""The 1-nearest-neighbour baseline under dynamic time warping (DTW), from tslearn.

1-NN DTW is the reference classifier of the UCR/UEA archive: a recurrent classifier that loses
to it is not worth its training time. The distance is tslearn's dependent DTW (one warping path
over all channels, squared Euclidean step costs), with a full warping window, as in the
archive's published "DTW (full window)" column. Sequences of different lengths are compared at
their own lengths: padding is given to tslearn as NaN, which it drops.

Cost: tslearn computes one pair at a time (about 15-20 microseconds per 28-step pair on one
core, mostly Python overhead), so 4,000 x 1,000 MNIST rows take about a minute. A Sakoe-Chiba
band does not make tslearn faster (it builds the band's mask for every pair), so none is used.
"""

from __future__ import annotations

import warnings

import numpy as np

LABEL = "1-NN DTW"
# dynamic-programming cells (sum of train lengths x sum of test lengths) above which the
# baseline is left out with a note: MNIST 5k's 3.1e9 cells take about a minute, so this is
# about two; a report must not wait hours on its baseline
MAX_CELLS = 6e9
SECONDS_PER_CELL = 2.2e-8  # measured on MNIST 5k, one core


def dtw_cells(train_lengths: np.ndarray, test_lengths: np.ndarray) -> float:
    """How many DTW cells 1-NN over every (train, test) pair fills."""
    return float(np.sum(train_lengths, dtype=np.float64) * np.sum(test_lengths,
                                                                  dtype=np.float64))


def left_out_note(cells: float) -> str:
    """Why the DTW baseline is missing from a report."""
    minutes = cells * SECONDS_PER_CELL / 60
    took = f"about {minutes:.0f} minutes" if minutes >= 1 else "under a minute"
    return (f"The {LABEL} baseline was left out: {cells:.2g} warping cells (training x test "
            f"steps) would take {took}; compare on a sample of the cases.")


def padded_with_nan(values: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """(n, time, channels) float64 with NaN past each case's length: tslearn's way of writing
    sequences of different lengths."""
    mask = np.arange(values.shape[1])[None, :, None] < lengths[:, None, None]
    return np.where(mask, values, np.nan).astype(np.float64)


def nearest_neighbour_dtw(train: np.ndarray, train_lengths: np.ndarray, train_labels: np.ndarray,
                          test: np.ndarray, test_lengths: np.ndarray) -> np.ndarray:
    """The label of each test case's nearest training case under DTW.

    `train` and `test` are (n, time, channels), already standardised the way the model sees
    them, zero-padded past `lengths`.
    """
    with warnings.catch_warnings():  # tslearn's import notes optional h5py on stderr
        warnings.simplefilter("ignore")
        from tslearn.neighbors import KNeighborsTimeSeriesClassifier

    width = max(train.shape[1], test.shape[1])
    knn = KNeighborsTimeSeriesClassifier(n_neighbors=1, metric="dtw")
    knn.fit(padded_with_nan(_widen(train, width), train_lengths), np.asarray(train_labels))
    return knn.predict(padded_with_nan(_widen(test, width), test_lengths))


def _widen(values: np.ndarray, width: int) -> np.ndarray:
    """Zero-pad the time axis to `width` steps (tslearn wants one array shape for both sets)."""
    if values.shape[1] == width:
        return values
    padded = np.zeros((len(values), width, values.shape[2]), dtype=values.dtype)
    padded[:, :values.shape[1]] = values
    return padded
