"""The scikit-learn estimator contract, checked with scikit-learn's own checks where they apply
(the estimators take series and text sets, not X/y arrays, so the fitting checks do not)."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.base import BaseEstimator, clone
from sklearn.exceptions import NotFittedError as SklearnNotFittedError
from sklearn.utils.estimator_checks import (
    check_get_params_invariance,
    check_no_attributes_set_in_init,
    check_parameters_default_constructible,
    check_set_params,
)
from sklearn.utils.validation import check_is_fitted

from forecaster import Forecaster, ForecasterError, TrainConfig
from forecaster.classification.sequence_classifier import SequenceClassifier
from forecaster.classification.text_classifier import TextClassifier
from forecaster.classification.text_data import TextSet
from forecaster.errors import NotFittedError

ESTIMATORS = [Forecaster, TextClassifier, SequenceClassifier]


@pytest.mark.parametrize("estimator", ESTIMATORS, ids=lambda e: e.__name__)
@pytest.mark.parametrize("check", [check_get_params_invariance, check_set_params,
                                   check_no_attributes_set_in_init,
                                   check_parameters_default_constructible],
                         ids=lambda c: c.__name__)
def test_scikit_learn_estimator_checks(estimator, check):
    check(estimator.__name__, estimator())


@pytest.mark.parametrize("estimator", ESTIMATORS, ids=lambda e: e.__name__)
def test_clone_and_params_include_training(estimator):
    training = TrainConfig(epochs=2, progress="off", device="cpu")
    original = estimator(hidden_size=4, training=training)
    assert isinstance(original, BaseEstimator)
    params = original.get_params()
    assert params["training"] is training and params["hidden_size"] == 4
    copy = clone(original)
    assert copy is not original and copy.get_params()["training"] == training
    assert copy.get_params()["training"] is not training  # a fresh copy, as clone promises
    assert clone(estimator()).get_params() == estimator().get_params()
    assert copy.set_params(hidden_size=8, training=None) is copy
    assert copy.hidden_size == 8 and copy.training is None
    with pytest.raises(ValueError, match="Invalid parameter 'hiden_size'"):
        copy.set_params(hiden_size=8)


@pytest.mark.parametrize("estimator", ESTIMATORS, ids=lambda e: e.__name__)
def test_one_not_fitted_error_for_every_estimator(estimator):
    model = estimator()
    assert issubclass(NotFittedError, ForecasterError)
    assert issubclass(NotFittedError, SklearnNotFittedError)
    with pytest.raises(SklearnNotFittedError):  # scikit-learn's own check agrees
        check_is_fitted(model)
    with pytest.raises(NotFittedError, match=f"This {estimator.__name__} is not fitted yet: "
                                             f"call fit\\(\\) first, or "
                                             f"{estimator.__name__}.load\\(\\) a saved model."):
        model.save("never-written")


def test_classifiers_evaluate_checks_fitting_first():
    """`evaluate` used to reach the labels check before the fitted check."""
    texts = TextSet(["good", "bad"], np.array(["pos", "neg"]), "typed")
    with pytest.raises(NotFittedError, match="This TextClassifier is not fitted yet"):
        TextClassifier().evaluate(texts)
    with pytest.raises(NotFittedError, match="This SequenceClassifier is not fitted yet"):
        SequenceClassifier().evaluate(None)


def test_a_fitted_forecaster_is_fitted_for_scikit_learn(goog):
    model = Forecaster(cell="gru", hidden_size=4, num_layers=1, lookback=10,
                       training=TrainConfig(epochs=1, progress="off", device="cpu"))
    check_is_fitted(model.fit(goog.head(200)))
    assert clone(model).__sklearn_is_fitted__() is False  # clone keeps settings, not weights
