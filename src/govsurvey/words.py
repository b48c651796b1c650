"""Every display word the pipeline generates, in English and Chinese, keyed by codes.

The chapter's prose lives in report/chapter.qmd (en) and report/chapter.zh.qmd (zh); what the
pipeline generates (screening reasons, figure labels, table headers, captions, discussion
sentences) takes its words from here: `words(language)` gives one language's table. Nothing
elsewhere translates; modules pass codes (a screening reason, a rule's note) and look them up.
"""

from govsurvey.errors import InputError

LANGUAGES = ("en", "zh")

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
        "forest": {
            "axis": "Effect (unstandardized) with {level:.0%} bootstrap CI",
            "perc": "Percentile CI",
            "bc": "Bias-corrected CI",
            "total": "Total",
        },
        "roles": {"cause": "cause", "problem": "problem", "outcome": "outcome"},
        "synthetic": (
            "> **Synthetic data.** The responses analysed in this chapter were simulated from a "
            "documented population model (src/govsurvey/simulate.py); they are not a real survey of "
            "{street}. The numbers show how the pipeline works, not facts about the street.\n"
        ),
        "synthetic_limitation": (
            "Above all, the data are synthetic: they were simulated from a population model whose paths were "
            "set by the authors of the pipeline, so the results confirm that model, not the situation in the street.\n"
        ),
        "none": "none",
        "count_phrase": lambda n, one, many: f"no {many}" if n == 0 else f"{n} {one if n == 1 else many}",
        "construct_word": ("construct", "constructs"),
        "item_word": ("item", "items"),
        "missingness_caption": "Item non-response among the records that passed every other rule (before listwise deletion)",
        "missingness_columns": ["Item", "n", "Missing", "%"],
        # tables
        "items_caption": "{group} ((R) = reverse-keyed, recoded max + min − x)",
        "items_groups": {"cause": "Items of the four causes", "problem": "Items of the three problems and the outcome"},
        "items_columns": ["Item", "Construct", "Wording"],
        "screening_caption": "Screening of the raw records (each exclusion counted once, by its first reason)",
        "screening_columns": ["Step", "n"],
        "screening_raw": "Raw records",
        "screening_kept": "Analysed",
        "demographics_caption": "Sample profile (n = {n})",
        "demographics_columns": ["Characteristic", "Category", "n", "%"],
        "demographics_missing": "Not answered",
        "descriptives_caption": "Descriptive statistics of the items and construct scores (reverse-keyed items recoded)",
        "descriptives_columns": ["Variable", "n", "M", "SD", "Skewness", "Kurtosis"],
        "reliability_caption": (
            "Reliability and convergent validity (α with Feldt's 95% CI; ω as semTools compRelSEM; "
            "CR and AVE after Fornell & Larcker, 1981; λmin the smallest standardized loading)"
        ),
        "reliability_columns": ["Construct", "Items", "α [95% CI]", "ω", "CR", "AVE", "λmin"],
        "item_analysis_caption": "Item analysis (standardized CFA loading, R², corrected item–total r, α if the item is deleted)",
        "item_analysis_columns": ["Item", "λ", "R²", "r (item–total)", "α if deleted"],
        "fornell_larcker_caption": "Fornell–Larcker criterion (√AVE in bold on the diagonal, latent correlations below)",
        "htmt_caption": "Heterotrait–monotrait ratios (HTMT2, geometric means, as semTools 0.5-6 htmt(); threshold .85)",
        "efa_caption": "Exploratory factor analysis (ML, promax; loadings below .30 omitted; h² communality)",
        "efa_columns": ["Item", "h²"],
        "mi_caption": "The ten largest modification indices of the measurement model",
        "mi_columns": ["Parameter", "MI", "EPC", "SEPC (std.all)"],
        "harman_verdict": {
            True: "below 50%, so a single factor does not dominate",
            False: "above 50%, a sign of common-method variance",
        },
        "fit_columns": ["Index", "Value", "Hu & Bentler (1999)", "Lenient convention"],
        "cfa_fit_caption": "Fit of the measurement model (CFA)",
        "sem_fit_caption": "Fit of the structural model",
        "paths_caption": "Structural paths (ML; β is the standardized estimate, std.all)",
        "paths_columns": ["Path", "B", "SE", "β", "p", "β 95% CI (bootstrap)"],
        "r2_caption": "Variance explained (R²) of the endogenous constructs",
        "r2_columns": ["Construct", "R²"],
        "indirect_caption": (
            "Indirect and total effects defined in the model file: estimate, standardized estimate, "
            "bootstrap SE, percentile and bias-corrected (BC) CIs ({admissible} admissible of {draws} draws)"
        ),
        "indirect_columns": ["Effect", "Estimate", "β", "Boot SE", "Percentile CI", "BC CI"],
        "effect_word": ("effect", "effects"),
        "params_caption": "All model parameters (lavaan notation)",
        "params_columns": ["lhs", "op", "rhs", "Label", "Estimate", "SE", "z", "p", "std.all"],
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
        "lenient_chisq_df": "< 3 (< 5 acceptable)",
        # discussion
        "discussion_target": "**{name} ({code}).** ",
        "sig_sentence": (
            "{cause} ({cause_code}) has a {size}, significant {sign} effect (β = {beta}, p {p}): residents who "
            "rate {cause_code} higher report {direction} {code}."
        ),
        "ns_sentence": (
            "The path from {cause} ({cause_code}) is not significant (β = {beta}, p {p}); these data give "
            "no support to it as a cause of weak {code}."
        ),
        "size": {"strong": "strong", "moderate": "moderate", "weak": "weak"},
        "sign": {True: "positive", False: "negative"},
        "direction": {True: "higher", False: "lower"},
        "admissible": "no inadmissible estimates were found",
        "optimisation_intro": (
            "**Optimisation paths.** Ranked by their total standardized effect on {outcome} (direct and "
            "through the problems), the causes with a chain of significant paths to {outcome} point to "
            "these priorities:"
        ),
        "optimisation_supported": "1. {name} ({code}; total effect on {outcome} {total}): {implication}.",
        "optimisation_unsupported": (
            "1. {name} ({code}; total effect {total}): no chain of significant paths reaches {outcome}, so the "
            "evidence does not single it out."
        ),
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
            "path_note": "标准化系数。* p < .05，** p < .01，*** p < .001。虚线：不显著（p ≥ {alpha}）。",
        },
        "forest": {
            "axis": "效应（非标准化）及 {level:.0%} Bootstrap 置信区间",
            "perc": "百分位 CI",
            "bc": "偏差校正 CI",
            "total": "总效应",
        },
        "roles": {"cause": "成因", "problem": "问题", "outcome": "结果"},
        "synthetic": (
            "> **模拟数据。** 本章分析的问卷数据由已记录的总体模型（src/govsurvey/simulate.py）随机生成，"
            "并非对{street}的真实调查。文中数字用于展示分析流程，不代表该街道的实际情况。\n"
        ),
        "synthetic_limitation": "最重要的是，本章数据为模拟数据：它们由流程作者设定路径的总体模型生成，结果只能印证该模型，不能说明街道的实际情况。\n",
        "none": "无",
        "count_phrase": lambda n, one, many: f"没有{many}" if n == 0 else f"{n}个{one}",
        "construct_word": ("构念", "构念"),
        "item_word": ("题项", "题项"),
        "missingness_caption": "通过其他各项规则的问卷中各题项的缺失情况（列删除之前）",
        "missingness_columns": ["题项", "n", "缺失", "%"],
        "items_caption": "{group}（(R) 为反向题，按 最大值 + 最小值 − x 重新计分）",
        "items_groups": {"cause": "四个成因的测量题项", "problem": "三个问题及治理成效的测量题项"},
        "items_columns": ["题项", "构念", "表述"],
        "screening_caption": "原始问卷的筛查（每份剔除问卷按其首要原因计一次）",
        "screening_columns": ["步骤", "份数"],
        "screening_raw": "原始问卷",
        "screening_kept": "有效问卷",
        "demographics_caption": "样本基本情况（n = {n}）",
        "demographics_columns": ["特征", "类别", "人数", "%"],
        "demographics_missing": "未作答",
        "descriptives_caption": "题项与构念得分的描述性统计（反向题已重新计分）",
        "descriptives_columns": ["变量", "n", "均值", "标准差", "偏度", "峰度"],
        "reliability_caption": (
            "信度与收敛效度（α 及 Feldt 法 95% CI；ω 同 semTools compRelSEM；CR 与 AVE 依 Fornell & Larcker, 1981；"
            "λmin 为最小标准化载荷）"
        ),
        "reliability_columns": ["构念", "题项数", "α [95% CI]", "ω", "CR", "AVE", "λmin"],
        "item_analysis_caption": "题项分析（验证性因子分析标准化载荷、R²、校正的题项—总分相关、删除该题后的 α）",
        "item_analysis_columns": ["题项", "λ", "R²", "题总相关 r", "删除后 α"],
        "fornell_larcker_caption": "Fornell–Larcker 检验（对角线加粗为 √AVE，下三角为潜变量相关）",
        "htmt_caption": "异质—单质比率（HTMT2，几何平均，同 semTools 0.5-6 htmt()；临界值 .85）",
        "efa_caption": "探索性因子分析（极大似然提取，promax 斜交旋转；省略小于 .30 的载荷；h² 为共同度）",
        "efa_columns": ["题项", "h²"],
        "mi_caption": "测量模型中最大的十个修正指数",
        "mi_columns": ["参数", "MI", "EPC", "SEPC (std.all)"],
        "harman_verdict": {True: "低于 50%，单一因子并不占主导", False: "高于 50%，提示存在共同方法偏差"},
        "fit_columns": ["指标", "数值", "Hu & Bentler (1999)", "宽松标准"],
        "cfa_fit_caption": "测量模型（验证性因子分析）的拟合",
        "sem_fit_caption": "结构模型的拟合",
        "paths_caption": "结构路径（极大似然估计；β 为标准化系数 std.all）",
        "paths_columns": ["路径", "B", "SE", "β", "p", "β 的 95% CI（Bootstrap）"],
        "r2_caption": "内生构念被解释的方差（R²）",
        "r2_columns": ["构念", "R²"],
        "indirect_caption": (
            "模型文件中定义的间接效应与总效应：估计值、标准化估计值、Bootstrap 标准误、百分位与偏差校正（BC）"
            "置信区间（{draws} 次抽样中 {admissible} 次可接受）"
        ),
        "indirect_columns": ["效应", "估计值", "β", "Boot SE", "百分位 CI", "BC CI"],
        "effect_word": ("效应", "效应"),
        "params_caption": "全部模型参数（lavaan 记法）",
        "params_columns": ["lhs", "op", "rhs", "标签", "估计值", "SE", "z", "p", "std.all"],
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
        "lenient_chisq_df": "< 3（< 5 可接受）",
        "discussion_target": "**{name}（{code}）。** ",
        "sig_sentence": (
            "{cause}（{cause_code}）对 {code} 有{size}的显著{sign}影响（β = {beta}，p {p}）："
            "对 {cause_code} 评价越高的居民，{code} 的得分越{direction}。"
        ),
        "ns_sentence": (
            "{cause}（{cause_code}）的路径不显著（β = {beta}，p {p}），数据不支持它是 {code} 薄弱的成因。"
        ),
        "size": {"strong": "较强", "moderate": "中等", "weak": "较弱"},
        "sign": {True: "正向", False: "负向"},
        "direction": {True: "高", False: "低"},
        "admissible": "未发现不可接受的估计值",
        "optimisation_intro": (
            "**优化路径。** 按对 {outcome} 的标准化总效应（直接效应与经由各问题的间接效应之和）排序，"
            "存在显著路径链通向 {outcome} 的成因提示了以下优化方向："
        ),
        "optimisation_supported": "1. {name}（{code}；对 {outcome} 的总效应 {total}）：{implication}。",
        "optimisation_unsupported": "1. {name}（{code}；总效应 {total}）：没有显著路径链通向 {outcome}，证据不支持将其列为重点。",
    },
}


def words(language):
    """The display words of one language; InputError naming the supported ones otherwise."""
    if language not in WORDS:
        raise InputError("language", f"'{language}' is not a supported language.",
                         f"use one of: {', '.join(LANGUAGES)} (report.language in config.yaml).")
    return WORDS[language]
