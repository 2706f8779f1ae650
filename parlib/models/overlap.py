"""Mechanical overlap: a driver that is part of the outcome (the PAPI total on PAPI e-governance).

Why: regressing an index on one of its own parts measures the aggregation formula, not a
relation; ``fit`` and the report parameter rules refuse such a pair with the reason.
"""

from __future__ import annotations

_PREFIXES = [("par_index_", "PAR_INDEX"), ("papi_", "PAPI"), ("pci_", "PCI"), ("sipas_", "SIPAS")]


def index_component(column: str) -> tuple[str, str] | None:
    """('PAPI', 'total') for 'papi_total'; None for a column that is not an index component."""
    for prefix, index in _PREFIXES:
        if column.startswith(prefix):
            return index, column[len(prefix) :]
    return None


def era_column(outcome: str) -> str | None:
    """The panel column holding the outcome's method era ('papi_method_era'), if it is an index."""
    parsed = index_component(outcome)
    return f"{parsed[0].lower()}_method_era" if parsed else None


def _papi_family(component: str) -> set[str]:
    """The PAPI components that contain ``component`` or that it contains (itself included)."""
    from parlib.sources.papi import CODEBOOK

    parent = CODEBOOK.set_index("component")["parent"].to_dict()
    if component not in parent:
        return {component}
    up, node = {component}, component
    while parent.get(node):
        node = parent[node]
        up.add(node)
    down, frontier = {component}, {component}
    while frontier:
        frontier = {c for c, p in parent.items() if p in frontier}
        down |= frontier
    return up | down


def overlap(outcome: str, driver: str) -> str | None:
    """Why ``driver`` is mechanically part of ``outcome`` (or None when it is not)."""
    out, drv = index_component(outcome), index_component(driver)
    if out is None or drv is None or out[0] != drv[0]:
        return None
    index, oc = out
    dc = drv[1]
    if oc == dc:
        return f"{driver} is the outcome itself"
    if index == "PAPI":
        if dc in _papi_family(oc):
            return f"{driver} and {outcome} are parts of one another in PAPI's structure"
        return None
    aggregates = {"total", "unweighted"}
    if oc in aggregates or dc in aggregates:
        return f"{driver} enters the {index} aggregate {outcome}"
    return None
