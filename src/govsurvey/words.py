"""Every display word the pipeline generates, in English and Chinese, keyed by codes.

The chapter's prose lives in report/chapter.qmd (en) and report/chapter.zh.qmd (zh); what the
pipeline generates (screening reasons, figure labels, table headers, captions, discussion
sentences) takes its words from here: `words(language)` gives one language's table. Nothing
elsewhere translates; modules pass codes (a screening reason, a rule's note) and look them up.
"""

from govsurvey.errors import InputError

LANGUAGES = ("en", "zh")
# "CR (F–L)": a no-break space and word joiners keep the header on one line in the PDF
FL = "{}\u00a0(F\u2060–\u2060L)"

WORDS = {
    "en": {
        # screening: the primary reasons (codes from screening.REASONS) and why a rule was not applied
        "reasons": {
            "duplicate_id": "Duplicate: same respondent identifier",
            "duplicate_ip": "Duplicate: same IP, identical answers",
            "duplicate_window": "Duplicate: identical answers within the time window",
            "out_of_range": "Answers outside the scale",
            "missing_share": "Too many items unanswered",
            "speeder": "Completed too fast",
            "attention_check": "Failed the attention check",
            "straightlining": "Straight-lining (longstring)",
            "irv": "Too little response variability (IRV)",
            "mahalanobis": "Multivariate outlier (Mahalanobis D²)",
            "evenodd": "Inconsistent answers (even-odd)",
            "incomplete": "Missing item answers (listwise deletion)",
        },
        "rule_notes": {
            "no_respondent_id": "the export has no respondent identifier",
            "no_ip": "the export has no IP column",
            "no_submission_times": "the export has no submission times",
            "no_completion_times": "the export has no completion times",
            "no_attention_check": "the instrument has no attention check",
            "attention_check_absent": "the export has no column for the attention check",
            "too_few_records": "too few records for a covariance matrix of the items",
            "one_construct": "needs two or more constructs",
        },
        "flow": {
            "raw": "Records in the export",
            "screened": "Screened records",
            "analysed": "Analysed",
            "excluded": "Excluded",
            "not_applied": "Not applied: {rules}.",
            "off": "Switched off in config: {rules}.",
            "line": "{label}: {n}",
            "flagged": " (flagged {n})",
            "note": "Each excluded record is counted once, under the first rule that fired (in the order listed).",
        },
        "figures": {
            "axis": "Percent of respondents",
            "reverse_note": "(R) reverse-keyed item, shown as answered (not yet reversed).",
            "n": "n",
            "path_note": "Standardized coefficients. * p < .05, ** p < .01, *** p < .001. "
            "Dashed: not significant (p ≥ {alpha}).",
        },
        "comparison_figures": {
            "focal": "{street} (reference)",
            "latent_axis": "Latent mean − {street}'s (SD)",
            "importance_axis": "Importance: total effect on {outcome} (unstandardized)",
            "performance_axis": "Performance (0–100)",
        },
        "forest": {
            "axis": "Effect (unstandardized) with {level:.0%} bootstrap CI",
            "perc": "Percentile CI",
            "bc": "Bias-corrected CI",
            "total": "Total",
        },
        # ---- the chapter: common
        "subtitle": "Empirical chapter",
        "none": "none",
        "count": lambda n, one, many: _count_en(n, one, many),
        "number": lambda n: _number_en(n),
        "join": lambda parts: _join_en(parts),
        "construct_word": ("construct", "constructs"),
        "item_word": ("item", "items"),
        "column_word": ("column", "columns"),
        "effect_word": ("effect", "effects"),
        "dash": "—",
        "sentence_join": " ",
        "leading_zero": False,  # APA: .78 for what cannot exceed 1
        # ---- theory and hypotheses (report/hypotheses.py)
        "hypotheses": {
            "positive": "positive",
            "negative": "negative",
            "path": "{predictor} has a {direction} effect on {outcome}.",
            "indirect": "{predictor} has a {direction} indirect effect on {outcome} through {mediators}.",
            "serial": "{predictor} has a {direction} indirect effect on {outcome} through {mediators}, in sequence.",
            "through_join": " and then ",
            "theory_entry": "**{name}.** {text}",
            "lead": "From these theories the chapter derives the hypotheses below; @fig-conceptual shows "
            "the hypothesised paths.",
            "line": "**{id}.** {text}",
            "rule": "A path hypothesis is taken as supported when its standardized coefficient β has the "
            "hypothesised sign and p < {alpha}; an indirect-effect hypothesis when its {level}% confidence "
            "interval lies wholly on the hypothesised side of zero.",
            "all_supported": "All {n} hypotheses were supported (@tbl-hypotheses).",
            "none_supported": "None of the {n} hypotheses was supported (@tbl-hypotheses).",
            "some_supported": "Of the {n} hypotheses, {n_supported} were supported ({supported}) and the "
            "others were not ({rejected}); @tbl-hypotheses gives each test.",
            "columns": ["Hypothesis", "Path", "Estimate", "{level}% CI", "p", "Result"],
            "verdict": {True: "Supported", False: "Not supported"},
            "caption": "Summary of hypothesis tests",
            "table_note": "*Note.* Estimates are standardized coefficients (β) for paths and unstandardized "
            "products of path coefficients for indirect effects; {ci}.",
            "ci_bootstrap": "intervals are bootstrap percentile intervals, and an indirect effect is judged by "
            "its interval alone (no p value)",
            "ci_delta": "intervals are delta-method intervals",
        },
        "synthetic": (
            "> **Synthetic data.** The responses analysed in this chapter were simulated from a "
            "documented population model (src/govsurvey/synthetic/population.py); they are not a real survey of "
            "{street}. The numbers show how the pipeline works, not facts about {street}.\n"
        ),
        "synthetic_limitation": (
            "Above all, the data are synthetic: they were simulated from a population model whose paths were "
            "set by the authors of the pipeline, so the results confirm that model, not the situation in {street}.\n"
        ),
        # ---- research design
        "aim_default": "This chapter analyses the {survey} in {place}.",
        "place": "{street} ({street_zh}, {city})",
        "place_no_city": "{street} ({street_zh})",
        "constructs_by_role": "The questionnaire measures {n} constructs: {groups}.",
        "constructs_plain": "The questionnaire measures {n} constructs: {constructs}.",
        "role_group": "{n} {role_name} — {constructs}",
        "construct_named": "{name} ({code})",
        "model_structural": "A structural equation model relates them: {relations}.",
        "relation": "{outcome} is regressed on {predictors}",
        "model_cfa": (
            "A confirmatory factor analysis tests how well the items measure them; the model file specifies "
            "no structural paths between the constructs."
        ),
        # ---- instrument
        "scale_sentence": (
            "The questionnaire measures {n_constructs} with {n_items} answered on a {points}-point scale "
            "({min} = {min_label}, {max} = {max_label}); {tables} {verb} them."
        ),
        "list_verb": ("lists", "list"),
        "reverse_sentence": "{items} were recoded (max + min − x) before analysis.",
        "reverse_word": ("reverse-keyed item", "reverse-keyed items"),
        "checks_sentence": "{checks} checked attention.",
        "check_word": ("instructed-response item", "instructed-response items"),
        "no_checks_sentence": "The questionnaire has no attention-check item.",
        "items_caption_role": "Items of the {role} ((R) = reverse-keyed, recoded max + min − x)",
        "items_caption_all": "Items ((R) = reverse-keyed, recoded max + min − x)",
        "items_columns": ["Item", "Construct", "Wording"],
        # ---- fieldwork and screening
        "fieldwork": {
            "target_population": "The target population was: {}.",
            "sampling": "Sampling: {}.",
            "mode": "Mode: {}.",
            "dates": "Fieldwork ran from {start} to {end}.",
        },
        "screening_paragraph": (
            "The raw export held {n_raw} records; {personal} with personal data {were} removed at ingestion. "
            "Screening excluded {n_excluded} records, leaving {n_kept} ({pct}%) for analysis (@fig-flow, "
            "@tbl-screening). Every record and the reason for its exclusion is listed in the screening ledger. "
            "Each exclusion is counted once, under the first rule that fired; the ledger also records every "
            "other rule that fired."
        ),
        "were": ("was", "were"),
        "not_applied": "Rules that could not be applied, for want of the data they need: {rules}.",
        "absent_columns": "The export has no column for {columns}; {what}.",
        "missing_listwise": (
            "Among the {n} records that passed every other rule, {items} had missing answers (at most "
            "{pct}% of an item; @tbl-missingness in the appendix); respondents with any missing item were "
            "left out of the models (listwise deletion)."
        ),
        "missing_kept": (
            "Among the {n} records that passed every other rule, {items} had missing answers (at most "
            "{pct}% of an item; @tbl-missingness in the appendix); the models use the complete cases."
        ),
        "missing_none": (
            "No answer was missing in the {n} records that passed every other rule (@tbl-missingness in the "
            "appendix)."
        ),
        "missingness_caption": "Item non-response among the records that passed every other rule (before listwise deletion)",
        "missingness_columns": ["Item", "n", "Missing", "%"],
        "screening_caption": "Screening of the raw records (each exclusion counted once, by its first reason)",
        "screening_columns": ["Step", "n"],
        "screening_raw": "Raw records",
        "screening_kept": "Analysed",
        # sources of the careless-responding indices, after their rows in the screening table
        "reason_sources": {
            "straightlining": " [@meade2012; @curran2016]",
            "irv": " [@dunn2018]",
            "mahalanobis": " [@mahalanobis1936; @meade2012]",
            "evenodd": " [@meade2012; @curran2016]",
        },
        # ---- sample
        "demographics_caption": "Sample profile (n = {n})",
        "demographics_columns": ["Characteristic", "Category", "n", "%"],
        "demographics_missing": "Not answered",
        "demographics_numeric": "M = {mean}, SD = {sd}, range {min}–{max}",
        # ---- descriptives and measurement
        "descriptives_caption": "Descriptive statistics of the items and construct scores (reverse-keyed items recoded)",
        "descriptives_columns": ["Variable", "n", "M", "SD", "Skewness", "Kurtosis"],
        "cfa_constructs": ("construct", "correlated constructs"),
        "reliability_caption": (
            "Reliability and convergent validity: α [@cronbach1951] with Feldt's [-@feldt1965] {level}% CI; "
            "ω [@mcdonald1999] as semTools compRelSEM [@jorgensen2022]; AVE as semTools AVE(); CR and AVE (F–L) "
            "after Fornell & Larcker [-@fornell1981], from the standardized loadings; λmin the smallest "
            "standardized loading"
        ),
        "reliability_columns": ["Construct", "Items", "α [{level}% CI]", "ω", "AVE", FL.format("CR"), FL.format("AVE"), "λmin"],
        "item_analysis_caption": "Item analysis (standardized CFA loading, R², corrected item–total r, α if the item is deleted)",
        "item_analysis_columns": ["Item", "λ", "R²", "r (item–total)", "α if deleted"],
        "fornell_larcker_caption": (
            "Fornell–Larcker criterion (√AVE (F–L), from the standardized loadings, in bold on the diagonal; "
            "latent correlations below)"
        ),
        "htmt_caption": (
            "Heterotrait–monotrait ratios [@henseler2015] (HTMT2 [@roemer2021], geometric means, as semTools "
            "0.5-6 htmt(); threshold .85)"
        ),
        "efa_caption": "Exploratory factor analysis (ML, promax; loadings below .30 omitted; h² communality)",
        "efa_columns": ["Item", "h²"],
        "mi_caption": "The ten largest modification indices of the measurement model",
        "mi_columns": ["Parameter", "MI", "EPC", "SEPC (std.all)"],
        "harman_verdict": {
            True: "below 50%, so a single factor does not dominate",
            False: "above 50%, a sign of common-method variance",
        },
        "fit_columns": ["Index", "Value", "Hu & Bentler [-@hu1999]", "Lenient convention"],
        "cfa_fit_caption": "Fit of the measurement model (CFA)",
        "sem_fit_caption": "Fit of the structural model",
        # ---- structural model and mediation
        "paths_caption": "Structural paths (ML; β is the standardized estimate, std.all)",
        "paths_columns": ["Path", "B", "SE", "β", "p"],
        "paths_ci_bootstrap": "β {level}% CI (bootstrap)",
        "paths_ci_delta": "β 95% CI (delta method)",
        "r2_caption": "Variance explained (R²) of the endogenous constructs",
        "r2_columns": ["Construct", "R²"],
        "r2_text": "The model explains R² = {first} of the variance of {first_code}{rest}",
        "r2_more": "{value} of {code}",
        "indirect_caption": (
            "Indirect and total effects defined in the model file: estimate, standardized estimate, "
            "bootstrap SE, percentile and bias-corrected (BC) {level}% CIs [@efron1993] ({admissible} admissible "
            "of {draws} draws)"
        ),
        "indirect_columns": ["Effect", "Estimate", "β", "Boot SE", "Percentile CI", "BC CI"],
        "indirect_delta_caption": (
            "Indirect and total effects defined in the model file: estimate, standardized estimate, "
            "delta-method SE [@sobel1982] and 95% CI (the bootstrap is switched off)"
        ),
        "indirect_delta_columns": ["Effect", "Estimate", "β", "SE", "p", "95% CI"],
        "params_caption": "All model parameters (lavaan notation)",
        "params_columns": ["lhs", "op", "rhs", "Label", "Estimate", "SE", "z", "p", "std.all"],
        "admissible": "no inadmissible estimates were found",
        # ---- discussion
        "discussion_target": "**{name} ({code}).** ",
        "sig_sentence": (
            "{cause} ({cause_code}) has a {size}, significant {sign} effect (β = {beta}, p {p}): respondents who "
            "rate {cause_code} higher report {direction} {code}."
        ),
        "ns_sentence": (
            "The path from {cause} ({cause_code}) is not significant (β = {beta}, p {p}); these data do not "
            "support an effect on {code}."
        ),
        "size": {"strong": "strong", "moderate": "moderate", "weak": "weak"},
        "sign": {True: "positive", False: "negative"},
        "direction": {True: "higher", False: "lower"},
        "optimisation_intro": (
            "**Optimisation paths.** Ranked by their total standardized effect on {outcome} (direct and "
            "indirect), the constructs with a chain of significant paths to {outcome} point to these priorities:"
        ),
        "optimisation_supported": "1. {name} ({code}; total effect on {outcome} {total}): {implication}.",
        "optimisation_unsupported": (
            "1. {name} ({code}; total effect {total}): no chain of significant paths reaches {outcome}, so the "
            "evidence does not single it out."
        ),
        "measurement_discussion": (
            "The model specifies no structural paths, so the evidence of this chapter is the measurement "
            "model. Its fit meets {met} of the {judged} cut-offs of Hu and Bentler [-@hu1999] in @tbl-cfa-fit; "
            "Cronbach's α ranged from {alpha_min} to {alpha_max}, and the square root of the AVE exceeded the "
            "construct's correlations for {fl_pass} of {n}."
        ),
        # ---- appendix
        "provenance_caption": "Provenance of the raw data",
        "provenance_columns": ["Item", "Value"],
        "provenance_rows": {
            "file": "File",
            "sha256": "SHA-256",
            "format": "Format",
            "reader": "Reader and encoding",
            "rows": "Rows × columns read",
            "personal": "Personal-data columns dropped",
            "hashed": "Identifiers kept only as salted hashes",
            "missing": "Missing answers, by reason",
            "unmatched": "Columns matching no question (left out)",
            "out_of_scale": "Out-of-scale answers treated as missing",
        },
        "versions_caption": "Software used",
        "versions_columns": ["Software", "Version"],
        "path_word": ("path", "paths"),
        "comparison": {
            "streets_name": "the streets",
            "step": {"configural": "configural", "metric": "metric", "scalar": "scalar", "strict": "strict"},
            "holds": {True: "holds", False: "does not hold"},
            "partial_mark": " (partial)",
            "held": "{steps} invariance held",
            "partial": " (partially, with {parameters} freed)",
            "failed": "; {steps} invariance did not hold",
            "verdict": "Across {comparison}, {text}.",
            "intro": "This section compares {focal} (n = {n_focal}) with {benchmarks}, and within {focal} the groups of {groupings}.",
            "left_out": "Left out of the comparison of {comparison}, for too few respondents: {groups}.",
            "invariance_heading": "Measurement invariance",
            "invariance_intro": (
                "Latent means and paths can be compared only where the items measure the constructs alike: with "
                "equal loadings (metric invariance) and equal intercepts (scalar invariance) in the groups compared "
                "(@tbl-invariance). A step holds when CFI drops by at most .01 and RMSEA rises by at most .015 "
                "[@cheung2002; @chen2007]; when one fails, the constraint with the largest score test is freed, "
                "one at a time, for partial invariance [@byrne1989]."
            ),
            "invariance_columns": ["Comparison", "Model", "χ²", "df", "CFI", "RMSEA", "ΔCFI", "ΔRMSEA", "Δχ²",
                                   "Δdf", "p", "Verdict"],
            "invariance_caption": "Measurement invariance of the measurement model (ML; each step against the one before)",
            "latent_heading": "Latent means",
            "latent_intro": (
                "Under (partial) scalar invariance the benchmark streets' latent means are estimated relative to "
                "{focal}, whose means are fixed at zero (@tbl-latent-means, @fig-latent-means)."
            ),
            "latent_street": "{street} scores significantly higher on {higher} and lower on {lower}.",
            "no_latent_means": "Scalar invariance did not hold, so latent means are not compared.",
            "latent_columns": ["{street}: difference [95% CI]", "{street}: d"],
            "latent_caption": (
                "Latent mean differences from {street} (scalar invariance model; d: the difference in units of "
                "{street}'s latent SD; * p < .05, ** p < .01, *** p < .001)"
            ),
            "latent_figure": "Latent means of the benchmark streets relative to {street} (standardized, with 95% CIs)",
            "scores_heading": "Construct scores",
            "scores_text": (
                "@tbl-scores-streets gives each street's mean construct scores (stars: different from the scale "
                "midpoint, Holm-corrected one-sample t tests) and Welch's [-@welch1951] test of equal means across "
                "the streets, with Holm's [-@holm1979] correction over the constructs."
            ),
            "construct": "Construct",
            "welch_anova": "Welch F (df), p",
            "scores_caption": "Construct scores by street, M (SD); * p < .05 against the midpoint {midpoint} (Holm)",
            "paths_heading": "Structural paths by street",
            "paths_text": (
                "With loadings held equal across the streets (metric invariance), {n} of the {total} differ between "
                "streets (Wald test, p < .05): {paths} (@tbl-paths-streets)."
            ),
            "path": "Path",
            "wald": "Wald χ² (df), p",
            "d_chisq": "Δχ² (df), p",
            "paths_caption": "Standardized paths (β) by street and the tests of their equality across streets",
            "ipma_heading": "Importance–performance map",
            "ipma_text": (
                "The importance–performance map (@fig-ipma, @tbl-ipma) sets each construct's total effect on "
                "{outcome} against its performance, the mean score on a 0–100 scale. Among the more important half "
                "of the constructs, {focal} lags furthest behind the best benchmark on {constructs}."
            ),
            "ipma_item": "{code} (importance {importance}; performance {performance}, {gap} points behind)",
            "importance": "Importance",
            "importance_std": "Importance (std.)",
            "gap": "Gap",
            "ipma_caption": (
                "Importance (total effect on {outcome}, unstandardized and standardized) and performance (0–100) "
                "by street; gap: the best benchmark's performance minus the focal street's"
            ),
            "ipma_figure": "Importance–performance map of {focal} and the benchmark streets",
            "groups_heading": "Groups within {focal}",
            "groups_text": (
                "{tables} compare the construct scores of the groups within the focal street: Welch's [-@welch1947] "
                "t test with Hedges' [-@hedges1981] g for two groups, Welch's [-@welch1951] ANOVA with η² for "
                "more; p values are Holm-corrected [@holm1979] within each grouping."
            ),
            "group": "Group",
            "p_holm": "p (Holm)",
            "groups_caption": (
                "Construct scores (M) by {grouping}, with Welch's test of each construct (t and Hedges' g for two "
                "groups, F and η² for more)"
            ),
            "test": {"welch_t": "t", "welch_anova": "F"},
        },
        # ---- the questionnaire as fielded (appendix) and the conceptual model (figure)
        "questionnaire": {
            "intro": "Please answer according to your own situation and views.",
            "question": "{number}. {text}",
            "option": "({number}) {text}",
            "answer_unit": "{blank} {unit}",
            "option_gap": "\u2003",  # an em space between the options of one question
            "scale": "Answer scale for {questions}: {points}.",
            "scale_point": "{point} = {label}",
            "scale_join": "; ",
            "row": "{question}.{row}",
            "notes_heading": "Notes for the examiner",
            "notes_source": "Generated from the instrument file ({source}): the questions, their wording, "
            "numbering and order as fielded.",
            "notes_construct": "{name} ({code}): {rows}.",
            "notes_constructs": "Statements by construct:",
            "notes_reverse": "Reverse-keyed statements, rescored as max + min − x before analysis: {rows}.",
            "notes_check": "Attention check {row}: the expected answer is “{label}” ({point}).",
            "notes_personal": (
                "{questions} asked for optional personal data, which is dropped at ingest and never analysed."
            ),
            "question_numbers": ("Question {numbers}", "Questions {numbers}"),
        },
        "conceptual_note": "Hypothesised paths, drawn before estimation; (+) positive, (−) negative expected effect.",
    },
    "zh": {
        "reasons": {
            "duplicate_id": "重复提交：同一答题者标识",
            "duplicate_ip": "重复提交：同一IP且答案完全相同",
            "duplicate_window": "重复提交：时间窗内答案完全相同",
            "out_of_range": "答案超出量表范围",
            "missing_share": "未答题项过多",
            "speeder": "作答时间过短",
            "attention_check": "未通过注意力检测题",
            "straightlining": "连续相同作答（longstring）",
            "irv": "作答变异过小（IRV）",
            "mahalanobis": "多元离群值（马氏距离D²）",
            "evenodd": "作答前后不一致（奇偶一致性）",
            "incomplete": "题项有缺失（列删除）",
        },
        "rule_notes": {
            "no_respondent_id": "导出文件中没有答题者标识",
            "no_ip": "导出文件中没有IP列",
            "no_submission_times": "导出文件中没有提交时间",
            "no_completion_times": "导出文件中没有作答时长",
            "no_attention_check": "问卷没有注意力检测题",
            "attention_check_absent": "导出文件中没有注意力检测题一列",
            "too_few_records": "问卷份数太少，无法计算题项协方差矩阵",
            "one_construct": "需要两个及以上构念",
        },
        "flow": {
            "raw": "导出文件中的问卷",
            "screened": "筛查后的问卷",
            "analysed": "纳入分析",
            "excluded": "剔除",
            "not_applied": "未能执行：{rules}。",
            "off": "配置中未启用：{rules}。",
            "line": "{label}：{n}",
            "flagged": "（共标记 {n}）",
            "note": "每份剔除的问卷只按最先触发的规则（按所列顺序）计数一次。",
        },
        "figures": {
            "axis": "受访者百分比",
            "reverse_note": "(R) 反向计分题，按原始作答显示（未反向）。",
            "n": "n",
            "path_note": "标准化系数。* p < 0.05，** p < 0.01，*** p < 0.001。虚线：不显著（p ≥ {alpha}）。",
        },
        "comparison_figures": {
            "focal": "{street}（参照）",
            "latent_axis": "潜变量均值 − {street}（标准差单位）",
            "importance_axis": "重要性：对 {outcome} 的总效应（非标准化）",
            "performance_axis": "绩效（0–100）",
        },
        "forest": {
            "axis": "效应（非标准化）及 {level:.0%} Bootstrap 置信区间",
            "perc": "百分位 CI",
            "bc": "偏差校正 CI",
            "total": "总效应",
        },
        "subtitle": "实证研究章节",
        "none": "无",
        "count": lambda n, one, many: _count_zh(n, one),
        "number": lambda n: _number_zh(n),
        "join": lambda parts: "、".join(parts),
        "construct_word": ("个构念", "个构念"),
        "item_word": ("个题项", "个题项"),
        "column_word": ("列", "列"),
        "effect_word": ("个效应", "个效应"),
        "dash": "—",
        "sentence_join": "",
        "leading_zero": True,  # 中文学位论文通常保留前导零：0.782
        # ---- 理论与研究假设（report/hypotheses.py）
        "hypotheses": {
            "positive": "正向",
            "negative": "负向",
            "path": "{predictor}对{outcome}具有{direction}影响。",
            "indirect": "{predictor}通过{mediators}对{outcome}产生{direction}间接影响。",
            "serial": "{predictor}依次通过{mediators}对{outcome}产生{direction}间接影响。",
            "through_join": "和",
            "theory_entry": "**{name}**\n\n{text}",
            "lead": "基于上述理论，本章提出以下研究假设，假设路径见[@fig-conceptual]。",
            "line": "**{id}**：{text}",
            "rule": "假设的判定规则如下：路径假设在标准化系数β的符号与假设方向一致且p < {alpha}时得到支持；"
            "间接效应假设在其{level}%置信区间整体位于零的假设方向一侧时得到支持。",
            "all_supported": "{n}项假设均得到支持（见[@tbl-hypotheses]）。",
            "none_supported": "{n}项假设均未得到支持（见[@tbl-hypotheses]）。",
            "some_supported": "在{n}项假设中，{n_supported}项得到支持（{supported}），其余假设未得到支持"
            "（{rejected}），各项检验结果见[@tbl-hypotheses]。",
            "columns": ["假设", "路径", "效应值", "{level}%置信区间", "p", "结论"],
            "verdict": {True: "支持", False: "不支持"},
            "caption": "假设检验结果汇总表",
            "table_note": "注：路径假设的效应值为标准化系数β，间接效应假设的效应值为非标准化路径系数的乘积；{ci}。",
            "ci_bootstrap": "置信区间为Bootstrap百分位置信区间，间接效应仅依据置信区间判定，不报告p值",
            "ci_delta": "置信区间由Delta法求得",
        },
        "synthetic": (
            "> **模拟数据。** 本章分析的问卷数据由已记录的总体模型（src/govsurvey/synthetic/population.py）随机生成，"
            "并非对{street}的真实调查。文中数字用于展示分析流程，不代表{street}的实际情况。\n"
        ),
        "synthetic_limitation": "最重要的是，本章数据为模拟数据：它们由流程作者设定路径的总体模型生成，结果只能印证该模型，不能说明{street}的实际情况。\n",
        "aim_default": "本章分析{place}的{survey}。",
        "place": "{street}（{city}）",
        "place_no_city": "{street}",
        "constructs_by_role": "问卷测量{n}个构念：{groups}。",
        "constructs_plain": "问卷测量{n}个构念：{constructs}。",
        "role_group": "{n}个{role_name}——{constructs}",
        "construct_named": "{name}（{code}）",
        "model_structural": "结构方程模型将它们联系起来：{relations}。",
        "relation": "{outcome} 对 {predictors} 回归",
        "model_cfa": "验证性因子分析检验各题项对构念的测量效果；模型文件未设定构念之间的结构路径。",
        "scale_sentence": (
            "问卷以 {n_items}测量 {n_constructs}，采用{points}点量表（{min} = {min_label}，{max} = {max_label}），"
            "见 {tables}。"
        ),
        "list_verb": ("", ""),
        "reverse_sentence": "其中{items}在分析前已按 最大值 + 最小值 − x 重新计分。",
        "reverse_word": ("道反向题", "道反向题"),
        "checks_sentence": "另设{checks}检测作答注意力。",
        "check_word": ("道指令题", "道指令题"),
        "no_checks_sentence": "问卷未设注意力检测题。",
        "items_caption_role": "{role}的测量题项（(R) 为反向题，按 最大值 + 最小值 − x 重新计分）",
        "items_caption_all": "测量题项（(R) 为反向题，按 最大值 + 最小值 − x 重新计分）",
        "items_columns": ["题项", "构念", "表述"],
        "fieldwork": {
            "target_population": "调查对象：{}。",
            "sampling": "抽样方式：{}。",
            "mode": "调查方式：{}。",
            "dates": "调查时间为 {start} 至 {end}。",
        },
        "screening_paragraph": (
            "原始导出文件共 {n_raw} 份问卷，导入时删除了 {personal}含个人信息的列{were}。筛查共剔除 {n_excluded} 份，保留 "
            "{n_kept} 份（{pct}%）用于分析（@fig-flow，@tbl-screening）。每份问卷的去留及剔除原因均记录在筛查台账中；"
            "每份剔除问卷只按其触发的第一条规则计数一次，台账同时记录了触发的其他规则。"
        ),
        "were": ("", ""),
        "not_applied": "因缺少所需数据而未能执行的规则：{rules}。",
        "absent_columns": "导出文件中没有 {columns} 一列；{what}。",
        "missing_listwise": (
            "在通过其他各项规则的 {n} 份问卷中，{items}存在缺失（单题缺失比例最高为 {pct}%，见附录 @tbl-missingness）；"
            "有任一题项缺失的受访者未纳入模型分析（列删除）。"
        ),
        "missing_kept": (
            "在通过其他各项规则的 {n} 份问卷中，{items}存在缺失（单题缺失比例最高为 {pct}%，见附录 @tbl-missingness）；"
            "模型只使用完整作答的样本。"
        ),
        "missing_none": "通过其他各项规则的 {n} 份问卷均无缺失（见附录 @tbl-missingness）。",
        "missingness_caption": "通过其他各项规则的问卷中各题项的缺失情况（列删除之前）",
        "missingness_columns": ["题项", "n", "缺失", "%"],
        "screening_caption": "原始问卷的筛查（每份剔除问卷按其首要原因计一次）",
        "screening_columns": ["步骤", "份数"],
        "screening_raw": "原始问卷",
        "screening_kept": "有效问卷",
        "reason_sources": {
            "straightlining": "[@meade2012; @curran2016]",
            "irv": "[@dunn2018]",
            "mahalanobis": "[@mahalanobis1936; @meade2012]",
            "evenodd": "[@meade2012; @curran2016]",
        },
        "demographics_caption": "样本基本情况（n = {n}）",
        "demographics_columns": ["特征", "类别", "人数", "%"],
        "demographics_missing": "未作答",
        "demographics_numeric": "M = {mean}，SD = {sd}，范围 {min}–{max}",
        "descriptives_caption": "题项与构念得分的描述性统计（反向题已重新计分）",
        "descriptives_columns": ["变量", "n", "均值", "标准差", "偏度", "峰度"],
        "cfa_constructs": ("个构念", "个相关构念"),
        "reliability_caption": (
            "信度与收敛效度：α[@cronbach1951]及 Feldt 法[@feldt1965]{level}% CI；ω[@mcdonald1999]同 semTools "
            "compRelSEM[@jorgensen2022]；AVE 同 semTools AVE()；CR 与 AVE (F–L) 依 Fornell & Larcker[@fornell1981]"
            "由标准化载荷计算；λmin 为最小标准化载荷"
        ),
        "reliability_columns": ["构念", "题项数", "α [{level}% CI]", "ω", "AVE", FL.format("CR"), FL.format("AVE"), "λmin"],
        "item_analysis_caption": "题项分析（验证性因子分析标准化载荷、R²、校正的题项—总分相关、删除该题后的 α）",
        "item_analysis_columns": ["题项", "λ", "R²", "题总相关 r", "删除后 α"],
        "fornell_larcker_caption": "Fornell–Larcker 检验（对角线加粗为由标准化载荷计算的 √AVE (F–L)，下三角为潜变量相关）",
        "htmt_caption": "异质—单质比率[@henseler2015]（HTMT2[@roemer2021]，几何平均，同 semTools 0.5-6 htmt()；临界值0.85）",
        "efa_caption": "探索性因子分析（极大似然提取，promax 斜交旋转；省略小于 0.30 的载荷；h² 为共同度）",
        "efa_columns": ["题项", "h²"],
        "mi_caption": "测量模型中最大的十个修正指数",
        "mi_columns": ["参数", "MI", "EPC", "SEPC (std.all)"],
        "harman_verdict": {True: "低于 50%，单一因子并不占主导", False: "高于 50%，提示存在共同方法偏差"},
        "fit_columns": ["指标", "数值", "Hu & Bentler[@hu1999]", "宽松标准"],
        "cfa_fit_caption": "测量模型（验证性因子分析）的拟合",
        "sem_fit_caption": "结构模型的拟合",
        "paths_caption": "结构路径（极大似然估计；β 为标准化系数 std.all）",
        "paths_columns": ["路径", "B", "SE", "β", "p"],
        "paths_ci_bootstrap": "β 的 {level}% CI（Bootstrap）",
        "paths_ci_delta": "β 的 95% CI（Delta 法）",
        "r2_caption": "内生构念被解释的方差（R²）",
        "r2_columns": ["构念", "R²"],
        "r2_text": "模型对 {first_code} 方差的解释比例 R² = {first}{rest}",
        "r2_more": "{code} 为 {value}",
        "indirect_caption": (
            "模型文件中定义的间接效应与总效应：估计值、标准化估计值、Bootstrap 标准误、百分位与偏差校正（BC）"
            "{level}%置信区间[@efron1993]（{draws}次抽样中{admissible}次可接受）"
        ),
        "indirect_columns": ["效应", "估计值", "β", "Boot SE", "百分位 CI", "BC CI"],
        "indirect_delta_caption": "模型文件中定义的间接效应与总效应：估计值、标准化估计值、Delta 法[@sobel1982]标准误与95%置信区间（未做 Bootstrap）",
        "indirect_delta_columns": ["效应", "估计值", "β", "SE", "p", "95% CI"],
        "params_caption": "全部模型参数（lavaan 记法）",
        "params_columns": ["lhs", "op", "rhs", "标签", "估计值", "SE", "z", "p", "std.all"],
        "admissible": "未发现不可接受的估计值",
        "discussion_target": "**{name}（{code}）。** ",
        "sig_sentence": (
            "{cause}（{cause_code}）对 {code} 有{size}的显著{sign}影响（β = {beta}，p {p}）："
            "对 {cause_code} 评价越高的受访者，{code} 的得分越{direction}。"
        ),
        "ns_sentence": "{cause}（{cause_code}）的路径不显著（β = {beta}，p {p}），数据不支持它对 {code} 的影响。",
        "size": {"strong": "较强", "moderate": "中等", "weak": "较弱"},
        "sign": {True: "正向", False: "负向"},
        "direction": {True: "高", False: "低"},
        "optimisation_intro": (
            "**优化路径。** 按对 {outcome} 的标准化总效应（直接效应与间接效应之和）排序，"
            "存在显著路径链通向 {outcome} 的构念提示了以下优化方向："
        ),
        "optimisation_supported": "1. {name}（{code}；对 {outcome} 的总效应 {total}）：{implication}。",
        "optimisation_unsupported": "1. {name}（{code}；总效应 {total}）：没有显著路径链通向 {outcome}，证据不支持将其列为重点。",
        "measurement_discussion": (
            "模型未设定结构路径，本章的证据来自测量模型：其拟合在 @tbl-cfa-fit 中满足 Hu 与 Bentler[@hu1999]"
            "{judged}项临界值中的{met}项；Cronbach's α 介于 {alpha_min} 与 {alpha_max} 之间，{n} 个构念中有 "
            "{fl_pass} 个的 AVE 平方根大于其与其他构念的相关。"
        ),
        "provenance_caption": "原始数据来源",
        "provenance_columns": ["项目", "内容"],
        "provenance_rows": {
            "file": "文件",
            "sha256": "SHA-256",
            "format": "格式",
            "reader": "读取方式与编码",
            "rows": "读取的行 × 列",
            "personal": "删除的个人信息列",
            "hashed": "仅以加盐哈希保留的标识",
            "missing": "缺失答案（按原因）",
            "unmatched": "未匹配任何题目的列（未纳入）",
            "out_of_scale": "按缺失处理的超出量表的答案",
        },
        "versions_caption": "所用软件",
        "versions_columns": ["软件", "版本"],
        "path_word": ("条路径", "条路径"),
        "comparison": {
            "streets_name": "各街道",
            "step": {"configural": "形态", "metric": "弱（载荷）", "scalar": "强（截距）", "strict": "严格（残差）"},
            "holds": {True: "成立", False: "不成立"},
            "partial_mark": "（部分）",
            "held": "{steps}等值成立",
            "partial": "（部分等值，释放了 {parameters}）",
            "failed": "；{steps}等值不成立",
            "verdict": "{comparison}之间，{text}。",
            "intro": "本节将{focal}（n = {n_focal}）与{benchmarks}进行比较，并在{focal}内部按{groupings}比较各组。",
            "left_out": "按{comparison}比较时，以下各组因人数过少未纳入：{groups}。",
            "invariance_heading": "测量等值性",
            "invariance_intro": (
                "只有当题项在各组中以相同方式测量构念——载荷相等（弱等值）、截距相等（强等值）——时，才能比较潜变量均值和路径"
                "（@tbl-invariance）。若 CFI 下降不超过 0.01 且 RMSEA 上升不超过 0.015，则该步等值成立[@cheung2002; @chen2007]；"
                "不成立时，依次释放得分检验最大的约束（部分等值[@byrne1989]）。"
            ),
            "invariance_columns": ["比较", "模型", "χ²", "df", "CFI", "RMSEA", "ΔCFI", "ΔRMSEA", "Δχ²", "Δdf", "p", "结论"],
            "invariance_caption": "测量模型的测量等值性检验（极大似然；每一步与前一步比较）",
            "latent_heading": "潜变量均值",
            "latent_intro": "在（部分）强等值下，以{focal}为参照（其均值固定为零）估计各对标街道的潜变量均值（@tbl-latent-means，@fig-latent-means）。",
            "latent_street": "{street}在 {higher} 上显著更高，在 {lower} 上显著更低。",
            "no_latent_means": "强等值不成立，因此不比较潜变量均值。",
            "latent_columns": ["{street}：差值 [95% CI]", "{street}：d"],
            "latent_caption": "与{street}的潜变量均值差异（强等值模型；d 为以{street}潜变量标准差为单位的差值；* p < 0.05，** p < 0.01，*** p < 0.001）",
            "latent_figure": "各对标街道相对于{street}的潜变量均值（标准化，含 95% 置信区间）",
            "scores_heading": "构念得分",
            "scores_text": "@tbl-scores-streets 给出各街道的构念平均得分（星号：与量表中点差异显著，单样本 t 检验，Holm 校正），以及各街道均值相等的 Welch 检验[@welch1951]（对各构念做 Holm 校正[@holm1979]）。",
            "construct": "构念",
            "welch_anova": "Welch F (df)，p",
            "scores_caption": "各街道构念得分，M (SD)；* 表示与中点 {midpoint} 差异显著 p < 0.05（Holm）",
            "paths_heading": "各街道的结构路径",
            "paths_text": "在各街道载荷相等（弱等值）的前提下，{total} 条结构路径中有 {n}在街道之间存在差异（Wald 检验，p < 0.05）：{paths}（@tbl-paths-streets）。",
            "path": "路径",
            "wald": "Wald χ² (df)，p",
            "d_chisq": "Δχ² (df)，p",
            "paths_caption": "各街道的标准化路径系数（β）及其跨街道相等性检验",
            "ipma_heading": "重要性—绩效分析",
            "ipma_text": "重要性—绩效图（@fig-ipma，@tbl-ipma）将各构念对 {outcome} 的总效应与其绩效（0–100 分制的平均得分）对照。在较重要的一半构念中，{focal}落后最佳对标街道最多的是：{constructs}。",
            "ipma_item": "{code}（重要性 {importance}；绩效 {performance}，落后 {gap} 分）",
            "importance": "重要性",
            "importance_std": "重要性（标准化）",
            "gap": "差距",
            "ipma_caption": "各街道的重要性（对 {outcome} 的总效应，非标准化与标准化）与绩效（0–100）；差距为最佳对标街道与本街道的绩效之差",
            "ipma_figure": "{focal}与各对标街道的重要性—绩效图",
            "groups_heading": "{focal}内部的群体比较",
            "groups_text": (
                "{tables} 比较本街道内部各群体的构念得分：两组用 Welch t 检验[@welch1947]并报告 Hedges' g[@hedges1981]，"
                "多组用 Welch 方差分析[@welch1951]并报告 η²；p 值在每种分组内做 Holm 校正[@holm1979]。"
            ),
            "group": "组别",
            "p_holm": "p (Holm)",
            "groups_caption": "按{grouping}分组的构念得分（M）及各构念的 Welch 检验（两组为 t 与 Hedges' g，多组为 F 与 η²）",
            "test": {"welch_t": "t", "welch_anova": "F"},
        },
        "questionnaire": {
            "intro": "请根据您的实际情况和真实想法作答。",
            "question": "{number}、{text}",
            "option": "（{number}）{text}",
            "answer_unit": "{blank}{unit}",
            "option_gap": "\u3000",  # 全角空格 between the options of one question
            "scale": "{questions}的答题选项：{points}。",
            "scale_point": "{point} = {label}",
            "scale_join": "；",
            "row": "{question}.{row}",
            "notes_heading": "附注（供评阅）",
            "notes_source": "本问卷由问卷定义文件（{source}）生成，题目、表述、题号与题序同实际发放的问卷。",
            "notes_construct": "{name}（{code}）：{rows}。",
            "notes_constructs": "各构念的题项：",
            "notes_reverse": "反向计分题（分析前按 最大值 + 最小值 − x 重新计分）：{rows}。",
            "notes_check": "注意力检测题{row}：应选“{label}”（{point}）。",
            "notes_personal": "{questions}为选填的个人信息，导入时即删除，不进入分析。",
            "question_numbers": ("第{numbers}题", "第{numbers}题"),
        },
        "conceptual_note": "假设路径（估计之前绘制）；（+）为预期正向影响，（−）为预期负向影响。",
    },
}


_NUMBERS_EN = ("no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
_NUMBERS_ZH = "零一二三四五六七八九十"


def _number_en(n):
    return _NUMBERS_EN[n] if 0 < n < len(_NUMBERS_EN) else str(n)


def _number_zh(n):
    return _NUMBERS_ZH[n] if 0 <= n <= 10 else str(n)


def _count_en(n, one, many):
    """'no items', 'one item', 'four items', '32 items' (words below ten, as APA style asks)."""
    return f"{_NUMBERS_EN[0]} {many}" if n == 0 else f"{_number_en(n)} {one if n == 1 else many}"


def _count_zh(n, word):
    """'没有题项', '四个构念', '32个题项': `word` carries its measure word (个, 道, 列 …)."""
    return f"没有{word.lstrip('个道')}" if n == 0 else f"{_number_zh(n)}{word}"


def _join_en(parts):
    """'a', 'a and b', 'a, b and c'."""
    parts = list(parts)
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1] if parts else ""


def effect_label(name, language="en"):
    """'ind_OB_PL_GS' -> 'OB → PL → GS'; 'total_PL_GS' -> 'Total PL → GS'; others unchanged."""
    kind, _, chain = str(name).partition("_")
    if kind in ("ind", "total") and chain:
        arrow = " → ".join(chain.split("_"))
        return f"{words(language)['forest']['total']} {arrow}" if kind == "total" else arrow
    return str(name)


def words(language):
    """The display words of one language; InputError naming the supported ones otherwise."""
    if language not in WORDS:
        raise InputError("language", f"'{language}' is not a supported language.",
                         f"use one of: {', '.join(LANGUAGES)} (report.language in config.yaml).")
    return WORDS[language]
