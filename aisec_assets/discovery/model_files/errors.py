"""The one error the model-file readers raise."""

from __future__ import annotations


class ModelFileError(ValueError):
    """A model file that is not what its format says it is (message names the file)."""
