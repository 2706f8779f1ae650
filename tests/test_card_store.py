"""The cards the build stores for a fast `parlib card` (issue 12, part 3).

`parlib data build` writes every card's facts into the panel's generation (cards.json, keyed by the
build and the index code); `parlib card` reads them without importing pandas, and computes in full,
with the same output, whenever they are missing or stale. The expected texts are today's output of
the full computation; Lạng Sơn's PAPI 2022 figures (43.85, 13th of 61, down 9 places, -1.99,
national average 42.34) are those the Vietnamese report wording is checked against in
tests/test_report_languages.py.
"""

from __future__ import annotations

import json
import math
import shutil
import subprocess
import sys

import pandas as pd
import pytest
from faults.fault_helpers import ROOT, env, make_stale, snapshot

from parlib import config, panel, provinces, store
from parlib.cli import main
from parlib.indices import card, card_store, facts

LANG_SON_2022 = """\
Lạng Sơn (Lang Son), 2022
PAPI 2022: 43.85 points on the 8-80 scale, rank 13 of 61 (best tier), down 9 places (-1.99) compared to \
2021; the strongest increase was in Participation at Local Levels; the strongest decrease was in Control \
of Corruption in the Public Sector. National average 42.34.
PCI 2022: parlib has no published figure for this province and year (the published table lists 22 provinces)
SIPAS 2022: parlib has no published figure for this province and year (the published table lists 7 provinces)
PAR_INDEX 2022: parlib has no published figure for this province and year (the published table lists 8 \
provinces)
From 1 July 2025 Lạng Sơn continues as a province unit (Lạng Sơn).
"""

HA_TAY_2007 = """\
Hà Tây (Ha Tay), 2007
PAPI 2007: no data for 2007 (covers 2011-2024)
PCI 2007: 52.24 points on the 0-100 scale, rank 41 of 64, up 21 places (+11.51) compared to 2006; the \
strongest increase was in Time costs of regulatory compliance; the strongest decrease was in Transparency \
and access to information. National average 55.60.
SIPAS 2007: no data for 2007 (covers 2015, 2017-2024)
PAR_INDEX 2007: no data for 2007 (covers 2012-2013, 2015, 2017-2024)
From 1 July 2025 Hà Tây continues as a province unit (Hà Nội).
"""

HEAVY = ("pandas", "numpy", "pyarrow", "matplotlib", "statsmodels")


@pytest.fixture
def processed(tmp_path, built_processed, monkeypatch):
    """A private copy of the real build (with its stored cards) to change, as PARLIB_PROCESSED_DIR."""
    folder = tmp_path / "processed"
    shutil.copytree(built_processed, folder, symlinks=True)
    monkeypatch.setenv("PARLIB_PROCESSED_DIR", str(folder))
    return folder


@pytest.fixture(scope="module")
def _one_copy(built_processed, tmp_path_factory):
    folder = tmp_path_factory.mktemp("cards") / "processed"
    shutil.copytree(built_processed, folder, symlinks=True)
    return folder


@pytest.fixture
def shared(_one_copy, monkeypatch):
    """One copy of the build for the tests that only read it, as PARLIB_PROCESSED_DIR (the full
    computation's results are then computed once: they are kept per build and folder)."""
    monkeypatch.setenv("PARLIB_PROCESSED_DIR", str(_one_copy))
    return _one_copy


@pytest.fixture(scope="module")
def scored(built_processed):
    """Every index computed in full from the build's observations (what `card()` scores)."""
    return card.results(pd.read_parquet(built_processed / panel.OBSERVATIONS_FILE))


def _manifest_edit(folder, edit) -> None:
    """Change the current generation's build.json in place (the files it lists keep their bytes)."""
    path = store.current(folder).path / store.MANIFEST
    manifest = json.loads(path.read_text(encoding="utf-8"))
    edit(manifest)
    path.write_text(json.dumps(manifest), encoding="utf-8")


def _card_cli(capsys, *args: str) -> tuple[int, str, str]:
    code = main(["card", *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


# --------------------------------------------------------------------------- written by the build


def test_the_build_stores_every_card_in_its_generation(built_processed):
    gen = store.current(built_processed)
    assert card_store.FILE in gen.manifest["files"]  # listed, so verified with the panel's files
    assert gen.manifest["cards"]["inputs"] == card_store.inputs(gen.key)
    assert "error" not in gen.manifest["cards"] and card_store.stale_reason(gen) is None
    data = json.loads(gen.file(card_store.FILE).read_text(encoding="utf-8"))
    assert sorted(map(int, data["cards"])) == list(range(2005, 2025))
    per_year = {int(y): len(cards) for y, cards in data["cards"].items()}
    assert per_year[2008] == 64 and per_year[2009] == 63  # Hà Tây until 2008
    assert sum(per_year.values()) == 1264  # the panel's province-years
    assert [f["index"] for f in data["cards"]["2022"]["20"]] == ["PAPI", "PCI", "SIPAS", "PAR_INDEX"]
    assert data["aliases"]["Lạng Sơn"] == data["aliases"]["lang son"] == data["aliases"]["20"] == "20"


def test_the_stored_cards_are_the_full_computation_for_every_province(shared, scored):
    """Every card the store holds (every province, every year) formats to the text the full
    computation gives; three years card by card through `card()` itself (no PAPI and Hà Tây; the
    8-80 break; PAPI's 63 against the source's 61), by code and by Vietnamese name."""
    data = json.loads(store.current(shared).file(card_store.FILE).read_text(encoding="utf-8"))
    every = list(card.every_card(scored))
    assert len(every) == 1264
    for c in every:
        assert card_store.text(data, c.province_id, c.year) == str(c), (c.province_id, c.year)
    for year in (2007, 2018, 2024):
        for pid, row in provinces.provinces("63", year).iterrows():
            full = str(card.card(pid, year, scored=scored))
            assert card_store.text(data, pid, year) == full, (pid, year)
            assert card_store.text(data, row["name_vi"], year) == full, (pid, year)
    for spelling in ("Lạng Sơn", "lang son", "LANG SON", "lang-son", "Lang Son", "20"):
        assert card_store.read_card(spelling, 2022) == (LANG_SON_2022.rstrip("\n"), None), spelling
    some = list(card.every_card(scored, years=[2018, 2007]))  # the report cache asks for one year
    assert [str(c) for c in some] == [str(c) for c in every if c.year in (2007, 2018)]
    assert [c.to_dict() for c in some] == [c.to_dict() for c in every if c.year in (2007, 2018)]


def test_the_cli_prints_the_stored_card_and_writes_nothing(shared, capsys):
    before = snapshot(shared)
    assert _card_cli(capsys, "Lạng Sơn", "2022") == (0, LANG_SON_2022, "")
    assert _card_cli(capsys, "28", "2007") == (0, HA_TAY_2007, "")
    assert snapshot(shared) == before


def test_parlib_card_does_not_import_pandas(shared):
    """The command in a fresh interpreter: the stored card, read without a heavy module (nor the
    module that computes cards) in sys.modules."""
    code = (
        "import sys\n"
        "from parlib.cli import main\n"
        "status = main(['card', 'Lạng Sơn', '2022'])\n"
        "shown = [m for m in sys.modules if m.split('.')[0] in HEAVY or m.startswith('parlib.indices.')]\n"
        "print(sorted(shown))\n"
        "sys.exit(status)\n"
    ).replace("HEAVY", repr(set(HEAVY)))
    proc = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=env(PARLIB_PROCESSED_DIR=shared),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert (proc.returncode, proc.stderr) == (0, "")
    text, _, modules = proc.stdout.rpartition("\n[")
    assert text + "\n" == LANG_SON_2022
    assert "[" + modules.strip() == "['parlib.indices.card_store', 'parlib.indices.facts']"


def test_importing_parlib_and_its_cli_stays_light():
    code = (
        "import sys, parlib.cli, parlib.indices\n"
        "assert not any(m.split('.')[0] in {h!r} for m in sys.modules), sorted(sys.modules)\n"
        "from parlib.indices import papi, CoverageError\n"
        "assert parlib.provinces.normalize('TP HCM') == '79' and parlib.indices.card.card\n"
    ).replace("{h!r}", repr(set(HEAVY)))
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env(), capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr[-3000:]


# --------------------------------------------------------------------------- the full computation's answers


@pytest.mark.parametrize(
    ("args", "error"),
    [
        (("Gotham", "2022"), "unknown province 'Gotham' in geo 63"),
        (
            ("Lạng Sơn", "1990"),
            "no index covers 1990: PAPI 2011-2024; PCI 2005-2024; SIPAS 2015, 2017-2024; "
            "PAR_INDEX 2012-2013, 2015, 2017-2024",
        ),
        (
            ("28", "2024"),
            "province Hà Tây (28) did not exist in 2024: it existed from 1991-10-01 to 2008-07-31 "
            "(years 1991-2008)",
        ),
    ],
)
def test_errors_are_one_line_as_before(shared, capsys, args, error):
    assert card_store.read_card(*args[:1], int(args[1])) == (None, None)  # not in the store, no hint
    assert _card_cli(capsys, *args) == (1, "", f"parlib: error: {error}\n")


def test_a_spelling_the_store_lacks_is_computed_in_full(shared, capsys):
    assert card_store.read_card("  lạng   sơn ", 2022) == (None, None)
    assert _card_cli(capsys, "  lạng   sơn ", "2022") == (0, LANG_SON_2022, "")


def test_stale_cards_are_computed_in_full_until_the_next_build(processed, capsys, monkeypatch):
    """Cards made by other index code: the right card (in full), one line saying how to make it fast,
    nothing written; the loaders do not rebuild; `parlib data build` stores them again from the same
    panel files without reading a raw file."""
    gen = store.current(processed)

    def other_code(manifest):
        manifest["cards"]["inputs"]["code"]["indices/card.py"] = "0" * 64

    _manifest_edit(processed, other_code)
    assert card_store.read_card("Lạng Sơn", 2022)[0] is None
    before = snapshot(processed)
    code, out, err = _card_cli(capsys, "Lạng Sơn", "2022")
    assert (code, out) == (0, LANG_SON_2022)
    assert err == (
        "parlib card: the stored cards are stale (code/indices/card.py changed); computed in full: "
        "run `parlib data build` to make `parlib card` fast\n"
    )
    assert snapshot(processed) == before  # a card reads, it writes nothing
    assert not panel.is_stale() and panel.panel_stale_reason() is None
    assert panel.stale_reason() == "the stored cards are stale (code/indices/card.py changed)"

    def no_reading(*args, **kwargs):
        raise AssertionError("the raw files were read again")

    monkeypatch.setattr(panel, "read_observations", no_reading)
    assert main(["data", "build"]) == 0
    capsys.readouterr()
    fresh = store.current(processed)
    assert fresh.path != gen.path and fresh.key == gen.key
    same = {name: gen.manifest["files"][name] for name in (panel.OBSERVATIONS_FILE, panel.PANEL_FILE)}
    assert {name: fresh.manifest["files"][name] for name in same} == same
    assert panel.stale_reason() is None
    assert _card_cli(capsys, "Lạng Sơn", "2022") == (0, LANG_SON_2022, "")


def test_a_build_without_stored_cards_is_computed_in_full(processed, capsys):
    """A generation built before the cards were stored (no cards.json, no record)."""

    def older(manifest):
        del manifest["cards"], manifest["files"][card_store.FILE]

    _manifest_edit(processed, older)
    (store.current(processed).file(card_store.FILE)).unlink()
    code, out, err = _card_cli(capsys, "28", "2007")
    assert (code, out) == (0, HA_TAY_2007)
    assert "made by older parlib code" in err and "parlib data build" in err and err.count("\n") == 1


def test_a_stale_panel_is_never_read_from_the_store(processed):
    """The panel's inputs changed (here: its recorded code): the full computation rebuilds first."""
    make_stale(processed)
    assert card_store.read_card("Lạng Sơn", 2022) == (None, None)


def test_an_error_of_the_card_computation_is_recorded_by_the_build(processed, monkeypatch):
    """A parlib error while computing the cards (a contradictory published record) does not stop the
    build: it is recorded, and `parlib card` leaves it to the full computation to report."""
    from parlib.errors import ValidationError

    def contradiction(*args, **kwargs):
        raise ValidationError("point_figures.csv, row 80: PAPI 2023: NATIONAL rows state N = [61, 63]")

    def other_code(manifest):
        manifest["cards"]["inputs"]["code"]["indices/papi.py"] = "0" * 64

    _manifest_edit(processed, other_code)
    monkeypatch.setattr(card_store, "compute", contradiction)
    panel.build()  # the cards alone are stale: computed again (here: refused) from the same panel
    gen = store.current(processed)
    assert gen.manifest["cards"]["error"].endswith("NATIONAL rows state N = [61, 63]")
    assert card_store.FILE not in gen.manifest["files"] and card_store.stale_reason(gen) is None
    assert panel.stale_reason() is None
    assert card_store.read_card("Lạng Sơn", 2022) == (None, None)


# --------------------------------------------------------------------------- the pieces


def test_facts_survive_json_exactly():
    f = facts.IndexFacts(
        "PAPI", 2024, True, value=43.77000000000001, unit="points (8-80)", rank=29.0, rank_of=61.0,
        tier="high-average", value_change=-0.19, rank_change=-14.0, comparable=True,
        national_average=43.43, rose=[facts.Mover("e_governance", "E-governance", 0.5)],
        published_rank_of=63.0, missing_from_source=["Vĩnh Phúc", "Tiền Giang"],
        published_rank_of_by_year={2023: 61, 2024: 63}, reason_fields={"k": 2},
    )  # fmt: skip
    back = facts.from_json(json.loads(json.dumps(facts.to_json(f))))
    assert back.sentence() == f.sentence()
    assert math.isnan(back.national_median) and back.published_rank_of_by_year == {2023: 61, 2024: 63}
    assert back.value == 43.77000000000001 and back.rose == f.rose and back.comparable is True
    assert facts.places_phrase(float("nan")) == "" and facts.places_phrase(-1.0) == "down 1 place"


def test_the_card_code_list_covers_what_the_cards_run(built_processed):
    """Every parlib module that computing the cards loads is hashed into their key or the build's."""
    code = (
        "import sys, pandas as pd\n"
        "from parlib.indices import card_store\n"
        f"card_store.compute(pd.read_parquet({str(built_processed / panel.OBSERVATIONS_FILE)!r}))\n"
        "print('\\n'.join(m.__file__ for n, m in sys.modules.items() if n.startswith('parlib')))\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env(), capture_output=True, text=True, timeout=600
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    loaded = {line for line in proc.stdout.splitlines() if line}
    hashed = {str(p) for name in [*card_store.CODE, *panel.CODE] for p in config.PACKAGE_DIR.glob(name)}
    assert len(loaded) > 20 and loaded <= hashed, sorted(loaded - hashed)
