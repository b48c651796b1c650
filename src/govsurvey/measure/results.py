"""The measure stage: reliability, validity, factorability, EFA and the CFA, by output name."""

import pandas as pd

from govsurvey.measure.reliability import (construct_items, descriptives_table, item_analysis,
                                           reliability_table, standardized_loadings)
from govsurvey.measure.scores import construct_scores, midpoint_tests
from govsurvey.measure.validity import (bartlett_sphericity, efa, fornell_larcker,
                                        harman_single_factor, htmt_long, kmo, latent_correlation)
from govsurvey.sem import fit_sem, modification_indices
from govsurvey.sem.fit import check_item_variation
from govsurvey.sem.indices import fit_table
from govsurvey.study.model import as_parsed


def measurement_results(scored, instrument, model, log=print, source="scored data", estimator="ML"):
    """Everything the measure stage writes, by output name: tables (DataFrames) and scalars
    (dicts). The CFA is the measurement part of `model` (text or ParsedModel): its =~
    relations, with freely covarying factors. InputError (naming `source`, the items and the
    fix) first when an item has no variance or items are collinear: every figure below would
    fail on their singular correlation matrix or be meaningless. `estimator`: the CFA's, as
    fit_sem's."""
    constructs = construct_items(instrument)
    items = [i for c in constructs.values() for i in c]
    complete = scored[[i for i in items if i in scored.columns]].apply(pd.to_numeric, errors="coerce").dropna()
    if len(complete) > complete.shape[1]:  # too few rows: fit_sem says so
        check_item_variation(complete, source)
    cfa = fit_sem(as_parsed(model).measurement(), scored, log=log, data_source=source, estimator=estimator)
    reliability = reliability_table(scored, instrument, cfa)
    cor = latent_correlation(cfa.latent_cov)
    overall, per_item = kmo(scored, items)
    of = {i: c for c, its in constructs.items() for i in its}
    efa_loadings, _ = efa(scored, len(constructs), items, constructs)
    return {
        "reliability": reliability,
        "descriptives": descriptives_table(scored, instrument),
        # where each construct stands against the scale's midpoint (the chapter's opening)
        "midpoint": midpoint_tests(construct_scores(scored, instrument),
                                   (instrument.scale_min + instrument.scale_max) / 2),
        "loadings": standardized_loadings(cfa),
        "item_analysis": item_analysis(scored, constructs),
        "fornell_larcker": fornell_larcker(reliability, cor),
        "htmt": htmt_long(scored, constructs),
        "kmo": pd.DataFrame({"item": per_item.index, "construct": [of[i] for i in per_item.index],
                             "msa": per_item.to_numpy()}),
        "bartlett": {**bartlett_sphericity(scored, items), "kmo_overall": overall},
        "harman": harman_single_factor(scored, items),
        "efa_loadings": efa_loadings,
        "params": cfa.params,
        "fit": cfa.fit,
        "fit_table": fit_table(cfa.fit),
        "modindices": modification_indices(cfa, top=10),
        "admissibility": cfa.admissibility,
    }
