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
