"""parlib.indices.sipas: satisfaction from a hand-computed survey fixture, bootstrap, published SIPAS."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from parlib.errors import ParlibError, ValidationError
from parlib.indices import sipas as module
from parlib.indices.sipas import from_answers, sipas
from parlib.sources import tables


def _load_bench(name: str):
    """A benchmark script of bench/ as a module (its data generators are shared with the tests)."""
    import importlib.util

    path = Path(__file__).resolve().parents[1] / "bench" / f"{name}.py"
    spec = importlib.util.spec_from_file_location(f"bench_{name}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


sipas_bench = _load_bench("sipas_bootstrap")

LANG_SON, QUANG_NINH, SON_LA = "20", "22", "14"

# Two provinces x 4 respondents x 2 elements x 2 criteria (year 2022). Satisfied = 4-5 or yes.
#
# Lạng Sơn      a1 (1-5)  a2 (1-5)  s1 (yes/no)  s2 (1-5)
#   R1             5 y      4 y        yes y       5 y
#   R2             4 y      4 y        yes y       -  (not answered)
#   R3             3 n      4 y        no  n       5 y
#   R4             2 n      1 n        yes y       3 n
# criterion %:    2/4=50   3/4=75     3/4=75      2/3=66.67 (3 answered)
# element %:      access = (50 + 75) / 2 = 62.5;  staff = (75 + 200/3) / 2 = 425/6 = 70.8333
# overall %:      (62.5 + 425/6) / 2 = 800/12 = 66.6667
#
# Quảng Ninh: every answer satisfied (5, 4, yes, 5) -> 100 at every level, CI [100, 100].
ANSWERS = [
    # respondent, element, criterion, Lạng Sơn answer, Quảng Ninh answer
    ("R1", "access", "a1", "5", "5"),
    ("R1", "access", "a2", "4", "4"),
    ("R1", "staff", "s1", "yes", "có"),
    ("R1", "staff", "s2", "5", "5"),
    ("R2", "access", "a1", "4", "4"),
    ("R2", "access", "a2", "4", "5"),
    ("R2", "staff", "s1", "yes", "yes"),
    ("R2", "staff", "s2", "", "4"),
    ("R3", "access", "a1", "3", "5"),
    ("R3", "access", "a2", "4", "4"),
    ("R3", "staff", "s1", "no", "yes"),
    ("R3", "staff", "s2", "5", "5"),
    ("R4", "access", "a1", "2", "4"),
    ("R4", "access", "a2", "1", "5"),
    ("R4", "staff", "s1", "yes", "yes"),
    ("R4", "staff", "s2", "3", "4"),
]
HAND = {
    ("criterion", "access", "a1"): (50.0, 4),
    ("criterion", "access", "a2"): (75.0, 4),
    ("criterion", "staff", "s1"): (75.0, 4),
    ("criterion", "staff", "s2"): (200 / 3, 3),
    ("element", "access", None): (62.5, 4),
    ("element", "staff", None): (425 / 6, 4),
    ("overall", None, None): (200 / 3, 4),
}


@pytest.fixture(scope="module")
def answers_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    rows = []
    for respondent, element, criterion, lang_son, quang_ninh in ANSWERS:
        rows.append(["Lạng Sơn", 2022, respondent, element, criterion, lang_son])
        rows.append(["Quảng Ninh", 2022, respondent, element, criterion, quang_ninh])
    path = tmp_path_factory.mktemp("sipas") / "answers.csv"
    pd.DataFrame(rows, columns=tables.ANSWER_REQUIRED).to_csv(path, index=False)
    return path


@pytest.fixture(scope="module")
def answers(answers_file: Path) -> pd.DataFrame:
    return tables.read_survey_answers(answers_file)


@pytest.fixture(scope="module")
def result(answers: pd.DataFrame) -> module.SipasResult:
    return from_answers(answers, n_boot=999, seed=12345)


def _estimates(res: module.SipasResult, pid: str) -> dict[tuple, pd.Series]:
    rows = res.estimates[res.estimates["province_id"] == pid]
    return {
        (r["level"], r["element"] if pd.notna(r["element"]) else None,
         r["criterion"] if pd.notna(r["criterion"]) else None): r
        for _, r in rows.iterrows()
    }  # fmt: skip


# --------------------------------------------------------------------------- from answers


def test_hand_computed_percentages(result) -> None:
    got = _estimates(result, LANG_SON)
    assert set(got) == set(HAND)
    for key, (value, n) in HAND.items():
        assert got[key]["value"] == pytest.approx(value, abs=1e-12), key
        assert got[key]["n_respondents"] == n, key
    assert list(result.estimates.columns) == module.ESTIMATE_COLUMNS
    assert result.estimates["level"].tolist()[:7] == ["overall", "element", "element", *["criterion"] * 4]


def test_table_ranks_and_components(result) -> None:
    t = result.table
    total = t[t["component"] == "total"].set_index("province_id")
    assert total.loc[QUANG_NINH, "value"] == 100 and total.loc[QUANG_NINH, "rank"] == 1
    assert total.loc[LANG_SON, "value"] == pytest.approx(200 / 3) and total.loc[LANG_SON, "rank"] == 2
    assert set(total["rank_of"]) == {2}  # ranked among the provinces in the answers
    assert set(t["component"]) == {"total", "access", "staff"}
    assert set(t["method_era"]) == {"2022-"} and set(t["unit"]) == {"percent"}
    assert result.year(2022)["province_id"].tolist()[0] == QUANG_NINH
    assert any("NOT confirmed by MOHA" in n for n in result.notes)


def test_bootstrap_is_seeded_and_contains_the_estimate(answers, result) -> None:
    again = from_answers(answers, n_boot=999, seed=12345)
    pd.testing.assert_frame_equal(result.estimates, again.estimates)
    other = from_answers(answers, n_boot=999, seed=7)
    bounds = ["conf_low", "conf_high"]
    assert not result.estimates[bounds].equals(other.estimates[bounds])
    assert result.estimates["value"].equals(other.estimates["value"])  # the estimates do not depend on it
    est = result.estimates
    assert (est["conf_low"] <= est["value"] + 1e-9).all() and (est["value"] <= est["conf_high"] + 1e-9).all()
    overall = _estimates(result, LANG_SON)[("overall", None, None)]
    assert overall["conf_low"] < overall["value"] < overall["conf_high"]
    assert 0 <= overall["conf_low"] and overall["conf_high"] <= 100


def test_all_satisfied_gives_a_degenerate_interval(result) -> None:
    qn = result.estimates[result.estimates["province_id"] == QUANG_NINH]
    assert (qn["value"] == 100).all() and (qn["conf_low"] == 100).all() and (qn["conf_high"] == 100).all()


def test_a_province_interval_does_not_depend_on_the_others(answers, result) -> None:
    alone = from_answers(answers[answers["province_id"] == LANG_SON], n_boot=999, seed=12345)
    mine = result.estimates[result.estimates["province_id"] == LANG_SON].reset_index(drop=True)
    pd.testing.assert_frame_equal(alone.estimates, mine)


def test_from_a_path_and_without_bootstrap(answers_file: Path) -> None:
    res = from_answers(answers_file, n_boot=0)
    assert res.estimates["conf_low"].isna().all()
    got = _estimates(res, LANG_SON)
    assert got[("overall", None, None)]["value"] == pytest.approx(200 / 3)


def test_from_answers_refuses_no_answers_naming_the_file(tmp_path: Path, answers: pd.DataFrame) -> None:
    blank = tmp_path / "blank_answers.csv"
    rows = [["Lạng Sơn", 2022, "R1", "access", "a1", ""], ["Lạng Sơn", 2022, "R2", "access", "a1", ""]]
    pd.DataFrame(rows, columns=tables.ANSWER_REQUIRED).to_csv(blank, index=False)
    with pytest.raises(ParlibError) as exc:
        from_answers(blank, n_boot=0)
    assert (
        str(exc.value) == "blank_answers.csv: no answers: every answer is blank (rows 2-3): nothing to read"
    )
    with pytest.raises(ValidationError) as exc:
        from_answers(answers.iloc[:0], n_boot=0)
    assert str(exc.value) == "answers (a DataFrame): no answers to compute SIPAS from (the frame has no rows)"
    with pytest.raises(ValidationError, match=r"^answers\.csv: missing column\(s\) \['satisfied'\]"):
        from_answers(answers.drop(columns="satisfied"), n_boot=0)
    total = answers.copy()
    total.loc[5, "element"] = "total"
    with pytest.raises(ValidationError) as exc:
        from_answers(total, n_boot=0)
    row = answers.loc[5, "source_row"]
    assert str(exc.value).startswith(f"answers.csv, row {row}: an element may not be called 'total'")


def test_change_across_the_2022_break(answers: pd.DataFrame) -> None:
    two_years = pd.concat([answers.assign(year=2021), answers], ignore_index=True)
    res = from_answers(two_years, n_boot=0)
    row = res.table[(res.table["component"] == "total") & (res.table["year"] == 2022)]
    assert row["comparable"].eq(False).all() and row["value_change"].eq(0).all()


def test_bootstrap_on_a_national_survey() -> None:
    """63 provinces x 20 criteria: every province estimated with a plausible interval (timing: bench/)."""
    n = 120
    answers = sipas_bench.survey(n)
    res = from_answers(answers, n_boot=199, seed=1)
    overall = res.estimates[res.estimates["level"] == "overall"]
    assert len(overall) == 63 and (overall["n_respondents"] == n).all()
    assert overall["value"].between(75, 85).all()
    width = overall["conf_high"] - overall["conf_low"]
    assert width.between(1, 7).all()


# --------------------------------------------------------------------------- published SIPAS


@pytest.fixture(scope="module")
def published(raw: Path):
    return sipas()


def test_published_quang_ninh_2022(published) -> None:
    row = published.year(2022).iloc[0]
    assert (row["province_id"], row["value"], row["rank"], row["rank_of"]) == (QUANG_NINH, 87.59, 1, 63)
    assert row["rank_source"] == "published"


@pytest.mark.parametrize(
    ("year", "average"), [(2018, 82.99), (2019, 84.45), (2022, 80.08), (2023, 82.66), (2024, 83.94)]
)
def test_published_national_averages(published, year: int, average: float) -> None:
    assert published.national_average(year) == average


def test_2021_to_2022_is_not_comparable(published) -> None:
    t = published.table
    son_la = t[(t["province_id"] == SON_LA) & (t["year"] == 2022) & (t["component"] == "total")].iloc[0]
    # published: 82.18, 17th, down 11 places from 6th (90.30) - across the 2022 redesign
    assert (son_la["rank_change"], round(son_la["value_change"], 2)) == (-11, -8.12)
    assert pd.notna(son_la["comparable"]) and not bool(son_la["comparable"])
    assert son_la["method_era"] == "2022-"
    national = published.national.set_index("year")
    assert bool(national.loc[2023, "comparable"]) and round(national.loc[2023, "value_change"], 2) == 2.58


def test_published_pilot_and_partial_years(published) -> None:
    pilot = published.year(2015)
    assert len(pilot) == 10 and set(pilot["rank_of"]) == {10}
    # Hải Phòng 2023: 88.09, 5th, +4.21 and up 5 places (published)
    t = published.table
    hp = t[(t["province_id"] == "31") & (t["year"] == 2023) & (t["component"] == "total")].iloc[0]
    assert (hp["rank"], hp["rank_change"], round(hp["value_change"], 2)) == (5, 5, 4.21)


def test_researcher_sipas_table_is_combined_by_province_and_year(raw: Path, tmp_path: Path) -> None:
    """Issue 10: a table for a year used to replace the whole published year (Hải Phòng's and Long An's
    rows were dropped); now its province-years replace only their own published rows."""
    path = tmp_path / "sipas_2023.csv"
    rows = [["Quảng Ninh", 2023, 90.00, 1], ["Bắc Kạn", 2023, 75.03, 63]]
    pd.DataFrame(rows, columns=["province", "year", "total", "rank"]).to_csv(path, index=False)
    res = sipas(tables=[path])
    year = res.year(2023).set_index("province_id")
    assert year.index.tolist() == [QUANG_NINH, "31", "80", "06"]  # Hải Phòng and Long An kept
    assert (year.loc["31", "value"], year.loc["31", "rank"]) == (88.09, 5)  # as published
    assert year.loc[QUANG_NINH, "value"] == 90.00 and year.loc[QUANG_NINH, "source"] == "sipas_2023.csv"
    assert year.loc["31", "source"] == "published/sipas/sipas_2023_partial.csv"
    assert set(year["rank_source"]) == {"published"}
    notes = "\n".join(res.notes)
    assert (
        "SIPAS 2023 province 22 total: 90 with the researcher table(s), 90.61 in the published record"
        in notes
    )  # the one conflict, listed
    assert "province 31" not in notes
    assert "give 2 province-years in [2023]" in notes and "2 published province-years" in notes
    assert res.national_average(2023) == 82.66  # partial: the published average


def test_scores_alias_for_the_card() -> None:
    assert module.scores is sipas
