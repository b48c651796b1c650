import json

import numpy as np
import pandas as pd
import pytest

from conftest import REFERENCE
from govsurvey.errors import InputError
from govsurvey.measure import measurement_results
from govsurvey.measure.reliability import (alpha_ci_feldt, cfa_reliability, cronbach_alpha, descriptives_table,
                                           item_analysis, reliability_table, standardized_loadings)
from govsurvey.measure.validity import (bartlett_sphericity, efa, fornell_larcker, harman_single_factor, htmt,
                                        htmt_long, kmo, latent_correlation)
from govsurvey.sem import fit_sem
from govsurvey.study.model import parse_model


@pytest.mark.parametrize("row", pd.read_csv(REFERENCE / "measurement_alpha.csv").to_dict("records"))
def test_alpha_matches_psych(row):
    data = pd.read_csv(REFERENCE / "holzinger_data.csv")
    assert cronbach_alpha(data[row["items"].split()]) == pytest.approx(row["raw_alpha"], abs=1e-6)


def test_alpha_of_parallel_items_follows_spearman_brown():
    # k parallel items with inter-item correlation r have alpha = k r / (1 + (k - 1) r).
    rng = np.random.default_rng(1)
    k, r, n = 4, 0.4, 200_000
    common = rng.standard_normal(n)
    items = pd.DataFrame({f"i{j}": np.sqrt(r) * common + np.sqrt(1 - r) * rng.standard_normal(n) for j in range(k)})
    assert cronbach_alpha(items) == pytest.approx(k * r / (1 + (k - 1) * r), abs=0.005)


def test_reliability_and_descriptives_cover_every_construct(instrument):
    rng = np.random.default_rng(2)
    scored = pd.DataFrame(rng.integers(1, 6, size=(50, len(instrument.items))), columns=instrument.item_codes)
    reliability = reliability_table(scored, instrument)
    assert list(reliability["construct"]) == list(instrument.constructs)
    assert (reliability["n"] == 50).all()
    descriptives = descriptives_table(scored, instrument)
    item = descriptives.set_index("variable").loc["IN1"]
    assert item["mean"] == pytest.approx(scored["IN1"].mean())
    assert item["sd"] == pytest.approx(scored["IN1"].std())


def test_the_cfa_is_the_measurement_part_of_the_parsed_model():
    """Continuation lines stay with their factor; a regression after ';' is not a loading."""
    text = "# c\nF =~ a + b +\n     c\nG =~ d + e + f; G ~ x*F  # two\nind := x*2\n"
    cfa = parse_model(text).measurement()
    assert cfa.text() == "F =~ a + b + c\nG =~ d + e + f\n"
    assert cfa.factors == {"F": ["a", "b", "c"], "G": ["d", "e", "f"]} and not cfa.structural


# --------------------------------------------------------------------------- against psych / semTools
# Fixtures by tests/reference/make_measurement_reference.R (psych 2.2.9, semTools 0.5-6,
# lavaan 0.6-14) for HolzingerSwineford1939, PoliticalDemocracy and the cleaned synthetic survey.
TOL = 1e-3
CASES = ["holzinger", "politdem", "survey"]
_cache = {}


def case(name):
    if name not in _cache:
        ref = json.loads((REFERENCE / f"measurement_{name}.json").read_text())
        data = pd.read_csv(REFERENCE / ref["data"])
        constructs = {c["construct"]: c["items"] for c in ref["constructs"]}
        _cache[name] = ref, data, constructs, fit_sem(ref["model"], data)
    return _cache[name]


@pytest.mark.parametrize("name", CASES)
def test_alpha_ci_and_item_analysis_match_psych(name):
    ref, data, constructs, _ = case(name)
    items = item_analysis(data, constructs).set_index("item")
    for c in ref["constructs"]:
        alpha = cronbach_alpha(data[c["items"]])
        assert alpha == pytest.approx(c["alpha"], abs=TOL)
        lower, upper = alpha_ci_feldt(alpha, len(data), len(c["items"]))
        assert (lower, upper) == pytest.approx((c["alpha_ci_lower"], c["alpha_ci_upper"]), abs=TOL)
        assert lower < alpha < upper
        for item in c["items"]:
            assert items.loc[item, "r_drop"] == pytest.approx(c["r_drop"][item], abs=TOL)
            assert items.loc[item, "alpha_if_deleted"] == pytest.approx(
                c["alpha_if_deleted"][item], abs=TOL)


@pytest.mark.parametrize("name", CASES)
def test_omega_cr_ave_and_loadings_match_semtools(name):
    ref, _, _, cfa = case(name)
    rel = cfa_reliability(cfa).set_index("construct")
    loadings = standardized_loadings(cfa).set_index("item")
    for c in ref["constructs"]:
        f = c["construct"]
        assert rel.loc[f, "omega"] == pytest.approx(ref["omega_semtools"][f], abs=TOL)
        assert rel.loc[f, "ave_semtools"] == pytest.approx(ref["ave_semtools"][f], abs=TOL)
        assert rel.loc[f, "cr"] == pytest.approx(c["cr_fornell_larcker"], abs=TOL)
        assert rel.loc[f, "ave"] == pytest.approx(c["ave_fornell_larcker"], abs=TOL)
        for item, value in c["std_loadings"].items():
            assert loadings.loc[item, "std_all"] == pytest.approx(value, abs=TOL)


@pytest.mark.parametrize("name", CASES)
def test_discriminant_validity_matches_semtools(name):
    ref, data, constructs, cfa = case(name)
    names = list(constructs)
    for variant in ("htmt", "htmt2"):
        ours = htmt(data, constructs, variant)
        np.testing.assert_allclose(ours.loc[names, names], np.array(ref[variant]), atol=TOL)
    long = htmt_long(data, constructs)
    assert len(long) == len(names) * (len(names) - 1) // 2
    cor = latent_correlation(cfa.latent_cov)
    np.testing.assert_allclose(cor.loc[names, names], np.array(ref["cor_lv"]), atol=TOL)
    table = fornell_larcker(cfa_reliability(cfa), cor).set_index("construct")
    for k, c in enumerate(ref["constructs"]):
        f = c["construct"]
        assert table.loc[f, f] == pytest.approx(np.sqrt(c["ave_fornell_larcker"]), abs=TOL)
        off = [abs(ref["cor_lv"][k][j]) for j in range(len(names)) if j != k]
        assert table.loc[f, "sqrt_ave_exceeds_correlations"] == (
            np.sqrt(c["ave_fornell_larcker"]) > max(off))


@pytest.mark.parametrize("name", CASES)
def test_kmo_bartlett_harman_match_psych(name):
    ref, data, constructs, _ = case(name)
    items = [i for c in constructs.values() for i in c]
    overall, per_item = kmo(data, items)
    assert overall == pytest.approx(ref["kmo"]["overall"], abs=TOL)
    for item, value in ref["kmo"]["items"].items():
        assert per_item[item] == pytest.approx(value, abs=TOL)
    b = bartlett_sphericity(data, items)
    assert b["chisq"] == pytest.approx(ref["bartlett"]["chisq"], abs=TOL)
    assert b["df"] == ref["bartlett"]["df"]
    assert b["pvalue"] == pytest.approx(ref["bartlett"]["pvalue"], abs=TOL)
    h = harman_single_factor(data, items)
    assert h["first_component_share"] == pytest.approx(ref["harman"]["first_component_share"],
                                                       abs=TOL)
    assert h["first_eigenvalue"] == pytest.approx(ref["harman"]["eigenvalues"][0], abs=TOL)


@pytest.mark.parametrize("name", CASES)
def test_efa_matches_psych_fa_ml_promax(name):
    ref, data, constructs, _ = case(name)
    items = [i for c in constructs.values() for i in c]
    ours, phi = efa(data, len(constructs), items, constructs)
    theirs = pd.read_csv(REFERENCE / f"efa_{name}.csv").set_index("item").loc[items]
    np.testing.assert_allclose(ours["communality"], theirs["communality"], atol=TOL)
    factors = [c for c in ours.columns if c.startswith("F")]
    # psych names factors by extraction order (ML1, ML2, ...): match columns by content
    for f in factors:
        deviation = min(np.abs(ours[f].to_numpy() - theirs[c].to_numpy()).max()
                        for c in theirs.columns if c.startswith("ML"))
        assert deviation < TOL, f
    assert np.allclose(np.diag(phi), 1) and list(ours["construct"][:1]) == [next(iter(constructs))]


def test_reliability_table_with_cfa_has_every_column(instrument):
    ref, data, _, cfa = case("survey")
    table = reliability_table(data, instrument, cfa)
    assert list(table.columns[:5]) == ["construct", "role", "n_items", "n", "alpha"]
    assert {"alpha_ci_lower", "alpha_ci_upper", "omega", "cr", "ave", "sqrt_ave",
            "ave_semtools", "min_loading"} <= set(table.columns)
    assert table[["omega", "cr", "ave"]].notna().all().all()
    np.testing.assert_allclose(table["sqrt_ave"] ** 2, table["ave"])


def test_harman_flags_a_dominant_common_factor():
    # One strong factor behind all items: the first component carries most of the variance.
    rng = np.random.default_rng(3)
    common = rng.standard_normal(2000)
    data = pd.DataFrame({f"i{k}": 0.9 * common + 0.3 * rng.standard_normal(2000) for k in range(8)})
    h = harman_single_factor(data)
    assert h["first_component_share"] > 0.8 and not h["below_50_percent"]
    assert harman_single_factor(case("survey")[1])["below_40_percent"]


def test_inadmissible_construct_is_flagged_in_measure_results(instrument):
    # GS's four items replaced by unrelated noise: the factor has nothing in common, its
    # variance is next to zero or below. The measure stage must say so, not hide it.
    data = case("survey")[1].copy()
    rng = np.random.default_rng(5)
    for item in ["GS1", "GS2", "GS3", "GS4"]:
        data[item] = rng.integers(1, 6, len(data))
    model = (REFERENCE.parent.parent / "data" / "models" / "governance.lavaan").read_text()
    results = measurement_results(data, instrument, model, log=lambda _: None)
    kinds = {(p["kind"], p["where"]) for p in results["admissibility"]}
    # Which symptom shows (a negative factor or item variance, a loading above 1, a factor variance
    # indistinguishable from zero) depends on the draw; each must point at GS and nowhere else.
    # With this draw lavaan too gives GS ~~ GS = 0.003 (SE 0.014, p = .81), chi-square 439.372.
    heywood = {"negative_variance", "std_loading_above_one", "latent_variance_not_significant"}
    assert any(kind in heywood and "GS" in where for kind, where in kinds)
    assert not any(kind in heywood and "GS" not in where for kind, where in kinds)
    gs = results["reliability"].set_index("construct").loc["GS"]
    assert gs["alpha"] < 0.3
    # the real data are fine, but for 441 cases being under five per free parameter (q = 92)
    assert [p["kind"] for p in case("survey")[3].admissibility] == ["n_below_5_per_parameter"]


@pytest.mark.parametrize("change, named", [
    (lambda d: d.assign(GS2=d["GS1"]), r"perfectly correlated: GS1 and GS2"),
    (lambda d: d.assign(PL3=4), r"PL3 have no variance"),
])
def test_measure_names_items_without_variance_or_duplicated(instrument, change, named):
    """Before: identical items stopped the measure stage with LinAlgError: Singular matrix (KMO)."""
    data = change(case("survey")[1].copy())
    model = (REFERENCE.parent.parent / "data" / "models" / "governance.lavaan").read_text()
    with pytest.raises(InputError, match=named) as caught:
        measurement_results(data, instrument, model, log=lambda _: None, source="clean/scored.parquet")
    assert str(caught.value).startswith("clean/scored.parquet: ") and "Fix: " in str(caught.value)
