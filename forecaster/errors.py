"""The one small error hierarchy: the CLI maps these to exit code 2, anything else is a bug."""

from __future__ import annotations


class ForecasterError(Exception):
    """Base of every error a user can fix by changing input or configuration."""


class DataError(ForecasterError):
    """The data file or frame cannot be used as given (missing, malformed, too short...)."""


class ConfigError(ForecasterError):
    """An argument or option has a value the toolkit cannot work with."""


class ModelFileError(ForecasterError):
    """A saved model directory is missing, incomplete or from an incompatible version."""


class OutputError(ForecasterError):
    """An output cannot be written where asked (disk full, no permission, a file on the way,
    a name too long), or writing it there would destroy files that are not ours."""


def __getattr__(name: str) -> type:
    """`NotFittedError`, built on first use: it subclasses scikit-learn's NotFittedError, and
    importing scikit-learn here would slow every command (`--help` included) by about a second."""
    if name != "NotFittedError":
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    global NotFittedError
    from sklearn.exceptions import NotFittedError as SklearnNotFittedError

    class NotFittedError(ForecasterError, SklearnNotFittedError):
        """An estimator was used before `fit` (or `load`): a ForecasterError for the CLI (exit
        2) and scikit-learn's NotFittedError for code that catches that."""

    NotFittedError.__module__ = __name__
    return NotFittedError
