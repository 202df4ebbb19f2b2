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
