"""The long difference on the researcher-supplied staffing tables (issue 9's "done when").

The cited table (data/raw/published/periods/staffing_cuts_2011_2020.csv) holds one province with a 2011-2020
figure: the design refuses it and says how many more provinces it needs. The SYNTHETIC table (63
invented cuts, not data) shows the full output; its numbers are checked against statsmodels on a
sample and a standardisation built here from the panel directly.
"""

from __future__ import annotations

import numpy as np
import pytest
import statsmodels.api as sm
from scipy import stats

from parlib import config
from parlib.models import ModelSpecError, fit_change
from parlib.panel import load_panel
from parlib.sources.period_tables import period_drivers, read_period_table

INDICATOR = "staff_cut_pct_admin_agencies"
DRIVER = f"driver_{INDICATOR}"


@pytest.fixture(scope="module")
def panel(raw):
    return load_panel()


def test_cited_rows_are_refused_with_how_many_more_provinces(raw, panel):
    cited = period_drivers(
        read_period_table(raw / "published/periods/staffing_cuts_2011_2020.csv"), [INDICATOR], 2011, 2020
    )
    assert cited["province_id"].tolist() == ["20"]  # Lạng Sơn, 13.13%
    with pytest.raises(ModelSpecError) as err:
        fit_change(panel, "papi_total", 2011, 2020, [DRIVER], period_drivers=cited, standardize="within_year")
    message = str(err.value)
    assert "1 province with complete data; this design needs at least 6: 5 more" in message
    assert f"driver {DRIVER} missing in period_drivers (2011-2020): 62" in message


def test_synthetic_table_gives_the_full_output(raw, panel):
    table = read_period_table(config.example_path("SYNTHETIC_staffing_cuts_2011_2020.csv"))
    synthetic = period_drivers(table, [INDICATOR], 2011, 2020)
    res = fit_change(panel, "papi_total", 2011, 2020, [DRIVER], period_drivers=synthetic,
                     standardize="within_year", n_perm=1999, seed=5)  # fmt: skip
    assert res.data[f"source_{INDICATOR}"].str.startswith("SYNTHETIC").all()
    # independent: provinces with PAPI in 2011 and 2020 and a cut, z-scored each year, differenced
    wide = panel[panel["year"].isin([2011, 2020])].pivot(
        index="province_id", columns="year", values="papi_total"
    )
    wide = wide.join(synthetic.set_index("province_id")[DRIVER]).dropna()
    z = (wide[[2011, 2020]] - wide[[2011, 2020]].mean()) / wide[[2011, 2020]].std()
    ols = sm.OLS((z[2020] - z[2011]).to_numpy(), sm.add_constant(wide[DRIVER].to_numpy()))
    hc3, classical = ols.fit(cov_type="HC3", use_t=True), ols.fit()
    table = res.table.set_index("method")
    assert res.n == len(wide) == 63
    assert table.loc["hc3", "estimate"] == pytest.approx(hc3.params[1], rel=1e-10)
    assert table.loc["hc3", "std_error"] == pytest.approx(hc3.bse[1], rel=1e-10)
    assert table.loc["hc3", "p_value"] == pytest.approx(hc3.pvalues[1], rel=1e-9)
    mde = (stats.t.ppf(0.975, 61) + stats.t.ppf(0.8, 61)) * classical.bse[1]
    assert table.loc["hc3", "mde"] == pytest.approx(mde, rel=1e-10)
    p_perm = table.loc["perm", "p_value"]
    assert abs(p_perm - hc3.pvalues[1]) < 0.03  # the permutation and HC3 p-values tell the same story
    assert res.spec["perm_mc_se"][DRIVER] == pytest.approx(np.sqrt(p_perm * (1 - p_perm) / 1999))
    assert any("standardized within year" in n for n in res.notes)
