"""Source readers: one module per raw source, each reading the ORIGINAL files as they are.

Contract every source module follows (``parlib.panel`` relies on it):

- ``FILES: list[str]``: the registry names (paths under data/raw, e.g.
  ``"ml-mcdm/data/csv/2011.csv"``) the module reads. Used for staleness checks.
- ``UNITS: dict[str, tuple[float, float]]``: every ``unit`` string the module emits, with
  the inclusive bounds of its scale. The panel schema rejects a value outside them.
- ``read(raw: Path | None = None) -> pandas.DataFrame``: tidy observations with exactly
  the columns of ``OBS_COLUMNS`` (one row per index, component, province, geo, year):

  ========== ======== ==========================================================
  index      str      PAPI, PCI, PAR_INDEX, SIPAS, DTI, GSO, BUDGET, or a driver name
  component  str      ``total``, a dimension, a sub-dimension, a sub-index (unique
                      within the index; the hierarchy lives in the module's codebook)
  province_id str     two-digit GSO code (``"20"``), from ``parlib.provinces.normalize``
  geo        str      ``"63"`` (Aug 2008 - Jun 2025, plus Hà Tây ``"28"``) or ``"34"``
  year       int      survey / reference year
  value      float    never 0 for "not scored": such rows are dropped (missing is missing)
  unit       str      a key of the module's UNITS
  source     str      registry name of the file the value was read from
  method_era str|None the method era (PAPI ``2011-2015`` ...), None when there is no break
  ========== ======== ==========================================================

  A renamed or missing column raises ``parlib.errors.SourceFormatError`` naming the file;
  an unknown province raises ``UnknownProvinceError`` (quote file and row).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import pandas as pd

OBS_COLUMNS = ["index", "component", "province_id", "geo", "year", "value", "unit", "source", "method_era"]

SOURCE_MODULES = ["papi", "pci", "gso", "published", "budget"]


def finish(
    obs: pd.DataFrame,
    *,
    index: str,
    geo: str,
    unit_of: Callable[[str], str],
    method_era: Callable[[int], str | None] | None,
    components: Sequence[str],
) -> pd.DataFrame:
    """Complete a reader's rows (component, province_id, year, value, source) to the contract.

    Adds index, geo, unit and method_era, fixes the dtypes and sorts by year, province and
    the codebook order of ``components``.
    """
    obs = obs.copy()
    obs["index"], obs["geo"] = index, geo
    obs["unit"] = obs["component"].map(unit_of)
    obs["method_era"] = obs["year"].map(method_era) if method_era else None
    obs["year"] = obs["year"].astype("int64")
    obs["value"] = obs["value"].astype("float64")
    order = {c: i for i, c in enumerate(components)}
    obs = obs.sort_values(
        ["year", "province_id", "component"], key=lambda s: s.map(order) if s.name == "component" else s
    )
    return obs[OBS_COLUMNS].reset_index(drop=True)
