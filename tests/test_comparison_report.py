"""The comparison section's words, from planted results: every sentence follows from the numbers
beside it (what held and why not, Holm-corrected paths, who is compared and who is left out,
empty cases as sentences of their own), in both languages."""

import json
import re

import pandas as pd
import pytest

from conftest import INSTRUMENT_PATH
from govsurvey.formatting import number_style
from govsurvey.report import comparison as report
from govsurvey.report.tables import LINE
from govsurvey.study import load_instrument
from govsurvey.words import words

STREETS = {"m_street": {"name": {"zh": "M街道", "en": "M Street"}},
           "wuhu_road": {"name": {"zh": "芜湖路街道", "en": "Wuhu Road Sub-district"},
                         "short_name": {"zh": "芜湖路", "en": "Wuhu Road"}},
           "wangma": {"name": {"zh": "王马社区", "en": "Wangma Community"}}}
COMMUNITIES = [{"zh": "东风社区", "en": "Dongfeng Community"}, {"zh": "向阳社区", "en": "Xiangyang Community"},
               {"zh": "新立河社区", "en": "Xinlihe Community"}]
GROUPINGS = {
    "party": {"variable": "political_status", "name": {"zh": "党员与群众", "en": "Party members and masses"},
              "groups": [{"name": {"zh": "中共党员", "en": "Party members"}, "options": ["中共党员"]},
                         {"name": {"zh": "群众", "en": "Masses"}, "options": ["群众"]}]},
    "community": {"variable": "community", "name": {"zh": "社区", "en": "communities"}},
}


def step(comparison, name, cfi, rmsea, holds, meets=True, d=None, partial=False, model=None):
    row = dict(comparison=comparison, step=name, model=model or name, partial=partial, chisq=1000.0, df=900,
               cfi=cfi, tli=cfi - 0.01, rmsea=rmsea, srmr=0.05, holds=holds, meets_criteria=meets,
               criteria="" if name == "configural" else "chen2007_small")
    row.update(d or dict(d_chisq=float("nan"), d_df=float("nan"), d_pvalue=float("nan"), d_cfi=float("nan"),
                         d_rmsea=float("nan"), d_srmr=float("nan")))
    return row


def delta(d_cfi, d_rmsea, d_chisq, d_df, p):
    return dict(d_cfi=d_cfi, d_rmsea=d_rmsea, d_chisq=d_chisq, d_df=d_df, d_pvalue=p, d_srmr=0.001)


def planted(tmp_path, scalar_streets=True):
    """Streets: every step holds (or scalar fails); communities: the configural model misfits
    (CFI .906), the metric Δχ²(120) = 151.07, p = .029; Party members against masses."""
    inv = [step("streets", "configural", 0.995, 0.012, True),
           step("streets", "metric", 0.996, 0.011, True, d=delta(0.001, -0.001, 39.22, 48, 0.813)),
           step("streets", "scalar", 0.996, 0.010, scalar_streets, meets=scalar_streets,
                d=delta(-0.02 if not scalar_streets else 0.0, 0.0, 47.97, 48, 0.474)),
           step("party", "configural", 0.975, 0.027, True),
           step("party", "metric", 0.974, 0.028, True, d=delta(-0.001, 0.0, 29.39, 24, 0.206)),
           step("party", "scalar", 0.974, 0.027, True, d=delta(0.0, 0.0, 22.71, 24, 0.537)),
           step("community", "configural", 0.906, 0.055, False),
           step("community", "metric", 0.901, 0.055, False, d=delta(-0.004979, 0.0002, 151.065781, 120, 0.028938)),
           step("community", "scalar", 0.903, 0.054, False, d=delta(0.0015, -0.0016, 110.52, 120, 0.721))]
    means = pd.DataFrame([
        dict(comparison="streets", model="scalar", factor=f, group=g, group_label=s, reference_group="m_street",
             est=est, se=0.05, z=est / 0.05, pvalue=p, ci_lower=est - 0.1, ci_upper=est + 0.1, reference_sd=0.8,
             std_diff=est / 0.8)
        for f, g, s, est, p in (("IN", 2, "wuhu_road", 0.40, 1e-6), ("PW", 2, "wuhu_road", 0.09, 0.136),
                                ("IN", 3, "wangma", 0.36, 1e-5), ("PW", 3, "wangma", 0.22, 0.0003))])
    paths = pd.DataFrame([dict(comparison="streets", lhs=lhs, op="~", rhs=rhs, group=g, group_label=s, est=b, se=0.05,
                               z=b / 0.05, pvalue=0.0012, std_all=b)
                          for lhs, rhs, bs in (("PL", "OB", (0.36, 0.57, 0.45)), ("PW", "PL", (0.40, 0.39, 0.14)),
                                               ("GS", "PL", (0.33, 0.28, 0.37)))
                          for g, (s, b) in enumerate(zip(STREETS, bs), start=1)])
    # raw Wald p .003, .03, .04: Holm over three paths leaves only the first below .05
    equality = pd.DataFrame([dict(comparison="streets", lhs=lhs, op="~", rhs=rhs, wald=w, wald_df=2, wald_pvalue=p,
                                  wald_p_holm=h, d_chisq=w, d_df=2, d_pvalue=p, d_p_holm=h)
                             for lhs, rhs, w, p, h in (("PL", "OB", 7.0, 0.03, 0.06), ("PW", "PL", 11.6, 0.003, 0.009),
                                                       ("GS", "PL", 6.4, 0.04, 0.06))])
    midpoint = pd.DataFrame([dict(comparison="streets", group=s, construct=c, mean=m, sd=0.8, p_holm=p, midpoint=3)
                             for s, values in (("m_street", ((3.2, 0.001), (2.6, 0.001))),
                                               ("wuhu_road", ((3.6, 0.001), (2.7, 0.001))),
                                               ("wangma", ((3.5, 0.001), (2.8, 0.01))))
                             for c, (m, p) in zip(("IN", "PW"), values)])
    differences = pd.DataFrame(
        [dict(comparison="streets", construct="IN", test="welch_anova", statistic=25.4, df1=2, df2=768.1,
              p_holm=1e-6, effect=0.042, groups="m_street / wuhu_road / wangma", n="441/388/348", means="3.2/3.6/3.5"),
         dict(comparison="streets", construct="PW", test="welch_anova", statistic=6.3, df1=2, df2=770.0,
              p_holm=0.002, effect=0.0104, groups="m_street / wuhu_road / wangma", n="441/388/348", means="2.6/2.7/2.8")]
        + [dict(comparison="party", construct=c, test="welch_t", statistic=t, df1=160.2, df2=float("nan"), p_holm=p,
                effect=g, groups="Party members / Masses", n="101/294", means="3.3/3.2")
           for c, t, p, g in (("IN", 1.1, 1.0, 0.14), ("PW", 1.97, 0.403, 0.22))]
        + [dict(comparison="community", construct=c, test="welch_anova", statistic=f, df1=2, df2=200.6, p_holm=p,
                effect=e, groups="Dongfeng Community / Xiangyang Community / Xinlihe Community", n="70/71/87",
                means="3.28/3.33/3.20")
           for c, f, p, e in (("IN", 0.43, 1.0, 0.005), ("PW", 1.04, 1.0, 0.011))])
    ipma = pd.DataFrame([dict(comparison="streets", construct=c, street=s, focal=s == "m_street", importance=i,
                              importance_std=i, performance=p, gap=p - own)
                         for c, own, rows in (("PL", 40.1, ((0.52, 40.1), (0.40, 45.9), (0.55, 46.9))),
                                              ("IN", 56.0, ((0.27, 56.0), (0.20, 64.5), (0.22, 63.8))),
                                              ("PM", 55.0, ((0.07, 55.0), (0.08, 58.4), (0.14, 67.5))))
                         for s, (i, p) in zip(STREETS, rows)])
    tables = {"invariance": pd.DataFrame(inv), "freed": pd.DataFrame(columns=["comparison"]), "latent_means": means,
              "paths": paths, "path_equality": equality, "midpoint": midpoint, "differences": differences,
              "ipma": ipma}
    for name, table in tables.items():
        table.to_csv(tmp_path / f"{name}.csv", index=False)
    summary = {"focal": "m_street", "streets": list(STREETS), "outcome": "GS", "n": {"m_street": 441},
               "left_out": {"streets": {}, "party": {}, "community": {}},
               "not_grouped": {"party": {"Youth League member": 42, "Democratic party member": 4}, "community": {}},
               "comparisons": {
                   "streets": {"ran": True, "n": {"m_street": 441, "wuhu_road": 388, "wangma": 348},
                               "criteria": ["chen2007"], "free_per_group": 124, "few_cases": True},
                   "party": {"ran": True, "n": {"Party members": 101, "Masses": 294}, "criteria": ["chen2007_small"],
                             "free_per_group": 124, "few_cases": True},
                   "community": {"ran": True, "n": {"Dongfeng Community": 70, "Xiangyang Community": 71,
                                                    "Xinlihe Community": 87},
                                 "criteria": ["chen2007_small"], "free_per_group": 124, "few_cases": True}}}
    (tmp_path / "summary.json").write_text(json.dumps(summary), encoding="utf-8")
    return tmp_path


class Files:
    def __init__(self, root):
        self.root = root

    def comparison(self, name):
        return self.root / f"{name}.{'json' if name == 'summary' else 'csv'}"


class Chapter:
    """What the comparison section reads of a chapter."""

    def __init__(self, root, language):
        self.language, self.w = language, words(language)
        self.instrument = load_instrument(INSTRUMENT_PATH)
        self.street = {"communities": COMMUNITIES}
        self.files = Files(root)

    def count(self, n, word):
        one, many = self.w[word]
        return self.w["count"](n, one, many)

    def csv_file(self, path):
        return pd.read_csv(path)

    def json_file(self, path):
        return json.loads(path.read_text(encoding="utf-8"))


# the single-street model: OB → PL .37 (multi-group .36); PL → GS .33*** there, .33** here
SINGLE = pd.DataFrame([dict(lhs="PL", op="~", rhs="OB", std_all=0.37, pvalue=0.001),
                       dict(lhs="PW", op="~", rhs="PL", std_all=0.40, pvalue=0.001),
                       dict(lhs="GS", op="~", rhs="PL", std_all=0.33, pvalue=0.0004)])  # fmt: skip


def section(tmp_path, language, **plant):
    root = planted(tmp_path, **plant)
    cmp = report.Comparison(Chapter(root, language), STREETS, GROUPINGS,
                            {"invariance": {"criteria": "chen2007", "small_group": 300}})
    with number_style(language == "zh"):
        return report.comparison_text(cmp, 0.05, SINGLE)


def prose(text):
    """The section's sentences without its tables."""
    return "\n".join(line for line in text.splitlines() if not line.startswith(("|", ":", "!", "#")))


def test_invariance_holds_only_on_a_configural_model_that_fits(tmp_path):
    text = prose(section(tmp_path, "en"))
    # communities: CFI .906 misses the cut-off, so nothing holds, whatever ΔCFI says
    assert "Across communities, the configural model itself misses the cut-offs (CFI = .906 < .95" in text
    assert "Across communities, configural" not in text and "invariance held" in text  # the streets' verdict
    # Δχ² with its p beside ΔCFI and ΔRMSEA
    assert "metric: ΔCFI = −.005, ΔRMSEA = .000, Δχ²(120) = 151.07, p = .029" in text
    # Chen's criteria, small-sample values named with the comparisons they apply to
    assert "@chen2007" in text and "a CFI drop of .005 with an RMSEA rise of .010" in text
    assert "The small-sample values apply to Party members and masses and communities." in text
    # the warning for fewer than five respondents per free parameter
    assert "fewer than five respondents per free parameter" in text and "communities (n = 70 for 124" in text
    # no "(partial)" when nothing was freed
    assert "partial" not in text.replace("partial invariance", "")


def test_verdicts_are_not_one_sentence_repeated(tmp_path):
    text = prose(section(tmp_path, "zh"))
    verdicts = [s for s in re.split(r"(?<=。)", text) if "等值" in s and "Δχ²" in s]
    assert len(verdicts) == 3
    openings = {re.sub(r"[（(].*", "", v)[:6] for v in verdicts}
    assert len(openings) == 3  # three different sentence patterns
    sentences = [s.strip() for s in re.split(r"(?<=。)", text) if s.strip()]
    assert len(sentences) == len(set(sentences))


def test_latent_means_and_empty_cases_are_sentences(tmp_path):
    en = prose(section(tmp_path, "en"))
    assert "Wuhu Road's latent mean exceeds M Street's on one construct only, IN (d = .50)." in en
    assert "On no construct is Wuhu Road significantly lower." in en
    assert "PW does not differ significantly (d = .11, p = .136)." in en
    assert "Wangma Community's latent means exceed M Street's on all 2 constructs" in en
    assert "Under scalar invariance" in en and "(partial)" not in en
    (tmp_path / "zh").mkdir()
    zh = prose(section(tmp_path / "zh", "zh"))
    assert "无 上" not in zh and "在 无" not in zh
    assert "芜湖路没有任何构念显著低于M街道。" in zh
    assert "芜湖路街道（n = 388）" in zh and "(n = " not in zh  # full-width brackets around n


def test_no_latent_means_when_scalar_invariance_fails(tmp_path):
    text = section(tmp_path, "en", scalar_streets=False)
    assert "Scalar invariance did not hold, so latent means are not compared." in text
    assert "tbl-latent-means}" not in text and "Under scalar invariance" not in text
    # the score comparison then says it compares observed scores only
    assert "As scalar invariance was not established across the streets" in text


def test_paths_use_holm_and_say_how_they_differ_from_the_single_street_model(tmp_path):
    text = prose(section(tmp_path, "en"))
    assert "After Holm's correction over the 3 paths, one differs between the streets" in text
    assert "PL → PW (Holm p = .009; β = M Street .40, Wuhu Road .39 and Wangma Community .14)" in text
    assert "Uncorrected, OB → PL (p = .030) and PL → GS (p = .040) would differ at p < .05." in text
    # the multi-group table against the single-street one: largest printed difference .01 on OB → PL
    assert "multi-group model" in text and "by at most .01 (OB → PL: .37 there, .36 here)" in text
    assert r"With its own standard errors, PL → GS (.33\*\*\* there, .33\*\* here) carries a different number of stars." in text
    (tmp_path / "t").mkdir()
    table = section(tmp_path / "t", "en")
    assert "Wald χ² (df), p (Holm)" in table and "7.00 (2), .060" in table


def test_who_is_compared_and_who_is_left_out(tmp_path):
    en = prose(section(tmp_path, "en"))
    assert "The comparison of Party members and masses sets Party members (n = 101) and Masses (n = 294) side by side." in en
    assert ("Left out of it are 46 respondents who belong to none of these groups: Youth League member (42) and "
            "Democratic party member (4).") in en
    (tmp_path / "zh").mkdir()
    zh = prose(section(tmp_path / "zh", "zh"))
    assert "其余46人不属于其中任何一组，未纳入这一比较：共青团员42人、民主党派4人。" in zh


def test_groups_and_ipma_are_interpreted(tmp_path):
    en = prose(section(tmp_path, "en"))
    assert "Across communities the configural model does not fit, so the measurement is not shown to be equal" in en
    assert "No construct differs across Party members and masses after Holm's correction; the largest difference is on PW" in en
    assert "Nor do the communities differ on any construct once the p values are corrected; PW comes closest" in en
    # the IPMA: PL has above-average importance (.52 > .29) and below-average performance (40.1 < 50.4)
    assert "For M Street, PL falls in that quadrant" in en
    assert "The streets differ on every construct (Holm-corrected p < .05), with small effects" in en
    assert "M Street has the lowest mean of the streets on every construct." in en


def test_the_tables_fit_the_line(tmp_path):
    """Each table's columns, as sized for pandoc, fit the text block, so a verdict or a
    community's name does not wrap a character at a time."""
    text = section(tmp_path, "zh")
    blocks = [b.strip() for b in text.split("\n\n")]
    checked = 0
    for before, block in zip(blocks, blocks[1:]):
        if re.search(r"\{#tbl-(invariance|groups-.*|ipma)\}$", block):  # a caption: the table is the block before
            rule = before.splitlines()[1]
            assert sum(len(cell) for cell in rule.strip("|").split("|")) <= LINE, block
            checked += 1
    assert checked == 4
    assert "| 形态 |" in text and "| 结论 |" not in text
    assert "新立河社区" in text and "df (2, ·)" in text  # one number per cell in the df row


def test_figures_show_construct_names_and_each_street_at_its_own_importance(tmp_path):
    from govsurvey.figures.comparison import ipma_figure, latent_means_figure

    root = planted(tmp_path)
    means = pd.read_csv(root / "latent_means.csv")
    names = {"IN": "Depth of integration of Party building and community governance", "PW": "Willingness"}
    fig = latent_means_figure(means, STREETS, "m_street", "en", tmp_path / "l.png", tmp_path / "l.svg", names)
    ax = fig.axes[0]
    labels = [t.get_text().replace("\n", " ") for t in ax.get_yticklabels()]
    assert labels == [f"{names['IN']} (IN)", "Willingness (PW)"]
    assert ax.get_ylim() == (1.5, -0.5)  # one band per construct, none empty
    table = pd.read_csv(root / "ipma.csv")
    table.attrs["outcome"] = "GS"
    fig = ipma_figure(table, STREETS, "m_street", "en", tmp_path / "i.png", tmp_path / "i.svg")
    assert [ax.get_title() for ax in fig.axes] == ["M Street", "Wuhu Road Sub-district", "Wangma Community"]
    for ax, street in zip(fig.axes, STREETS):
        own = table[table["street"] == street]
        points = ax.collections[-1].get_offsets()  # the street's own importance and performance
        assert sorted(map(tuple, points.tolist())) == sorted(zip(own["importance"], own["performance"]))
        dashed = [line for line in ax.get_lines() if line.get_linestyle() == "--"]
        assert {round(x, 6) for line in dashed for x in line.get_xdata()} >= {round(own["importance"].mean(), 6)}
        assert {round(y, 6) for line in dashed for y in line.get_ydata()} >= {round(own["performance"].mean(), 6)}


def test_a_latent_means_figure_without_means_is_drawn_empty(tmp_path):
    """No latent means (scalar invariance failed): the figure job still makes its files."""
    from govsurvey.figures.comparison import latent_means_figure

    means = pd.read_csv(planted(tmp_path) / "latent_means.csv").iloc[:0]
    latent_means_figure(means, STREETS, "m_street", "zh", tmp_path / "l.png", tmp_path / "l.svg")
    assert (tmp_path / "l.png").stat().st_size > 0


def test_chinese_citations_and_references_follow_punctuation(tmp_path):
    """Pandoc reads `@key` as a citation or cross-reference only at a word's start: after a
    Chinese character it stays literal text ("参照@chen2007")."""
    text = prose(section(tmp_path, "zh"))
    assert not re.search(r"[\u4e00-\u9fffA-Za-z0-9]@", text), re.findall(r".{6}[\u4e00-\u9fffA-Za-z0-9]@.{12}", text)
    assert "Chen[@chen2007]" in text


@pytest.mark.parametrize("language", ["zh", "en"])
def test_the_section_passes_the_proofreading_rules(tmp_path, language):
    """The rules a native reader's faults became (report/proofread.py), on the section's prose:
    no space between a Chinese character and a Latin letter or digit, full-width punctuation,
    no English word that is not a name or a statistic, no sentence twice."""
    from govsurvey.report.proofread import proofread_text, study_names

    text = prose(section(tmp_path, language))
    text = re.sub(r"\[?@[\w:-]+\]?|`[^`]*`", "", text)  # citations and parameter names stay as the markdown has them
    names = study_names([INSTRUMENT_PATH.parents[2] / "report" / "references.bib"],
                        ["IN", "OB", "MS", "PM", "PL", "PW", "RI", "GS", "M", "L"])
    faults = proofread_text([("p", block) for block in text.split("\n") if block.strip()], language, names)
    assert not faults, "\n".join(map(str, faults))
