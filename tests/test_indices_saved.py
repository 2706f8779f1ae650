"""parlib.indices.saved: the results a new process reads from disk are exactly the ones computed,
a damaged file is recomputed, and a changed build or code gives another file."""

from __future__ import annotations

import pandas as pd

from parlib import panel, store
from parlib.indices import card, saved


def test_saved_results_equal_the_computed_ones_and_a_damaged_file_is_recomputed(
    tmp_path, monkeypatch
) -> None:
    obs = panel.load_observations(rebuild=False)
    computed = card.results(obs)
    monkeypatch.setenv("PARLIB_PROCESSED_DIR", str(tmp_path))  # an empty folder: nothing saved yet
    name = saved.key("a-build")
    assert saved.load(name) is None
    saved.save(name, computed)
    again = saved.load(name)
    assert again is not None and set(again) == set(computed)
    for index, result in computed.items():
        pd.testing.assert_frame_equal(again[index].table, result.table, check_exact=True)
        assert again[index].notes == result.notes
    (tmp_path / saved.FOLDER / f"{name}.pkl").write_bytes(b"not a pickle")
    assert saved.load(name) is None  # damaged: recomputed by the caller, never trusted
    assert saved.key("another-build") != name


def test_card_results_of_the_current_build_are_those_of_its_observations() -> None:
    card._results_of_build.cache_clear()
    from_disk = card.results()  # read from data/processed/index_results/ when saved before
    direct = card.results(pd.read_parquet(panel.current_file(panel.OBSERVATIONS_FILE)))
    assert store.current() is not None
    for index, result in direct.items():
        pd.testing.assert_frame_equal(from_disk[index].table, result.table, check_exact=True)
