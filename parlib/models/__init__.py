"""Driver -> outcome regressions across provinces and years, with inference that holds for 63 clusters.

``fit()`` (parlib.models.regression) is the one entry point; ``ols`` holds the fixed-effect
projection and the CR1 covariance, ``wild`` the wild cluster bootstrap, ``permutation``
randomisation inference, ``multiple`` Holm and Benjamini-Hochberg adjustment.

A package rather than DESIGN.md's single models.py, so that each inference method is one
module; ``parlib.models`` stays the import path.
"""

from parlib.models.regression import (
    FamilyResult,
    ModelResult,
    ModelSpecError,
    fit,
    fit_family,
    overlap,
    with_controls,
)

__all__ = ["FamilyResult", "ModelResult", "ModelSpecError", "fit", "fit_family", "overlap", "with_controls"]
