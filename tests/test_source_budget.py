"""parlib.sources.budget against the real MoF final-account and plan sheets (mdtrinh/vietnamdata)."""

from __future__ import annotations

import csv
import io
import shutil
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

from parlib.config import raw_dir
from parlib.errors import SourceFormatError
from parlib.provinces import normalize
from parlib.sources import OBS_COLUMNS, budget

BUDGET_DIR = "vietnamdata/data-raw/Budget"
R_OUTPUT = raw_dir() / BUDGET_DIR / "Vietnam_National_Budget_Final.csv"
KEY = ["index", "component", "province_id", "geo", "year"]


@pytest.fixture(scope="module")
def obs() -> pd.DataFrame:
    return budget.read()


@pytest.fixture(scope="module")
def wide(obs: pd.DataFrame) -> pd.DataFrame:
    return obs.pivot_table(index=["province_id", "year"], columns="component", values="value")


def test_contract_columns_units(obs: pd.DataFrame) -> None:
    assert list(obs.columns) == [*OBS_COLUMNS, "source_row", "source_sheet"]  # + provenance
    assert set(obs["index"]) == {"BUDGET"} and set(obs["geo"]) == {"63"}
    assert obs["method_era"].isna().all()
    assert set(obs["component"]) <= set(budget.COMPONENTS)
    assert obs["province_id"].str.fullmatch(r"\d{2}").all()
    assert set(obs["source"]) <= set(budget.FILES)
    for unit, (low, high) in budget.UNITS.items():
        values = obs.loc[obs["unit"] == unit, "value"]
        assert len(values) and values.between(low, high).all(), unit
    assert set(obs.loc[obs["component"].str.endswith("retention_rate"), "unit"]) == {"percent"}
    assert set(obs.loc[~obs["component"].str.endswith("retention_rate"), "unit"]) == {"million VND"}


def test_no_duplicate_keys(obs: pd.DataFrame) -> None:
    assert not obs.duplicated(KEY).any()


def test_provinces_per_year(obs: pd.DataFrame) -> None:
    kind = obs["component"].str.split("_").str[0]
    counts = obs.groupby([kind, "year"])["province_id"].nunique()
    final = {y: 64 if y <= 2007 else 63 for y in range(2006, 2015)}
    plan = {y: 64 if y <= 2008 else 63 for y in range(2006, 2018)}
    assert counts["final"].to_dict() == final
    assert counts["plan"].to_dict() == plan
    ha_tay = obs[obs["province_id"] == "28"]
    assert set(ha_tay.loc[ha_tay["component"].str.startswith("final"), "year"]) == {2006, 2007}
    assert set(ha_tay.loc[ha_tay["component"].str.startswith("plan"), "year"]) == {2006, 2007, 2008}


def test_components_per_year(obs: pd.DataFrame) -> None:
    years = obs.groupby("component")["year"].agg(lambda s: (s.min(), s.max(), s.nunique())).to_dict()
    assert years == {
        "final_revenue": (2006, 2014, 9),
        "final_retention_rate": (2006, 2014, 9),
        "final_expenditure": (2006, 2014, 9),
        "final_transfers_total": (2006, 2014, 9),
        "final_transfers_targeted": (2006, 2014, 9),
        "plan_revenue": (2006, 2017, 12),
        "plan_retention_rate": (2006, 2017, 12),
        "plan_expenditure": (2006, 2017, 12),
        "plan_transfers_total": (2006, 2012, 7),
        "plan_transfers_balancing": (2013, 2017, 5),
        "plan_transfers_targeted": (2006, 2017, 12),
        "plan_transfers_investment": (2006, 2016, 11),
    }
    # every province of a year has revenue, rate, expenditure and targeted transfers
    for component in ("revenue", "retention_rate", "expenditure", "transfers_targeted"):
        for kind in ("final", "plan"):
            rows = obs[obs["component"] == f"{kind}_{component}"]
            per_year = rows.groupby("year")["province_id"].nunique()
            assert (per_year >= 63).all(), (kind, component)


def test_spot_values_checked_in_the_sheets(wide: pd.DataFrame) -> None:
    """Read by eye in the raw sheets (row numbers as Excel shows them)."""
    # Final_2006.xls, Sheet1, row 15: QUẢNG NINH
    qn = wide.loc[(normalize("Quảng Ninh"), 2006)]
    assert qn["final_revenue"] == 6652951
    assert qn["final_retention_rate"] == 98
    assert qn["final_expenditure"] == 3794336
    assert qn["final_transfers_total"] == qn["final_transfers_targeted"] == 304857
    # Final_2013.xls, M09+, row 82: CÀ MAU; targeted = foreign capital + important tasks (I + J)
    cm = wide.loc[(normalize("Cà Mau"), 2013)]
    assert cm["final_revenue"] == pytest.approx(5653212.930343)
    assert cm["final_transfers_total"] == pytest.approx(1717932.805819)
    assert cm["final_transfers_targeted"] == pytest.approx(226424.290529 + 963841.629863)
    # Plan_2017.xls, M09, row 15: HÀ GIANG (guide "2, 3, 5, 8, 6, 7, 7")
    hg = wide.loc[(normalize("Hà Giang"), 2017)]
    assert hg["plan_revenue"] == 1870500
    assert hg["plan_retention_rate"] == 100
    assert hg["plan_expenditure"] == 8187072
    assert hg["plan_transfers_balancing"] == 6925012
    assert hg["plan_transfers_targeted"] == 1219721
    assert pd.isna(hg["plan_transfers_investment"])


def test_parts_never_exceed_totals(wide: pd.DataFrame) -> None:
    both = wide[["final_transfers_targeted", "final_transfers_total"]].dropna()
    assert len(both) and (both["final_transfers_targeted"] <= both["final_transfers_total"] + 1e-6).all()
    both = wide[["plan_transfers_targeted", "plan_transfers_total"]].dropna()
    assert len(both) and (both["plan_transfers_targeted"] <= both["plan_transfers_total"] + 1e-6).all()
    both = wide[["plan_transfers_investment", "plan_transfers_targeted"]].dropna()
    assert len(both) and (both["plan_transfers_investment"] <= both["plan_transfers_targeted"] + 1e-6).all()


def test_blank_is_no_row_and_printed_zero_is_kept(wide: pd.DataFrame) -> None:
    hanoi = normalize("Hà Nội")
    assert wide.loc[(hanoi, 2013), "plan_transfers_balancing"] == 0  # printed 0
    assert pd.isna(wide.loc[(hanoi, 2014), "plan_transfers_balancing"])  # blank cell


@pytest.mark.skipif(not R_OUTPUT.is_file(), reason="upstream R output not pulled")
def test_plan_equals_upstream_r_output(wide: pd.DataFrame) -> None:
    """The upstream R output (the plan series 2006-2015, despite its name) matches on every row."""
    text = R_OUTPUT.read_bytes().decode("utf-8").replace("\r\n", "\n").replace("\r", "\n")
    ref = pd.read_csv(io.StringIO(text))
    ref["province_id"] = ref["prov"].map(normalize)
    ref = ref.set_index(["province_id", "year"])
    assert len(ref) == 633
    ours = wide.reindex(ref.index)
    pairs = {
        "total.rev": "plan_revenue",
        "ratio": "plan_retention_rate",
        "total.exp": "plan_expenditure",
        "target.trans": "plan_transfers_targeted",
        "project.trans": "plan_transfers_investment",
    }
    for theirs, mine in pairs.items():
        pd.testing.assert_series_equal(
            ours[mine], ref[theirs], check_names=False, check_dtype=False, rtol=1e-9
        )
    # R's 'balance.trans' is the guide's fifth column: total transfers to 2012, balancing from 2013
    fifth = ours["plan_transfers_total"].fillna(ours["plan_transfers_balancing"])
    blank = fifth.isna()
    assert (ref.loc[blank, "balance.trans"] == 0).all() and blank.sum() == 26
    theirs = ref.loc[~blank, "balance.trans"]
    pd.testing.assert_series_equal(fifth[~blank], theirs, check_names=False, check_dtype=False)


# --- broken layouts --------------------------------------------------------------------------------------


def _raw_with(
    tmp_path: Path,
    kind: str,
    year: int,
    edit: Callable[[dict[str, str]], None] | None = None,
    workbook_from: int | None = None,
    drop_column: str | None = None,
) -> Path:
    """A raw dir whose guides list only one (edited) row, with that year's workbook."""
    src = raw_dir() / BUDGET_DIR
    dst = tmp_path / "raw" / BUDGET_DIR
    dst.mkdir(parents=True)
    for guide_kind in ("Final", "Plan"):
        with open(src / f"{guide_kind}_Import.csv", newline="", encoding="utf-8-sig") as fh:
            rows = list(csv.DictReader(fh))
        fields = [f for f in rows[0] if not (f == drop_column and guide_kind.lower() == kind)]
        keep = [r for r in rows if guide_kind.lower() == kind and r["year"] == str(year)]
        for row in keep:
            if edit:
                edit(row)
        with open(dst / f"{guide_kind}_Import.csv", "w", newline="", encoding="utf-8") as fh:
            writer = csv.DictWriter(fh, fieldnames=fields, extrasaction="ignore")
            writer.writeheader()
            writer.writerows(keep)
    name = f"{kind.capitalize()}_{{}}.xls"
    shutil.copy(src / name.format(workbook_from or year), dst / name.format(year))
    return tmp_path / "raw"


def test_one_row_guide_reads(tmp_path: Path, obs: pd.DataFrame) -> None:
    got = budget.read(_raw_with(tmp_path, "plan", 2013))
    expected = obs[(obs["year"] == 2013) & obs["component"].str.startswith("plan")]
    pd.testing.assert_frame_equal(got, expected.reset_index(drop=True))


def test_keep_columns_starting_at_the_number_column(tmp_path: Path) -> None:
    def shift(row: dict[str, str]) -> None:
        row["keepRow"] = "1:6, 8"

    with pytest.raises(SourceFormatError, match=r"Final_2006\.xls.*column 1 header .*Tỉnh"):
        budget.read(_raw_with(tmp_path, "final", 2006, shift))


def test_keep_columns_losing_the_targeted_transfers(tmp_path: Path) -> None:
    def drop(row: dict[str, str]) -> None:
        row["keepRow"] = "2:6"

    with pytest.raises(SourceFormatError, match=r"Plan_2010\.xls.*transfers_targeted"):
        budget.read(_raw_with(tmp_path, "plan", 2010, drop))


def test_same_item_twice(tmp_path: Path) -> None:
    def twice(row: dict[str, str]) -> None:
        row["keepRow"] = "2:6, 8:9, 10"  # 2012 columns 9 and 10: investment and policy transfers

    with pytest.raises(SourceFormatError, match=r"Plan_2012\.xls.*column 10 header"):
        budget.read(_raw_with(tmp_path, "plan", 2012, twice))


def test_start_row_below_the_first_provinces(tmp_path: Path) -> None:
    def late(row: dict[str, str]) -> None:
        row["startRow"] = "20"

    with pytest.raises(SourceFormatError, match=r"Final_2009\.xls, row 21: .*running number 8, expected 1"):
        budget.read(_raw_with(tmp_path, "final", 2009, late))


def test_wrong_sheet(tmp_path: Path) -> None:
    def sheet(row: dict[str, str]) -> None:
        row["sheetIndex"] = "8"

    with pytest.raises(SourceFormatError, match=r"Final_2010\.xls: sheet 'M08\+'"):
        budget.read(_raw_with(tmp_path, "final", 2010, sheet))


def test_workbook_of_another_year(tmp_path: Path) -> None:
    with pytest.raises(SourceFormatError, match=r"Final_2010\.xls.*năm 2010"):
        budget.read(_raw_with(tmp_path, "final", 2010, workbook_from=2009))


def test_guide_missing_a_column(tmp_path: Path) -> None:
    with pytest.raises(SourceFormatError, match=r"Plan_Import\.csv.*'keepRow'"):
        budget.read(_raw_with(tmp_path, "plan", 2015, drop_column="keepRow"))


# ------------------------------------------------------------------ source rows (issue 8)


def test_source_row_is_the_excel_row_of_the_province(obs: pd.DataFrame) -> None:
    import xlrd

    at = obs.set_index(["component", "province_id", "year"])[["source_row", "source_sheet"]]
    assert at.loc[("final_revenue", "20", 2010)].tolist() == [17, "M09+"]
    assert at.loc[("plan_transfers_investment", "20", 2010)].tolist() == [18, "Sheet1"]
    assert obs["source_row"].notna().all() and obs["source_row"].dtype == "Int64"
    book = xlrd.open_workbook(str(raw_dir() / BUDGET_DIR / "Final_2010.xls"), logfile=io.StringIO())
    cells = book.sheet_by_name("M09+").row_values(17 - 1)
    assert any(isinstance(c, str) and c.strip() and normalize(c.strip()) == "20" for c in cells)
    revenue = obs[
        (obs["component"] == "final_revenue") & (obs["province_id"] == "20") & (obs["year"] == 2010)
    ]
    assert revenue["value"].iloc[0] in cells
