"""Direct, indirect (simple and serial) and total effects generated from the model's paths:
every route of the default model, each route and total against lavaan's := products written out
by hand in tests/reference/make_reference.R (governance_effects, survey_effects), the model
file's own definitions named once, and the mediation type by the stated rule."""

import json

import numpy as np
import pandas as pd
import pytest

from conftest import ROOT
from govsurvey.errors import InputError
from govsurvey.sem import fit_sem
from govsurvey.sem.effects import EFFECT_COLUMNS, classify, effects_table, model_effects
from govsurvey.study.model import parse_model, read_model

REF = ROOT / "tests" / "reference"
MODEL = ROOT / "data" / "models" / "governance.lavaan"
TOL = 1e-3  # as test_sem.py holds the parameter table to lavaan's


def test_every_route_of_the_default_model_is_generated():
    effects = model_effects(read_model(MODEL))
    routes = {e.route for e in effects if e.kind == "indirect"}
    assert routes == {
        "OB → PL → GS", "OB → PL → PW → GS", "OB → PL → RI → GS",
        "IN → PL → GS", "IN → RI → GS", "IN → PL → PW → GS", "IN → PL → RI → GS",
        "MS → RI → GS", "PM → PW → GS", "PL → PW → GS", "PL → RI → GS",
    }  # fmt: skip
    # each cause, and PL (the one problem with routes through others), has its group of rows
    causes = list(dict.fromkeys(e.cause for e in effects))
    assert causes == ["IN", "OB", "MS", "PM", "PL"]
    for cause in causes:
        kinds = [e.kind for e in effects if e.cause == cause]
        assert kinds[0] == "direct" and kinds[-2:] == ["total_indirect", "total"], kinds
    direct = {e.cause: e.direct_in_model for e in effects if e.kind == "direct"}
    assert direct == {"IN": False, "OB": False, "MS": False, "PM": False, "PL": True}
    total_ob = next(e for e in effects if e.kind == "total" and e.cause == "OB")
    assert len(total_ob.terms) == 3  # the serial routes belong to OB's total effect


def test_the_model_files_definitions_name_their_effects_once():
    parsed = read_model(MODEL)
    effects = model_effects(parsed)
    named = {e.label: (e.kind, e.route) for e in effects if e.label}
    assert sorted(named) == sorted(name for name, _ in parsed.definitions)
    assert named["ind_OB_PL_GS"] == ("indirect", "OB → PL → GS")
    assert named["total_PL_GS"] == ("total", "PL ⇒ GS")
    assert not [e for e in effects if e.kind == "defined"]  # none is listed a second time


def test_a_definition_that_is_no_generated_effect_stays_as_defined():
    parsed = parse_model("y ~ a*x + c*m\nm ~ b*x\nind := c*b\nlink := b\ndiff := a - b\n"
                         "both := c*b + a\n")
    effects = {e.label: e for e in model_effects(parsed) if e.label}
    assert (effects["ind"].kind, effects["ind"].route) == ("indirect", "x → m → y")  # any order
    assert (effects["both"].kind, effects["both"].route) == ("total", "x ⇒ y")
    assert (effects["link"].kind, effects["link"].route) == ("defined", "x → m")  # ends at a mediator
    assert (effects["diff"].kind, effects["diff"].route) == ("defined", "")


def test_a_loop_of_regressions_is_refused():
    with pytest.raises(InputError, match=r"loop \(m → y → m\)"):
        model_effects(parse_model("y ~ m + x\nm ~ y\n"))


def _expected(name):
    """(kind, route) of a := name of the R script: ind_/ser_ a route, totind_ and tot(al)_ totals."""
    kind, *codes = name.split("_")
    if kind in ("ind", "ser"):
        return "indirect", " → ".join(codes)
    return {"totind": "total_indirect", "tot": "total", "total": "total"}[kind], " ⇒ ".join(codes)


@pytest.mark.parametrize("case", ["governance_effects", "survey_effects"])
def test_generated_effects_match_lavaans_products(case):
    info = json.loads((REF / f"{case}.json").read_text())
    ref = pd.read_csv(REF / f"{case}_params.csv")
    ref = ref[ref["op"] == ":="].assign(key=lambda f: f["lhs"].map(_expected))
    fit = fit_sem(MODEL.read_text(encoding="utf-8"), pd.read_csv(REF / info["data"]), log=lambda line: None)
    table = effects_table(fit)
    assert list(table.columns) == EFFECT_COLUMNS
    ours = table.set_index(["kind", "route"])
    # every generated indirect and total effect has its hand-written lavaan counterpart
    generated = set(ours.index) - {k for k in ours.index if k[0] == "direct"}
    assert generated == set(ref["key"])
    got = ours.loc[list(ref["key"])]
    for col, rcol in [("est", "est"), ("se", "se"), ("std_all", "std.all"), ("std_se", "std.all.se"),
                      ("pvalue", "pvalue")]:
        np.testing.assert_allclose(got[col], ref[rcol], atol=TOL, err_msg=col)
    # the direct effects: PL's is its path, the causes' are fixed at 0 by the model
    direct = table[table["kind"] == "direct"].set_index("cause")
    params = fit.params.set_index(["lhs", "op", "rhs"])
    assert direct.loc["PL", "est"] == pytest.approx(params.loc[("GS", "~", "PL"), "est"])
    assert (direct.drop("PL")["est"] == 0).all() and not direct.drop("PL")["direct_in_model"].any()
    assert direct.drop("PL")["se"].isna().all()


def _group(direct, indirect, direct_in_model=True):
    """A cause's rows with given (est, ci_lower, ci_upper) of its direct and one indirect effect."""
    rows = []
    for kind, (est, lo, hi) in [("direct", direct), ("indirect", indirect), ("total_indirect", indirect),
                                ("total", (direct[0] + indirect[0], np.nan, np.nan))]:
        rows.append({"cause": "X", "outcome": "Y", "kind": kind, "route": kind, "est": est,
                     "ci_lower": lo, "ci_upper": hi, "direct_in_model": direct_in_model or kind != "direct"})
    return pd.DataFrame(rows).reindex(columns=EFFECT_COLUMNS)


@pytest.mark.parametrize("direct, indirect, in_model, mediation, detail", [
    ((0.0, np.nan, np.nan), (0.2, 0.1, 0.3), False, "full", "indirect_only"),   # fixed at 0 by the model
    ((0.05, -0.1, 0.2), (0.2, 0.1, 0.3), True, "full", "indirect_only"),
    ((0.3, 0.1, 0.5), (0.2, 0.1, 0.3), True, "partial", "complementary"),
    ((-0.3, -0.5, -0.1), (0.2, 0.1, 0.3), True, "partial", "competitive"),
    ((0.3, 0.1, 0.5), (0.02, -0.1, 0.1), True, "none", "direct_only"),
    ((0.01, -0.2, 0.2), (0.02, -0.1, 0.1), True, "none", "no_effect"),
])  # fmt: skip
def test_mediation_type_follows_the_stated_rule(direct, indirect, in_model, mediation, detail):
    table = classify(_group(direct, indirect, in_model))
    assert (table["mediation"] == mediation).all() and (table["mediation_detail"] == detail).all()
    total = direct[0] + indirect[0]
    np.testing.assert_allclose(table["proportion"], [direct[0] / total, indirect[0] / total,
                                                     indirect[0] / total, 1.0])
