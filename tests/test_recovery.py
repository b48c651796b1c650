"""Parameter recovery: on a large sample drawn from the simulator's population model, the
fitted standardized structural paths, defined effects, and every route and total effect the
model implies lie near their known population values (truth from govsurvey.synthetic.population, not typed in here)."""

import numpy as np
import pytest

from conftest import ROOT
from govsurvey.screening import score
from govsurvey.sem import fit_sem
from govsurvey.sem.effects import effects_table
from govsurvey.synthetic.population import (LATENTS, POPULATION, population_standardized_paths,
                                            simulate_survey)

N = 20_000
TOL = 0.03
MODEL = ROOT / "data" / "models" / "governance.lavaan"


@pytest.fixture(scope="module")
def recovered(instrument):
    # No defects: every record is a clean respondent; the items are 5-point answers.
    sim = simulate_survey(instrument, N, seed=20260904, defect_rates={})
    items = sim.responses[list(instrument.items)].astype(float)
    data = score(items, instrument)
    fit = fit_sem(MODEL.read_text(encoding="utf-8"), data)
    return fit, population_standardized_paths(), data


def test_structural_paths_recover_population_values(recovered):
    fit, truth, _ = recovered
    paths = truth[truth["op"] == "~"]
    ours = fit.params[fit.params["op"] == "~"]
    merged = paths.merge(ours, on=["lhs", "op", "rhs"], suffixes=("_true", ""), how="left")
    assert len(merged) == len(ours) == 10 and merged["std_all"].notna().all()
    assert (merged["label"] == merged["label_true"]).all()
    deviation = (merged["std_all"] - merged["std_all_true"]).abs()
    assert deviation.max() < TOL, merged.assign(deviation=deviation).to_string()
    assert fit.converged and fit.admissibility == []


def test_defined_effects_recover_population_values(recovered):
    fit, truth, _ = recovered
    true = truth[truth["op"] == ":="].set_index("lhs")["std_all"]
    ours = fit.params[fit.params["op"] == ":="].set_index("lhs")["std_all"]
    assert sorted(true.index) == sorted(ours.index)
    np.testing.assert_allclose(ours.loc[true.index], true, atol=TOL)


def test_recovery_would_catch_a_wrong_path(recovered):
    # The check can fail: a model missing a true path (GS ~ RI) biases the others beyond TOL.
    _, truth, data = recovered
    text = MODEL.read_text(encoding="utf-8")
    wrong = "\n".join(line for line in text.splitlines()
                      if not line.startswith(("GS ~", "ind_", "total_")))
    wrong += "\nGS ~ PL + PW\n"
    misfit = fit_sem(wrong, data).params
    gs_pl = misfit.query("lhs == 'GS' and op == '~' and rhs == 'PL'")["std_all"].iloc[0]
    true = truth.query("lhs == 'GS' and rhs == 'PL'")["std_all"].iloc[0]
    assert abs(gs_pl - true) > TOL


def test_routes_and_totals_recover_population_values(recovered):
    # Truth: each route the product of its population paths, each total effect from
    # (I - B)^-1 - I of the population's path matrix: so a route left out shows in the totals.
    fit, _, _ = recovered
    table = effects_table(fit)
    beta = POPULATION.beta()
    total = np.linalg.inv(np.eye(len(LATENTS)) - beta) - np.eye(len(LATENTS))
    at = {code: k for k, code in enumerate(LATENTS)}
    path = {(lhs, rhs): coef for lhs, rhs_ in POPULATION.paths.items() for rhs, (_, coef) in rhs_.items()}
    truth = []
    for r in table.itertuples():
        whole = total[at[r.outcome], at[r.cause]]
        if r.kind == "total":
            truth.append(whole)
        elif r.kind == "total_indirect":
            truth.append(whole - path.get((r.outcome, r.cause), 0.0))
        else:
            steps = r.route.split(" → ")
            truth.append(np.prod([path.get((y, x), 0.0) for x, y in zip(steps, steps[1:])]))
    assert set(table["kind"]) == {"direct", "indirect", "total_indirect", "total"}
    assert (table["kind"] == "indirect").sum() == 11  # the serial routes among them
    np.testing.assert_allclose(table["std_all"], truth, atol=TOL)
