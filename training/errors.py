"""Errors raised by the training package."""


class TrainingError(Exception):
    """Base class for training errors."""


class TrainingInputError(TrainingError):
    """The training data or options are unusable. Maps to exit code 2."""
