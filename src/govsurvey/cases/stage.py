"""The cases stage: the case files read against the instrument, config and bibliography, the
cross-case matrix in both languages, the practices in tidy form, and what the focal street lacks.

Where the focal street's standing comes from (matrix.focal_lacks ranks by it): the comparison's
IPMA table when the comparison ran with the focal case's street as its focal street (importance
and the benchmark streets' lead break ties), else that street's construct means from the measure
stage (midpoint.csv). When the focal case has no survey (a documentary case), lacks.csv still
lists every dimension with the benchmarks' practices, all unranked (measured false).
"""

import pandas as pd

from govsurvey.cases.files import bibliography_keys, load_cases, load_dimensions
from govsurvey.cases.matrix import (
    comparison_matrix,
    focal_lacks,
    performance_from_ipma,
    performance_from_means,
    practices_table,
)


def case_results(case_files, dimensions_file, bibliography, instrument, streets, focal, ipma=None, means=None,
                 root=".", log=print):
    """{name: DataFrame}: matrix_zh, matrix_en, practices, lacks. `bibliography`: .bib files the
    practices' sources must be keys of; `streets`: config's streets; `focal`: a case id;
    `ipma` (the comparison's ipma table) or `means` (the focal street's midpoint table) give
    the focal street's performance, the IPMA first."""
    dimensions = load_dimensions(dimensions_file, instrument)
    cases = load_cases(case_files, dimensions, bibliography_keys(bibliography), streets, root)
    log(f"cases: {len(cases)} cases ({', '.join(cases)}) on {len(dimensions)} dimensions; focal {focal}")
    street = cases[focal].street if focal in cases else None
    if ipma is not None:
        performance = performance_from_ipma(ipma, street)
        log(f"cases: the focal street's standing from the comparison's IPMA (street {street})")
    elif means is not None:
        performance = performance_from_means(means, instrument.scale_min, instrument.scale_max)
        log(f"cases: the focal street's standing from its construct means (street {street})")
    else:
        performance = pd.DataFrame(columns=["performance", "importance", "benchmark_gap"], dtype=float)
        log("cases: the focal case has no survey; lacks.csv lists the dimensions unranked")
    lacks = focal_lacks(dimensions, performance, cases, focal)
    ranked = lacks.dropna(subset=["rank"])
    if len(ranked):
        log(f"cases: weakest dimension {ranked.iloc[0]['dimension']} ({ranked.iloc[0]['construct']}, "
            f"performance {ranked.iloc[0]['performance']:.1f})")
    tables = {f"matrix_{lang}": comparison_matrix(cases, dimensions, lang, focal=focal).reset_index(names="dimension")
              for lang in ("zh", "en")}  # fmt: skip
    return {**tables, "practices": practices_table(cases), "lacks": lacks}
