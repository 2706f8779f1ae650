"""Driver -> outcome regressions across provinces and years, with inference that holds for 63 clusters.

``fit()`` (regression) is the panel entry point; ``fit_year()`` and ``fit_change()``
(cross_section) the designs with one row per province (a single year, a long difference). Every
design returns a ``ModelResult`` (result). ``ols`` holds the fixed-effect projection and CR1,
``cr2`` the CR2 covariance with Bell-McCaffrey degrees of freedom, ``wild`` the wild cluster
bootstrap, ``permutation`` randomisation inference, ``multiple`` Holm and Benjamini-Hochberg,
``sample`` the estimation sample, ``overlap`` the driver-inside-outcome guard.

A package rather than DESIGN.md's single models.py, so that each inference method is one
module; ``parlib.models`` stays the import path.
"""

from parlib.models.cross_section import fit_change, fit_year
from parlib.models.overlap import overlap
from parlib.models.regression import fit, fit_family
from parlib.models.result import FamilyResult, ModelResult
from parlib.models.sample import ModelSpecError, with_controls

__all__ = [
    "FamilyResult",
    "ModelResult",
    "ModelSpecError",
    "fit",
    "fit_change",
    "fit_family",
    "fit_year",
    "overlap",
    "with_controls",
]
