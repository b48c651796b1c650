"""The robustness section's sentences for the cases the default data do not reach: results that
change under a variant, a method-factor model that failed or is inadmissible, tests that favour
another model under WLSMV. Each sentence must say what the facts say, in both languages."""

from types import SimpleNamespace

import pandas as pd
import pytest

from govsurvey.formatting import number_style
from govsurvey.report import robustness as R
from govsurvey.words import words


def chapter(language):
    return SimpleNamespace(w=words(language), language=language, estimator="ML")


@pytest.mark.parametrize("language", ["en", "zh"])
def test_a_change_under_a_variant_is_named_with_its_kind(language):
    facts = {"alpha": 0.05, "changes": [
        {"key": "PW ~ PM", "variant": "wlsmv", "sign_changes": False, "significant_variant": False},
        {"key": "indirect: PM → PW → GS", "variant": "fiml", "sign_changes": True, "significant_variant": True}]}
    text = R._changes_sentence(chapter(language), facts)
    if language == "en":
        assert "PW ← PM is no longer significant under WLSMV" in text
        assert "PM → PW → GS changes sign under FIML" in text
        assert "No path" not in text
    else:
        assert "PW ← PM在WLSMV下不再显著" in text and "PM → PW → GS在FIML下方向相反" in text
    with number_style(words(language)["leading_zero"]):  # as the chapter is built: 0.05 in Chinese
        none = R._changes_sentence(chapter(language), {"alpha": 0.05, "changes": []})
    assert none == words(language)["robustness"]["changes_none"].format(alpha=".05" if language == "en" else "0.05")


@pytest.mark.parametrize("language", ["en", "zh"])
@pytest.mark.parametrize("converged, admissible, key", [(False, False, "ulmc_failed"), (True, False, "ulmc_inadmissible")])
def test_a_method_factor_without_an_admissible_solution_gives_no_share(language, converged, admissible, key):
    bias = {"single_factor": {"df_diff": 28, "chisq_diff": 100.0, "pvalue": 1e-9, "cfi_one_factor": 0.6},
            "ulmc": {"loadings": "equal", "converged": converged, "admissible": admissible,
                     "method_variance_share": 0.4, "improves_fit": True}}
    text = R._method_paragraph(chapter(language), bias)
    w = words(language)["robustness"]["method"]
    assert w[key].format(loadings=w["loadings"]["equal"]) in text
    assert "40.0" not in text  # no share from a solution that is not one


@pytest.mark.parametrize("language", ["en", "zh"])
def test_wlsmv_favouring_another_model_is_said(language):
    table = pd.DataFrame({"model": ["structural", "partial_mediation"],
                          "label_en": ["Hypothesised structural model", "Partial mediation model"],
                          "label_zh": ["假设结构模型", "部分中介模型"]})
    facts = {"tests": [{"restricted": "structural", "general": "partial_mediation", "preferred": "structural"}]}
    ordinal = {"tests": [{"restricted": "structural", "general": "partial_mediation", "preferred": "partial_mediation"}]}
    text = R._ordinal_sentence(chapter(language), table, facts, ordinal)
    if language == "en":
        assert text.endswith("favours otherwise: the partial mediation model over the hypothesised structural model.")
    else:
        assert "支持部分中介模型而非假设结构模型" in text
    assert R._ordinal_sentence(chapter(language), table, facts, facts) == words(language)["robustness"]["competing"]["wlsmv_same"]
