"""The drivers template's researcher tables and designs (parlib.sections.drivers / designs, the
DRIVERS_RULES of parlib.reports.rules): numbers checked against statsmodels OLS on samples built
here from the tables and the published record, refusals in prose, rules before any kernel, and
one papermill run of the template (design long_difference with tables)."""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from scipy import stats
from table_helpers import write

from parlib import cli, config, provinces, reports
from parlib.errors import MissingRawFileError, SourceFormatError
from parlib.models import ModelSpecError
from parlib.sections import designs, drivers
from parlib.sections.display import Chart, Prose

TEMPLATE = config.project_root() / "notebooks" / "templates" / "drivers_regression.ipynb"
STUB_PARAMS = Path(__file__).parent / "fixtures" / "report_stub_params.ipynb"
SRC = "https://example.org/test-report"
CUT = "driver_staff_cut_pct_admin_agencies"
ONLINE = "driver_online_services_pct"
N_PERM = 199

SIPAS_TABLE = {  # province: (2022, 2023), invented test values; none of them is published for these years
    "Hà Nội": (84.10, 86.35), "Lào Cai": (80.42, 83.10), "Nghệ An": (79.88, 80.02), "Đà Nẵng": (88.60, 91.25),
    "Khánh Hòa": (82.15, 82.90), "Cần Thơ": (81.30, 84.75), "Bình Định": (83.05, 83.40),
    "Lâm Đồng": (78.95, 81.60),
}  # fmt: skip
SON_LA_2023 = 84.00  # the table's; Sơn La 2022 (82.18) is published
PUBLISHED = {"Quảng Ninh": (87.59, 90.61), "Hải Phòng": (83.88, 88.09)}  # published SIPAS 2022, 2023
PUBLISHED_2023_ONLY = {"Bắc Kạn": 75.03, "Long An": 78.66}
STAFF_CUT = {  # staff cut 2022-2023 in percent, invented; Hà Giang and Cao Bằng have no SIPAS
    "Hà Nội": 2.5, "Lào Cai": 4.1, "Nghệ An": 1.2, "Đà Nẵng": 5.0, "Khánh Hòa": 1.8, "Cần Thơ": 3.9,
    "Bình Định": 2.2, "Lâm Đồng": 3.0, "Quảng Ninh": 4.4, "Hải Phòng": 3.6, "Sơn La": 1.5, "Hà Giang": 2.0,
    "Cao Bằng": 2.8,
}  # fmt: skip


def online(pid: str, year: int) -> float:
    """The invented yearly driver: a province level, a trend and a within-province wiggle."""
    return round(20 + (int(pid) % 17) * 2 + 3 * (year - 2016) + (int(pid) * 7 + year) % 5, 1)


@pytest.fixture(scope="module")
def tables(tmp_path_factory) -> dict[str, Path]:
    """The researcher tables, in the formats of parlib/data/templates/."""
    root = tmp_path_factory.mktemp("tables")
    sipas = [
        [p, y, v, "", "test data"]
        for p, vs in SIPAS_TABLE.items()
        for y, v in zip((2022, 2023), vs, strict=True)
    ]
    sipas.append(["Sơn La", 2023, SON_LA_2023, "", "test data"])
    header = ["province", "start_year", "end_year", "indicator", "value", "unit", "source", "note"]
    cut = [
        [p, 2022, 2023, CUT.removeprefix("driver_"), v, "percent", SRC, "test"] for p, v in STAFF_CUT.items()
    ]
    yearly = [[pid, y, ONLINE.removeprefix("driver_"), online(pid, y), "percent", SRC, "test"]
              for pid in provinces.provinces("63", 2020).index for y in range(2016, 2024)]  # fmt: skip
    return {
        "sipas": write(root / "sipas.csv", ["province", "year", "total", "rank", "note"], sipas),
        "sipas_small": write(
            root / "sipas_small.csv",
            ["province", "year", "total", "note"],
            [
                [p, y, v, "test"]
                for p in ("Hà Nội", "Lào Cai")
                for y, v in zip((2022, 2023), SIPAS_TABLE[p], strict=True)
            ],
        ),
        "staff": write(root / "staff.csv", header, cut),
        "online": write(root / "online.xlsx", ["province", "year", *header[3:]], yearly),
    }


def ols(frame: pd.DataFrame, y: str, x: list[str]) -> tuple:
    """statsmodels OLS with an intercept: (HC1 fit, HC3 fit, classical fit)."""
    model = sm.OLS(frame[y].to_numpy(float), sm.add_constant(frame[x].to_numpy(float)))
    return tuple(model.fit(cov_type=c, use_t=True) for c in ("HC1", "HC3", "nonrobust"))


def check_against(result, hc1, hc3, plain) -> None:
    """Estimates, HC1/HC3 standard errors and p-values, and the MDE of the first driver."""
    rows = result.table.set_index("method")
    for method, ref in (("hc1", hc1), ("hc3", hc3)):
        assert rows.loc[method, "estimate"] == pytest.approx(ref.params[1], rel=1e-9)
        assert rows.loc[method, "std_error"] == pytest.approx(ref.bse[1], rel=1e-9)
        assert rows.loc[method, "p_value"] == pytest.approx(ref.pvalues[1], rel=1e-7)
    df = plain.df_resid
    mde = (stats.t.ppf(0.975, df) + stats.t.ppf(0.80, df)) * plain.bse[1]
    assert rows.loc["hc3", "mde"] == pytest.approx(mde, rel=1e-9)
    facts = drivers.model_facts(result)
    assert facts["mde"] == pytest.approx(mde, rel=1e-9) and facts["n_obs"] == result.n
    assert f"**MDE** of `{result.drivers[0]}`: {mde:.4g}" in str(drivers.power(result))
    assert f"**n** = {result.n} provinces, one row each" in str(drivers.power(result))


@pytest.fixture(scope="module")
def long_difference(tables):
    paths = [str(tables["staff"]), str(tables["sipas"])]
    return drivers.fit_drivers("sipas_total", f'["{CUT}"]', years="[2022, 2023]", design="long_difference",
                               tables=paths, n_perm=N_PERM)  # fmt: skip


def test_long_difference_matches_statsmodels_on_tables_and_published_values(long_difference):
    res = long_difference
    rows = [(p, v[1] - v[0], STAFF_CUT[p]) for p, v in {**SIPAS_TABLE, **PUBLISHED}.items()]
    rows.append(("Sơn La", SON_LA_2023 - 82.18, STAFF_CUT["Sơn La"]))
    expected = pd.DataFrame(rows, columns=["province", "change", "cut"])
    expected["province_id"] = [provinces.normalize(p) for p in expected["province"]]
    assert sorted(res.data["province_id"]) == sorted(expected["province_id"]) and res.n == 11
    got = res.data.set_index("province_id")["sipas_total"]
    assert np.allclose(got[expected["province_id"]].to_numpy(), expected["change"].to_numpy(), atol=1e-9)
    check_against(res, *ols(expected, "change", ["cut"]))
    # Hà Giang and Cao Bằng have a staff cut but no SIPAS: dropped with the 50 other provinces
    assert "| outcome sipas_total missing in 2022 | 52 | - |" in str(drivers.dropped(res))
    notes = "\n".join(res.notes)
    assert "`sipas_total` in the sample: 17 of 22 values from the tables (2022: 8, 2023: 9;" in notes
    assert f"`{CUT}`: the period figure 2022-2023 from researcher tables for all 11 provinces" in notes
    assert "staff.csv (period driver table), sipas.csv (SIPAS table)" in str(drivers.specification(res))
    assert isinstance(drivers.within_chart(res), Chart) and isinstance(drivers.coef_chart(res), Chart)
    assert "**Interpretation**: an association across provinces between the change 2022-2023" in str(
        drivers.caveats(res)
    )


def test_long_difference_from_a_driver_tables_period_rows(tables, long_difference, tmp_path):
    """The same staff cuts as period rows of a driver table (qualifier 'period'): the same estimate."""
    from parlib.sources.period_tables import read_period_table

    header = [
        "province",
        "year",
        "indicator",
        "value",
        "unit",
        "source",
        "qualifier",
        "period_start",
        "period_end",
    ]
    ind = CUT.removeprefix("driver_")
    rows = [[p, 2023, ind, v, "percent", SRC, "period", 2022, 2023] for p, v in STAFF_CUT.items()]
    rows.append(["Hà Nội", 2022, "staff_admin_agencies", 1000, "persons", SRC, "", "", ""])  # a yearly row
    path = write(tmp_path / "drivers.csv", header, rows)
    try:
        read_period_table(path)
    except SourceFormatError as exc:  # parlib.sources.period_tables does not read driver tables yet
        pytest.skip(str(exc))
    res = drivers.fit_drivers("sipas_total", [CUT], years=[2022, 2023], design="long_difference",
                              tables=[path, tables["sipas"]], n_perm=N_PERM)  # fmt: skip
    pd.testing.assert_frame_equal(res.table, long_difference.table)
    assert "drivers.csv (driver table)" in str(drivers.specification(res))


def test_cross_section_matches_statsmodels(tables):
    res = drivers.fit_drivers("sipas_total", [ONLINE], years=[2023], design="cross_section", n_perm=N_PERM,
                              tables=[tables["online"], tables["sipas"]])  # fmt: skip
    values = {p: v[1] for p, v in {**SIPAS_TABLE, **PUBLISHED}.items()} | PUBLISHED_2023_ONLY
    values["Sơn La"] = SON_LA_2023
    expected = pd.DataFrame(
        {"province_id": [provinces.normalize(p) for p in values], "y": list(values.values())}
    )
    expected["x"] = [online(pid, 2023) for pid in expected["province_id"]]
    assert sorted(res.data["province_id"]) == sorted(expected["province_id"]) and res.n == 13
    check_against(res, *ols(expected, "y", ["x"]))
    assert "cross-section 2023 (parlib.models.fit_year" in str(drivers.specification(res))


def test_panel_with_a_driver_table_matches_statsmodels_dummies(tables):
    res = drivers.fit_drivers(
        "papi_total", [ONLINE], years=[2018, 2023], method=["cr1"], tables=[tables["online"]]
    )
    data = res.data
    term = f"{ONLINE}_lag1"
    assert np.allclose(
        data[term], [online(p, y - 1) for p, y in zip(data["province_id"], data["year"], strict=True)]
    )
    dummies = pd.get_dummies(data[["province_id", "year"]].astype(str), drop_first=True, dtype=float)
    x = sm.add_constant(pd.concat([data[[term]], dummies], axis=1))
    groups = pd.factorize(data["province_id"])[0]
    ref = sm.OLS(data["papi_total"], x).fit(cov_type="cluster", cov_kwds={"groups": groups})
    cr1 = res.table.set_index("method").loc["cr1"]
    assert cr1["estimate"] == pytest.approx(ref.params[term], rel=1e-8)
    # statsmodels counts every dummy in K; parlib's CR1 (fixest) K = slopes + year effects (provinces nested)
    n, g, t = len(data), data["province_id"].nunique(), data["year"].nunique()
    ours, theirs = (n - 1) / (n - 1 - t), (n - 1) / (n - x.shape[1])
    assert cr1["std_error"] == pytest.approx(ref.bse[term] * np.sqrt(ours / theirs), rel=1e-8)
    assert f"`{ONLINE}` in the sample: {n} of {n} values from the tables" in "\n".join(res.notes)
    power = str(drivers.power(res))
    assert f"**n** = {n} province-years ({g} provinces, 2018-2023)" in power and f"{cr1['mde']:.4g}" in power


def test_panel_without_tables_is_todays_fit():
    from parlib.models import fit
    from parlib.panel import load_panel

    res = drivers.fit_drivers("papi_control_of_corruption", ["papi_egov_portal_access"], method=["cr1"])
    ref = fit(load_panel(), "papi_control_of_corruption", ["papi_egov_portal_access"], years=(2018, 2024))
    pd.testing.assert_frame_equal(res.table, ref.table)
    assert res.notes == ref.notes and "Tables" not in str(drivers.specification(res))


def test_sipas_table_combined_with_the_published_record(tables):
    data = designs.design_data(designs.read_tables([tables["sipas"]]))
    sipas = data.panel.set_index(["province_id", "year"])["sipas_total"]
    assert sipas[("01", 2022)] == 84.10 and sipas[("14", 2023)] == SON_LA_2023  # the table's
    assert sipas[("14", 2022)] == 82.18 and sipas[("22", 2023)] == 90.61  # published, kept
    assert sipas[("80", 2023)] == 78.66 and sipas[("22", 2017)] == 92.88
    assert data.from_tables["sipas_total"] == {(provinces.normalize(p), y) for p in SIPAS_TABLE for y in
                                               (2022, 2023)} | {("14", 2023)}  # fmt: skip
    assert any("combined with sipas.csv by province and year" in n for n in data.notes)


# --------------------------------------------------------------------------- refusals in prose


def test_too_few_provinces_is_a_refusal_with_the_n_found_and_needed(tables):
    res = drivers.fit_drivers("sipas_total", [CUT], years=[2022, 2023], design="long_difference",
                              tables=[tables["staff"], tables["sipas_small"]], n_perm=N_PERM)  # fmt: skip
    assert isinstance(res, designs.Refusal) and (res.n_found, res.n_needed) == (4, 6)
    power = str(drivers.power(res))
    assert "**Refused**: the data cannot support design `long_difference`: too few provinces" in power
    assert "**n**: 4 provinces with complete data found; this design needs at least 6." in power
    line = "Not estimated: design `long_difference` was refused (see *Sample size and power*)."
    for section in (
        drivers.estimates,
        drivers.summary,
        drivers.dropped,
        drivers.coef_chart,
        drivers.within_chart,
    ):
        out = section(res)
        assert isinstance(out, Prose) and str(out) == line
    assert "- **Result**: refused" in str(drivers.specification(res))
    assert "**Refused**" in str(drivers.caveats(res))
    assert drivers.model_facts(res)["refused"].startswith("too few provinces for long difference 2022-2023")


def test_method_break_and_missing_period_are_refusals(tables):
    from parlib.panel import load_panel

    res = drivers.fit_drivers("papi_total", [ONLINE], years=[2018, 2022], design="long_difference",
                              tables=[tables["online"]], n_perm=N_PERM)  # fmt: skip
    assert isinstance(res, designs.Refusal) and "crosses a method break" in res.message
    panel = load_panel().set_index(["province_id", "year"])["papi_total"]
    both = {p for p, y in panel.dropna().index if y == 2018} & {
        p for p, y in panel.dropna().index if y == 2022
    }
    assert res.n_found == len(both)  # the driver table covers every province
    assert f"without the break the data would give {len(both)} provinces" in str(drivers.power(res))
    res = drivers.fit_drivers("sipas_total", [CUT], years=[2018, 2024], design="long_difference",
                              tables=[tables["staff"]])  # fmt: skip
    assert isinstance(res, designs.Refusal) and res.n_found == 0
    assert "has no figure for 2018-2024; its periods are 2022-2023" in str(drivers.power(res))


def test_a_wrong_request_still_raises(tables, tmp_path):
    with pytest.raises(ModelSpecError, match="overlaps the outcome"):
        drivers.fit_drivers(
            "papi_e_governance", ["papi_egov_portal_access"], years=[2022], design="cross_section"
        )
    with pytest.raises(ValueError, match="unknown design 'diff': the designs are panel, long_difference"):
        drivers.fit_drivers("papi_total", ["papi_egov_portal_access"], design="diff")
    with pytest.raises(ValueError, match=r"design long_difference: years must be \[first, last\]"):
        drivers.fit_drivers("papi_total", ["papi_egov_portal_access"], years=[2022], design="long_difference")
    bad = write(tmp_path / "notes.csv", ["a", "b"], [[1, 2]])
    with pytest.raises(SourceFormatError, match=r"^notes\.csv, row 1: not a table"):
        drivers.fit_drivers("papi_total", ["papi_egov_portal_access"], tables=[bad])


def test_tables_told_apart_by_their_header(tables, tmp_path):
    read = designs.read_tables([tables[k] for k in ("staff", "online", "sipas")])
    assert [kind for _, kind in read.kinds] == ["PERIOD", "DRIVER", "SIPAS"]
    yearly, periods = read.indicators()
    assert yearly == {"online_services_pct": set(range(2016, 2024))}
    assert periods == {"staff_cut_pct_admin_agencies": {(2022, 2023)}}
    parts = write(tmp_path / "scores.csv", ["province", "year", "total", "appraisal", "survey"],
                  [["Hà Nội", 2022, 80.0, 55.0, 25.0]])  # fmt: skip
    assert designs.read_tables([parts]).kinds[0][1] == "PAR_INDEX"
    plain = write(tmp_path / "index.csv", ["province", "year", "total"], [["Hà Nội", 2022, 80.0]])
    with pytest.raises(SourceFormatError, match=r"^index\.csv, row 1: a SIPAS or a PAR INDEX table\?"):
        designs.read_tables([plain])
    with pytest.raises(MissingRawFileError, match=r"^missing\.csv: no such file"):
        designs.read_tables(["missing.csv"])
    assert designs._as_list('["a.csv", "b.csv"]') == ["a.csv", "b.csv"] == designs._as_list("a.csv, b.csv")
    assert designs._as_years("2017-2022") == [2017, 2022] == designs._as_years("[2017, 2022]")
    assert designs._as_years(2022) == [2022] and designs.design_name("Long-Difference") == "long_difference"


# --------------------------------------------------------------------------- rules, before any kernel


@pytest.fixture
def no_kernel(monkeypatch):
    """Fail loudly if anything tries to execute a notebook or start the pool."""

    def boom(*args, **kwargs):
        raise AssertionError("a kernel was started")

    import papermill

    monkeypatch.setattr(papermill, "execute_notebook", boom)
    monkeypatch.setattr(reports.pool, "_executor", boom)
    monkeypatch.setattr(reports.pool, "render", boom)
    monkeypatch.setattr(reports.pool, "_prepare_year", boom)


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"design": "diff"}, "parameter 'design': expected a design: panel, long_difference, cross_section"),
        ({"design": "long_difference", "years": [2018]}, "design long_difference needs [start, end]"),
        ({"design": "long_difference", "years": "2020-2020"}, "with start < end, got [2020, 2020]"),
        ({"years": "2022"}, "design panel needs [first, last], got [2022] (one year: design cross_section)"),
        ({"years": [2018, 2020, 2024]}, "'YYYY-YYYY' or a [first, last] pair"),
        (
            {"design": "cross_section", "lag": 2},
            "parameter(s) 'lag': design panel only; design cross_section",
        ),
        ({"design": "long_difference", "method": "cr1"}, "parameter(s) 'method': design panel only"),
        ({"tables": ["no/such/table.csv"]}, "parameter 'tables': no/such/table.csv: no such file"),
        ({"drivers": ["driver_nothing"]}, "'driver_nothing' is not a panel column and no table gives it"),
        (
            {"outcome": "sipas_total", "design": "cross_section", "years": [2020]},
            "sipas_total has no data in 2020",
        ),
    ],
)
def test_drivers_rules_refuse_before_any_kernel(params, expected, no_kernel):
    with pytest.raises(reports.ReportParameterError) as info:
        reports.validate(TEMPLATE, params)
    message = str(info.value)
    assert expected in message and "\n" not in message and len(message) < 400, message


def test_drivers_rules_read_the_tables(tables, tmp_path, no_kernel):
    both = [str(tables["staff"]), str(tables["sipas"])]
    ok = {"outcome": "sipas_total", "drivers": [CUT], "design": "long-difference", "years": "2022-2023"}
    got = reports.validate(TEMPLATE, {**ok, "tables": json.dumps(both)})
    assert got == {**ok, "design": "long_difference", "years": [2022, 2023], "tables": both}
    refused = (
        r"none for design panel with years \[2022, 2023\]: use design long_difference, years \[2022, 2023\]"
    )
    with pytest.raises(reports.ReportParameterError, match=refused):
        reports.validate(TEMPLATE, {**ok, "design": "panel", "tables": both})
    bad = write(tmp_path / "notes.csv", ["a", "b"], [[1, 2]])
    with pytest.raises(
        reports.ReportParameterError, match=r"parameter 'tables': notes\.csv, row 1: not a table"
    ):
        reports.validate(TEMPLATE, {**ok, "tables": [*both, str(bad)]})
    # the SIPAS table gives the outcome in 2023: the published record alone has 4 provinces then
    assert reports.validate(TEMPLATE, {"outcome": "sipas_total", "design": "cross_section", "years": 2023,
                                       "tables": str(tables["sipas"])})["years"] == [2023]  # fmt: skip


def test_cli_refuses_a_design_in_one_line(tmp_path, no_kernel, capsys, monkeypatch):
    """``parlib report --template ... -p design ...`` on a stub with the drivers template's parameters."""
    nb = nbformat.read(STUB_PARAMS, as_version=4)
    cell = next(c for c in nb.cells if "parameters" in c.metadata.get("tags", []))
    cell.source += '\ndesign = "panel"  # design\ntables = []  # researcher tables'
    stub = tmp_path / "stub.ipynb"
    nbformat.write(nb, stub)
    monkeypatch.setenv("PARLIB_REPORTS_DIR", str(tmp_path / "reports"))
    argv = ["report", "--province", "20", "--year", "2022", "--template", str(stub), "--no-progress"]
    for pairs, message in [
        (["design", "long_difference", "-p", "years", "2018"], "design long_difference needs [start, end]"),
        (
            ["design", "longdiff"],
            "parameter 'design': expected a design: panel, long_difference, cross_section",
        ),
        (["tables", "nope.csv"], "parameter 'tables': nope.csv: no such file"),
    ]:
        assert cli.main([*argv, "-p", *pairs]) == 1
        _, err = capsys.readouterr()
        assert err.startswith("parlib: error: ") and err.count("\n") == 1 and message in err, err


# --------------------------------------------------------------------------- the template, once


@pytest.mark.slow
def test_template_long_difference_on_tables_from_extract_states_n_and_mde(long_difference, tmp_path):
    import papermill as pm

    from parlib.extract import FACT_COLUMNS, to_tables
    from parlib.record import read_records

    # the same figures as a reviewed fact table, written into the templates by `parlib extract --to-tables`
    def fact(province, kind, index, year, value, unit, qualifier="exact", period=(None, None)):
        pid = provinces.get(province).province_id
        row = dict.fromkeys(FACT_COLUMNS, None)
        row.update(file="report.txt", province_id=pid, province=province, kind=kind, index=index,
                   component="total" if kind == "index" else "", year=year, value=value, unit=unit,
                   qualifier=qualifier, period_start=period[0], period_end=period[1], quote=f"{value}")
        return row

    facts = [fact(p, "index", "SIPAS", y, v, "percent")
             for p, vs in SIPAS_TABLE.items() for y, v in zip((2022, 2023), vs, strict=True)]
    facts.append(fact("Sơn La", "index", "SIPAS", 2023, SON_LA_2023, "percent"))
    facts += [fact(p, "driver", CUT.removeprefix("driver_"), 2023, v, "percent", "period", (2022, 2023))
              for p, v in STAFF_CUT.items()]  # fmt: skip
    written = to_tables(pd.DataFrame(facts, columns=FACT_COLUMNS), tmp_path / "tables",
                        urls={"report.txt": SRC})  # fmt: skip
    assert sorted(p.name for p in written.paths) == ["drivers.csv", "sipas.csv"]
    out = tmp_path / "out.ipynb"
    paths = json.dumps([str(p) for p in written.paths])  # as papermill's -p passes a list
    parameters = {"outcome": "sipas_total", "drivers": f'["{CUT}"]', "years": [2022, 2023],
                  "design": "long_difference", "tables": paths}  # fmt: skip
    pm.execute_notebook(str(TEMPLATE), str(out), kernel_name="python3", progress_bar=False, cwd=str(tmp_path),
                        parameters=parameters)  # fmt: skip
    nb = nbformat.read(out, as_version=4)
    assert not [o for c in nb.cells for o in c.get("outputs", []) if o["output_type"] == "error"]
    records = read_records(nb)
    expected = long_difference.table.set_index("method").loc["hc3"]
    assert (records["design"], records["n_obs"]) == ("long_difference", 11)
    assert records["mde"] == pytest.approx(expected["mde"], rel=1e-9)
    assert records["estimate"] == pytest.approx(expected["estimate"], rel=1e-9)
    power = next(c for c in nb.cells if c.get("id") == "power").outputs[0]["data"]["text/markdown"]
    assert "**n** = 11 provinces, one row each (long difference 2022-2023)." in power
    assert f"**MDE** of `{CUT}`: {expected['mde']:.4g}" in power
    within = next(c for c in nb.cells if c.get("id") == "within").outputs[0]["data"]
    assert "image/png" in within
