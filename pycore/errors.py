"""Exceptions that pycore raises with messages meant for people."""


class PycoreError(ValueError):
    """Base class: something the user gave us (a file, a setting) is not usable."""


class MnistFileError(PycoreError):
    """An IDX file is missing, truncated or not what it claims to be."""


class ModelFileError(PycoreError):
    """A model file cannot be loaded; the model in memory was left unchanged."""


class ConfigError(PycoreError):
    """A network or training setting is out of range."""
