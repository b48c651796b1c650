"""Synthetic resident surveys drawn from a documented population model, written as Wenjuanxing exports.

The data made here are SYNTHETIC. They let the pipeline be run and tested end to end, and let
later tests check that the measurement and structural models recover known parameters.

Population model (the "known truth"; every latent has variance 1 and, by default, mean 0)
-------------------------------------------------------------------------------------
Exogenous causes IN, OB, MS, PM ~ N(cause_means, CAUSE_CORRELATION), cause_means 0 unless a
PopulationModel names them (the benchmark streets of streets.py do); the endogenous latents'
means follow through the paths, (I - B)^-1 alpha:

          IN    OB    MS    PM
    IN  1.00  0.45  0.35  0.40
    OB  0.45  1.00  0.30  0.35
    MS  0.35  0.30  1.00  0.40
    PM  0.40  0.35  0.40  1.00

Structural paths (standardized; labels as in data/models/governance.lavaan):

    PL ~ 0.35*OB (a1) + 0.30*IN (a2)
    PW ~ 0.35*PM (b1) + 0.30*PL (b2)
    RI ~ 0.30*MS (c1) + 0.20*IN (c2) + 0.25*PL (c3)
    GS ~ 0.30*PL (d1) + 0.25*PW (d2) + 0.35*RI (d3)

Residual variances are derived (`population_residual_variances`) so that every latent has
variance 1; the indirect effects are products of the paths (DEFINED_EFFECTS).

Items: continuous response y* = loading * eta + sqrt(1 - loading^2) * e, e ~ N(0, 1), with the
per-item loadings in LOADINGS (0.65-0.85; reverse-keyed items a little lower, as in real data).
The agreement category is 1 + #{k : y* + CONSTRUCT_SHIFT[construct] > THRESHOLDS[k]}, so the
problem constructs PL, PW, RI (shift -0.45) have item means of about 2.57, the causes (+0.20)
about 3.19 and the outcome GS (+0.30) about 3.29 (`population_item_means` gives them exactly).
Reverse-keyed items are answered reversed: observed = max + min - category.

Respondents: demographics are drawn independently of the latents (DEMOGRAPHIC_WEIGHTS);
durations are log-normal with median 360 s (sigma 0.35, floored at 150 s); submissions fall in
a 14-day fieldwork window from FIELDWORK_START, in the daytime. Names and phones are invented
and mostly left empty; IPs are random addresses with a Shandong place tag.

Planted defects (DEFECT_RATES, about 8% of records; one planted kind per affected record):
speeder (30-90 s, uniform random answers, the check included), straight_liner (one value in
every matrix row, the attention check included; about half choose the check's expected value and
so pass it), random_responder (normal duration, answers the check correctly, uniform random
attitude answers: careless but not fast), duplicate (an extra record copying a clean
respondent's answers, demographics, personal data and IP, submitted 2-30 minutes later, with
its own 序号), duplicate_device (the same, but sent from another device: a fresh IP and source),
attention_fail (the check answered with another value, otherwise normal), item_nonresponse (1-3
attitude items left blank, `(空)`), breakoff (stops answering partway: every matrix row from a
point between 20% and 45% of the way through is blank, the check too if it comes later).
The truth table has one row per (respondent_id = 序号, defect).
"""

import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.stats import norm

from govsurvey.errors import InputError
from govsurvey.ingest.readers import column_letter

CAUSES = ("IN", "OB", "MS", "PM")
ENDOGENOUS = ("PL", "PW", "RI", "GS")  # in causal order: each depends only on earlier ones
LATENTS = CAUSES + ENDOGENOUS

CAUSE_CORRELATION = np.array(
    [
        [1.00, 0.45, 0.35, 0.40],
        [0.45, 1.00, 0.30, 0.35],
        [0.35, 0.30, 1.00, 0.40],
        [0.40, 0.35, 0.40, 1.00],
    ]
)

# lhs -> {rhs: (label, standardized coefficient)}
STRUCTURAL_PATHS = {
    "PL": {"OB": ("a1", 0.35), "IN": ("a2", 0.30)},
    "PW": {"PM": ("b1", 0.35), "PL": ("b2", 0.30)},
    "RI": {"MS": ("c1", 0.30), "IN": ("c2", 0.20), "PL": ("c3", 0.25)},
    "GS": {"PL": ("d1", 0.30), "PW": ("d2", 0.25), "RI": ("d3", 0.35)},
}

# Defined effects as in data/models/governance.lavaan: name -> products of labelled paths.
DEFINED_EFFECTS = {
    "ind_OB_PL_GS": [["a1", "d1"]],
    "ind_IN_PL_GS": [["a2", "d1"]],
    "ind_IN_RI_GS": [["c2", "d3"]],
    "ind_PM_PW_GS": [["b1", "d2"]],
    "ind_MS_RI_GS": [["c1", "d3"]],
    "ind_PL_PW_GS": [["b2", "d2"]],
    "ind_PL_RI_GS": [["c3", "d3"]],
    "total_PL_GS": [["d1"], ["b2", "d2"], ["c3", "d3"]],
}

LOADINGS = {
    "IN1": 0.80, "IN2": 0.78, "IN3": 0.72, "IN4": 0.66,
    "OB1": 0.82, "OB2": 0.76, "OB3": 0.74, "OB4": 0.65,
    "MS1": 0.75, "MS2": 0.79, "MS3": 0.81, "MS4": 0.68,
    "PM1": 0.73, "PM2": 0.80, "PM3": 0.83, "PM4": 0.77,
    "PL1": 0.84, "PL2": 0.76, "PL3": 0.79, "PL4": 0.67,
    "PW1": 0.85, "PW2": 0.81, "PW3": 0.74, "PW4": 0.66,
    "RI1": 0.78, "RI2": 0.72, "RI3": 0.80, "RI4": 0.68,
    "GS1": 0.85, "GS2": 0.77, "GS3": 0.80, "GS4": 0.71,
}  # fmt: skip

THRESHOLDS = np.array([-1.5, -0.5, 0.5, 1.5])  # on y*, before the construct's shift
CONSTRUCT_SHIFT = {
    "IN": 0.20, "OB": 0.20, "MS": 0.20, "PM": 0.20,
    "PL": -0.45, "PW": -0.45, "RI": -0.45,
    "GS": 0.30,
}  # fmt: skip

DEFECT_RATES = {
    "speeder": 0.020,
    "straight_liner": 0.010,
    "random_responder": 0.010,
    "duplicate": 0.010,
    "duplicate_device": 0.005,
    "attention_fail": 0.010,
    "item_nonresponse": 0.010,
    "breakoff": 0.005,
}
DUPLICATE_KINDS = ("duplicate", "duplicate_device")  # extra records copying a clean respondent
BREAKOFF_SHARE = (0.20, 0.45)  # share of matrix rows answered before a breakoff
SPEEDER_SECONDS = (30, 90)
DURATION_MEDIAN, DURATION_SIGMA, DURATION_FLOOR = 360.0, 0.35, 150
FIELDWORK_START = pd.Timestamp("2026-09-03 08:00:00")
FIELDWORK_DAYS = 14

# Plausible shares for the default questionnaire's demographics; uniform for anything else.
DEMOGRAPHIC_WEIGHTS = {
    "gender": [0.46, 0.54],
    "age": [0.14, 0.20, 0.22, 0.21, 0.23],
    "education": [0.38, 0.27, 0.29, 0.06],
    "political_status": [0.24, 0.08, 0.02, 0.66],
    "residence_years": [0.08, 0.17, 0.20, 0.25, 0.30],
    "tenure": [0.78, 0.22],
    "housing": [0.40, 0.14, 0.38, 0.08],
}

DEFAULT_STREET = {
    "id": "l_street",
    "name": {"zh": "L街道", "en": "L Street"},
    "communities": [
        {"zh": "黄河社区", "en": "Huanghe Community"},
        {"zh": "渤海社区", "en": "Bohai Community"},
        {"zh": "新立河社区", "en": "Xinlihe Community"},
        {"zh": "北海社区", "en": "Beihai Community"},
        {"zh": "梧桐社区", "en": "Wutong Community"},
        {"zh": "丽景社区", "en": "Lijing Community"},
    ],
}
DEFAULT_SURVEY_ID = "287514936"

HEADER_STYLES = ("numbered", "stem_dash", "sub")
MISSING = "(空)"
METADATA_COLUMNS = ("respondent_id", "submitted_at", "duration", "source", "source_detail", "ip")

_SURNAMES = list(
    "王李张刘陈杨赵黄周吴徐孙马朱胡郭何高林罗郑梁宋谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段"
)
_GIVEN = list("伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红建国志文海燕荣梅鹏辉斌宁晶凤洁")
_IP_PREFIXES = ["120.221", "60.208", "27.223", "112.224", "223.96", "39.82", "123.132", "144.52"]
_HOUR_WEIGHTS = np.array([3, 4, 5, 4, 3, 4, 4, 3, 3, 4, 7, 9, 8, 5], dtype=float)  # 08:00 ... 21:00
_IP_PLACES = ["山东-滨州"] * 8 + ["山东-济南", "山东-东营", "山东-淄博", "山东-德州"]


@dataclass(frozen=True)
class PopulationModel:
    """The parameters a synthetic survey is drawn from; the defaults are the module constants."""

    cause_correlation: np.ndarray = field(default_factory=lambda: CAUSE_CORRELATION.copy())
    paths: dict = field(default_factory=lambda: STRUCTURAL_PATHS)
    loadings: dict = field(default_factory=lambda: dict(LOADINGS))
    thresholds: np.ndarray = field(default_factory=lambda: THRESHOLDS.copy())
    shifts: dict = field(default_factory=lambda: dict(CONSTRUCT_SHIFT))
    cause_means: dict = field(default_factory=dict)  # latent mean of a cause (default 0), in SDs

    def latent_means(self):
        """Mean of every latent: the causes' own, passed on to the others through the paths."""
        alpha = np.array([self.cause_means.get(c, 0.0) for c in CAUSES] + [0.0] * len(ENDOGENOUS))
        return np.linalg.solve(np.eye(len(LATENTS)) - self.beta(), alpha)

    def beta(self):
        """Path matrix B (rows: lhs, columns: rhs) over LATENTS."""
        index = {name: i for i, name in enumerate(LATENTS)}
        b = np.zeros((len(LATENTS), len(LATENTS)))
        for lhs, rhs in self.paths.items():
            for cause, (_, coef) in rhs.items():
                b[index[lhs], index[cause]] = coef
        return b

    def residual_variances(self):
        """Residual variance of each endogenous latent that makes its total variance 1."""
        b = self.beta()
        cov = np.zeros_like(b)
        cov[:4, :4] = self.cause_correlation
        out = {}
        for j in range(4, len(LATENTS)):  # recursive model: predictors come earlier
            explained = b[j] @ cov @ b[j]
            out[LATENTS[j]] = float(1.0 - explained)
            if out[LATENTS[j]] <= 0:
                raise ValueError(f"paths into {LATENTS[j]} explain more than its variance")
            cov[j, :j] = cov[:j, j] = b[j, :j] @ cov[:j, :j]
            cov[j, j] = 1.0
        return out

    def latent_covariance(self):
        b = self.beta()
        psi = np.zeros_like(b)
        psi[:4, :4] = self.cause_correlation
        for name, var in self.residual_variances().items():
            psi[LATENTS.index(name), LATENTS.index(name)] = var
        inv = np.linalg.inv(np.eye(len(LATENTS)) - b)
        return inv @ psi @ inv.T


POPULATION = PopulationModel()
RESIDUAL_VARIANCES = POPULATION.residual_variances()


def population_latent_covariance(model=POPULATION):
    """Model-implied covariance (= correlation) matrix of the eight latents, as a DataFrame."""
    return pd.DataFrame(model.latent_covariance(), index=list(LATENTS), columns=list(LATENTS))


def population_standardized_paths(model=POPULATION):
    """Structural paths and defined effects, shaped like lavaan's: lhs, op, rhs, label, std_all."""
    rows, by_label = [], {}
    for lhs, rhs in model.paths.items():
        for cause, (label, coef) in rhs.items():
            rows.append({"lhs": lhs, "op": "~", "rhs": cause, "label": label, "std_all": coef})
            by_label[label] = coef
    for name, terms in DEFINED_EFFECTS.items():
        if all(label in by_label for term in terms for label in term):
            value = sum(np.prod([by_label[label] for label in term]) for term in terms)
            expr = " + ".join("*".join(term) for term in terms)
            rows.append({"lhs": name, "op": ":=", "rhs": expr, "label": name, "std_all": float(value)})
    return pd.DataFrame(rows)


def _category_probabilities(model, construct):
    cuts = norm.cdf(model.thresholds - model.shifts[construct])
    return np.diff(np.concatenate([[0.0], cuts, [1.0]]))


def population_item_means(instrument, model=POPULATION):
    """Expected item mean on the agreement direction (after reverse-keying back), per item."""
    points = np.array(instrument.scale_points)
    return pd.Series(
        {code: float(_category_probabilities(model, it.construct) @ points) for code, it in instrument.items.items()}
    )


@dataclass
class Simulation:
    responses: pd.DataFrame  # one row per record, as answered (see simulate_responses)
    defects: pd.DataFrame  # truth table: respondent_id, defect, copies
    latent: pd.DataFrame  # true latent scores per record, indexed by respondent_id


def _check_instrument(instrument, model):
    unknown = sorted({it.construct for it in instrument.items.values()} - set(LATENTS))
    missing = [code for code in instrument.items if code not in model.loadings]
    if unknown or missing:
        raise InputError(
            instrument.source,
            f"the simulator's population model has no constructs {unknown or '[]'} "
            f"and no loadings for items {missing or '[]'}.",
            "simulate only the default questionnaire, or pass a PopulationModel that covers this one.",
        )
    if len(instrument.scale_points) != len(model.thresholds) + 1:
        raise InputError(
            instrument.source,
            f"the scale has {len(instrument.scale_points)} points but the model has "
            f"{len(model.thresholds)} thresholds.",
            "pass a PopulationModel with one threshold fewer than the scale has points.",
        )


def _draw_latents(rng, n, model):
    b = model.beta()
    eta = np.zeros((n, len(LATENTS)))
    means = np.array([model.cause_means.get(c, 0.0) for c in CAUSES])
    eta[:, :4] = rng.multivariate_normal(means, model.cause_correlation, size=n, method="cholesky")
    for name, var in model.residual_variances().items():
        j = LATENTS.index(name)
        eta[:, j] = eta[:, :j] @ b[j, :j] + np.sqrt(var) * rng.standard_normal(n)
    return eta


def _draw_items(rng, eta, instrument, model):
    """Answers as given (reverse items already reversed), one int column per item."""
    out = {}
    low, high = instrument.scale_min, instrument.scale_max
    for code, item in instrument.items.items():
        lam = model.loadings[code]
        ystar = lam * eta[:, LATENTS.index(item.construct)] + np.sqrt(1 - lam**2) * rng.standard_normal(len(eta))
        category = low + np.searchsorted(model.thresholds, ystar + model.shifts[item.construct])
        out[code] = high + low - category if item.reverse else category
    return out


def _draw_demographics(rng, n, instrument, street):
    out = {}
    for demo in instrument.demographics:
        options = [o["zh"] for o in instrument.demographic_options(demo, street)]
        weights = DEMOGRAPHIC_WEIGHTS.get(demo.code)
        if weights is None or len(weights) != len(options):
            weights = None
        out[demo.code] = np.asarray(options, dtype=object)[rng.choice(len(options), size=n, p=weights)]
    return out


def _draw_names(rng, n):
    surnames = np.asarray(_SURNAMES, dtype=object)[rng.integers(len(_SURNAMES), size=n)]
    first = np.asarray(_GIVEN, dtype=object)[rng.integers(len(_GIVEN), size=n)]
    second = np.asarray(_GIVEN, dtype=object)[rng.integers(len(_GIVEN), size=n)]
    kind = rng.random(n)
    names = np.where(kind < 0.5, surnames + first + second, surnames + first)
    names = np.where(kind > 0.9, surnames + np.where(rng.random(n) < 0.5, "女士", "先生"), names)
    return np.where(rng.random(n) < 0.30, names, None)  # most leave it empty


def _draw_phones(rng, n):
    second = rng.choice(np.array(list("3578")), size=n)
    rest = rng.integers(0, 10**9, size=n)
    phones = np.array([f"1{s}{r:09d}" for s, r in zip(second, rest)], dtype=object)
    return np.where(rng.random(n) < 0.25, phones, None)


def _draw_ips(rng, n):
    prefix = rng.integers(len(_IP_PREFIXES), size=n)
    c, d = rng.integers(1, 255, size=n), rng.integers(1, 255, size=n)
    place = rng.integers(len(_IP_PLACES), size=n)
    return np.array(
        [f"{_IP_PREFIXES[p]}.{x}.{y}({_IP_PLACES[q]})" for p, x, y, q in zip(prefix, c, d, place)], dtype=object
    )


def _draw_times(rng, n):
    """Daytime submissions, 08:00-22:00, busiest in the evening."""
    day = rng.integers(FIELDWORK_DAYS, size=n)
    hour = rng.choice(len(_HOUR_WEIGHTS), size=n, p=_HOUR_WEIGHTS / _HOUR_WEIGHTS.sum())
    seconds = hour * 3600 + rng.integers(3600, size=n)
    return FIELDWORK_START + pd.to_timedelta(day, unit="D") + pd.to_timedelta(seconds, unit="s")


def _defect_counts(n, rates):
    counts = {kind: int(round(rate * n)) for kind, rate in rates.items()}
    unknown = sorted(set(counts) - set(DEFECT_RATES))
    if unknown:
        raise ValueError(f"unknown defect kinds {unknown}; known: {sorted(DEFECT_RATES)}")
    return counts


def simulate_survey(instrument, n, seed, street=None, defect_rates=None, model=POPULATION):
    """Draw n raw records (duplicates included) with planted defects; deterministic from seed.

    Returns a Simulation: responses (columns respondent_id, submitted_at, duration [s], source,
    source_detail, ip, demographic codes [Chinese option text], item codes and attention-check
    codes [Int64 as answered, <NA> = not answered], personal question codes [text or None]),
    the defects truth table and the true latent scores.
    """
    street = street or DEFAULT_STREET
    _check_instrument(instrument, model)
    rng = np.random.default_rng(seed)
    counts = _defect_counts(n, DEFECT_RATES if defect_rates is None else defect_rates)
    n_copies = {kind: counts.pop(kind, 0) for kind in DUPLICATE_KINDS}
    n_dup = sum(n_copies.values())
    if not instrument.attention_checks:
        counts.pop("attention_fail", None)  # nothing to fail
    n_base = n - n_dup
    if n_base <= 0 or sum(counts.values()) + n_dup > n_base:
        raise ValueError(f"n={n} is too small for the requested defect rates")

    eta = _draw_latents(rng, n_base, model)
    answers = _draw_items(rng, eta, instrument, model)
    for check in instrument.attention_checks:
        answers[check.code] = np.full(n_base, check.expected)
    points = np.array(instrument.scale_points)
    duration = np.maximum(
        DURATION_FLOOR, np.round(DURATION_MEDIAN * np.exp(DURATION_SIGMA * rng.standard_normal(n_base)))
    ).astype(int)

    # Pick disjoint sets of defective respondents; duplicates copy from the clean rest.
    order = rng.permutation(n_base)
    planted, start = {}, 0
    for kind, k in counts.items():
        planted[kind] = np.sort(order[start : start + k])
        start += k
    originals = np.sort(rng.choice(order[start:], size=n_dup, replace=False))

    matrix_codes = [row for m in instrument.matrices for row in m["rows"]]
    check_codes = [c.code for c in instrument.attention_checks]
    missing = {code: np.zeros(n_base, bool) for code in instrument.items}
    if "speeder" in planted:
        who = planted["speeder"]
        duration[who] = rng.integers(SPEEDER_SECONDS[0], SPEEDER_SECONDS[1] + 1, size=len(who))
        for code in matrix_codes:
            answers[code][who] = rng.choice(points, size=len(who))
    if "random_responder" in planted:
        who = planted["random_responder"]
        for code in instrument.items:
            answers[code][who] = rng.choice(points, size=len(who))
    if "straight_liner" in planted:
        who = planted["straight_liner"]
        expected = instrument.attention_checks[0].expected if check_codes else points[len(points) // 2]
        others = points[points != expected]
        # Alternate the check's expected value with another, so about half fail the check too.
        values = np.where(np.arange(len(who)) % 2 == 0, expected, rng.choice(others, size=len(who)))
        for code in matrix_codes:
            answers[code][who] = values
    if "attention_fail" in planted:
        who = planted["attention_fail"]
        for check in instrument.attention_checks:
            others = points[points != check.expected]
            answers[check.code][who] = rng.choice(others, size=len(who))
    if "item_nonresponse" in planted:
        item_codes = list(instrument.items)
        for person in planted["item_nonresponse"]:
            for code in rng.choice(item_codes, size=rng.integers(1, 4), replace=False):
                missing[code][person] = True

    breakoff_checks = {code: np.zeros(n_base, bool) for code in check_codes}
    if "breakoff" in planted:
        low, high = (int(round(share * len(matrix_codes))) for share in BREAKOFF_SHARE)
        for person in planted["breakoff"]:
            for code in matrix_codes[rng.integers(low, high + 1) :]:
                (missing if code in missing else breakoff_checks)[code][person] = True

    base = {
        "submitted_at": _draw_times(rng, n_base),
        "duration": duration,
        "source": np.where(rng.random(n_base) < 0.6, "微信", "手机提交").astype(object),
        "source_detail": np.full(n_base, "直接访问", dtype=object),
        "ip": _draw_ips(rng, n_base),
        **_draw_demographics(rng, n_base, instrument, street),
    }
    for code in instrument.items:
        base[code] = pd.array(answers[code], dtype="Int64")
        base[code][missing[code]] = pd.NA
    for code in check_codes:
        base[code] = pd.array(answers[code], dtype="Int64")
        base[code][breakoff_checks[code]] = pd.NA
    personal = [q["code"] for q in instrument.personal_questions]
    for code in personal:
        base[code] = _draw_phones(rng, n_base) if code == "phone" else _draw_names(rng, n_base)
    frame = pd.DataFrame(base)
    frame["_row"] = np.arange(n_base)

    # Duplicates: same answers and personal data; a fresh duration; minutes later. A duplicate
    # from another device has its own IP and source.
    dups = frame.iloc[originals].copy()
    device = np.arange(n_dup) >= n_copies["duplicate"]
    dups.loc[dups.index[device], "ip"] = _draw_ips(rng, int(device.sum()))
    dups.loc[dups.index[device], "source"] = np.where(rng.random(int(device.sum())) < 0.5, "微信", "手机提交")
    dups["submitted_at"] = dups["submitted_at"] + pd.to_timedelta(rng.integers(120, 1801, size=n_dup), unit="s")
    dups["duration"] = np.maximum(
        DURATION_FLOOR, np.round(DURATION_MEDIAN * np.exp(DURATION_SIGMA * rng.standard_normal(n_dup)))
    ).astype(int)
    dups["_row"] = n_base + np.arange(n_dup)
    frame = pd.concat([frame, dups], ignore_index=True)

    # Wenjuanxing numbers records in submission order.
    frame = frame.sort_values(["submitted_at", "_row"], kind="stable").reset_index(drop=True)
    frame.insert(0, "respondent_id", np.arange(1, len(frame) + 1))
    id_of_row = pd.Series(frame["respondent_id"].to_numpy(), index=frame["_row"].to_numpy())

    truth = [pd.DataFrame({"row": rows, "defect": kind, "copies": pd.NA}) for kind, rows in planted.items()]
    copy_kind = np.where(device, "duplicate_device", "duplicate")
    truth.append(pd.DataFrame({"row": n_base + np.arange(n_dup), "defect": copy_kind, "copies": originals}))
    defects = pd.concat(truth, ignore_index=True)
    defects.insert(0, "respondent_id", id_of_row.loc[defects.pop("row").to_numpy(dtype=int)].to_numpy())
    copied = defects["copies"].notna()
    defects["copies"] = pd.array([pd.NA] * len(defects), dtype="Int64")
    defects.loc[copied, "copies"] = id_of_row.loc[originals].to_numpy()
    defects = defects.astype({"respondent_id": "int64", "defect": str})
    defects = defects.sort_values("respondent_id", ignore_index=True)

    source_row = np.concatenate([np.arange(n_base), originals])[frame["_row"].to_numpy()]
    latent = pd.DataFrame(eta[source_row], columns=list(LATENTS), index=frame["respondent_id"].rename(None))
    columns = ["respondent_id", *METADATA_COLUMNS[1:]]
    columns += [d.code for d in instrument.demographics] + matrix_codes + personal
    return Simulation(frame[columns], defects, latent)


def simulate_responses(instrument, n, seed, street=None, defect_rates=None, model=POPULATION):
    """The responses table of `simulate_survey` (see there for its columns)."""
    return simulate_survey(instrument, n, seed, street, defect_rates, model).responses


def question_headers(instrument, street=None, matrix_header_style="stem_dash"):
    """Export headers in questionnaire order, as (column code, header) pairs."""
    if matrix_header_style not in HEADER_STYLES:
        raise InputError(
            "matrix_header_style",
            f"'{matrix_header_style}' is not a Wenjuanxing matrix header style.",
            f"use one of {', '.join(HEADER_STYLES)}.",
        )
    text = {code: it.zh for code, it in instrument.items.items()}
    text.update({c.code: c.zh for c in instrument.attention_checks})
    pairs = [(role, instrument.metadata[role]["header"]) for role in METADATA_COLUMNS]
    number = 0
    for demo in instrument.demographics:
        number += 1
        pairs.append((demo.code, f"{number}、{demo.zh}："))
    for matrix in instrument.matrices:
        number += 1
        for i, code in enumerate(matrix["rows"]):
            if matrix_header_style == "numbered":
                header = f"{number}、{text[code]}"
            elif matrix_header_style == "sub":
                header = f"{number}、({text[code]})"
            else:
                header = f"{number}、{matrix['stem']['zh']}—{text[code]}" if i == 0 else text[code]
            pairs.append((code, header))
    for question in instrument.personal_questions:
        number += 1
        pairs.append((question["code"], f"{number}、{question['zh']}："))
    return pairs


def _as_text(frame, instrument):
    """Every cell as Wenjuanxing's answer-text export shows it."""
    labels = {point: spec["zh"] for point, spec in instrument.labels.items()}
    matrix_codes = [row for m in instrument.matrices for row in m["rows"]]
    out = pd.DataFrame(index=frame.index)
    out["respondent_id"] = frame["respondent_id"].astype(int)
    out["submitted_at"] = frame["submitted_at"].dt.strftime("%Y/%m/%d %H:%M:%S")
    out["duration"] = frame["duration"].astype(int).astype(str) + "秒"
    for code in ("source", "source_detail", "ip"):
        out[code] = frame[code].fillna(MISSING)
    for code in [d.code for d in instrument.demographics]:
        out[code] = frame[code].fillna(MISSING)
    for code in matrix_codes:
        out[code] = frame[code].map(labels).astype(object).fillna(MISSING)
    for question in instrument.personal_questions:
        out[question["code"]] = frame[question["code"]].fillna(MISSING).replace("", MISSING)
    return out


def write_wenjuanxing_xlsx(frame, instrument, path, street=None, matrix_header_style="stem_dash"):
    """Write responses like Wenjuanxing's 按文本 (answer-text) xlsx export; returns the path.

    The file is a plain one-sheet workbook ("Sheet1", shared strings, 序号 as numbers), written
    directly as XML: openpyxl's writer needs minutes for 100,000 records, this needs seconds.
    """
    street = street or DEFAULT_STREET
    pairs = question_headers(instrument, street, matrix_header_style)
    absent = [code for code, _ in pairs if code not in frame.columns]
    if absent:
        raise InputError("responses", f"columns {absent} are missing.", "pass a table from simulate_responses.")
    allowed = {d.code: {o["zh"] for o in instrument.demographic_options(d, street)} for d in instrument.demographics}
    for code, options in allowed.items():
        bad = sorted(set(frame[code].dropna()) - options)
        if bad:
            raise InputError("responses", f"column {code} has answers {bad[:3]} not among its options.",
                             "simulate with the same street as you write.")  # fmt: skip
    text = _as_text(frame, instrument)[[code for code, _ in pairs]]
    ids = text.pop("respondent_id").to_numpy()
    headers = [header for _, header in pairs]
    # One shared-string table for headers and answers; cells refer to it by index.
    index = {}
    header_codes = [index.setdefault(h, len(index)) for h in headers[1:]]
    codes = np.empty(text.shape, dtype=np.int64)
    for j, column in enumerate(text.columns):
        local, values = pd.factorize(text[column])
        codes[:, j] = np.array([index.setdefault(v, len(index)) for v in values], dtype=np.int64)[local]
    strings = list(index)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    _write_xlsx(path, headers[0], header_codes, ids, codes, strings)
    return path


_XLSX_PARTS = {
    "[Content_Types].xml": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        '<Override PartName="/xl/worksheets/sheet1.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        '<Override PartName="/xl/sharedStrings.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
        '<Override PartName="/xl/styles.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
        "</Types>"
    ),
    "_rels/.rels": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Target="xl/workbook.xml" '
        'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument"/>'
        "</Relationships>"
    ),
    "xl/workbook.xml": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
        '<sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>'
    ),
    "xl/_rels/workbook.xml.rels": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Target="worksheets/sheet1.xml" '
        'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet"/>'
        '<Relationship Id="rId2" Target="sharedStrings.xml" '
        'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings"/>'
        '<Relationship Id="rId3" Target="styles.xml" '
        'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles"/>'
        "</Relationships>"
    ),
    "xl/styles.xml": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        '<fonts count="1"><font><sz val="11"/><name val="宋体"/></font></fonts>'
        '<fills count="2"><fill><patternFill patternType="none"/></fill>'
        '<fill><patternFill patternType="gray125"/></fill></fills>'
        '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
        '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
        '<cellXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/></cellXfs>'
        '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
        "</styleSheet>"
    ),
}


def _zip_entry(name):
    """A zip entry with a fixed date, so the same data give the same file, byte for byte."""
    entry = zipfile.ZipInfo(name, date_time=(2026, 1, 1, 0, 0, 0))
    entry.compress_type = zipfile.ZIP_DEFLATED
    return entry


def _write_xlsx(path, first_header, header_codes, ids, codes, strings):
    """A minimal valid workbook: column A inline numbers, the rest shared-string cells."""
    from xml.sax.saxutils import escape

    letters = [column_letter(j) for j in range(codes.shape[1] + 1)]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=3) as book:
        for name, xml in _XLSX_PARTS.items():
            book.writestr(_zip_entry(name), xml)
        shared = "".join(f'<si><t xml:space="preserve">{escape(s)}</t></si>' for s in strings)
        book.writestr(
            _zip_entry("xl/sharedStrings.xml"),
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
            f'count="{codes.size + len(header_codes)}" uniqueCount="{len(strings)}">{shared}</sst>',
        )
        with book.open(_zip_entry("xl/worksheets/sheet1.xml"), "w", force_zip64=True) as sheet:
            sheet.write(
                b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
            )
            first = f'<c r="A1" t="inlineStr"><is><t>{escape(first_header)}</t></is></c>'
            rest = "".join(f'<c r="{letters[j + 1]}1" t="s"><v>{v}</v></c>' for j, v in enumerate(header_codes))
            sheet.write(f'<row r="1">{first}{rest}</row>'.encode())
            for start in range(0, len(ids), 5000):  # in blocks, so memory stays small
                chunk = []
                for i, (rid, row) in enumerate(
                    zip(ids[start : start + 5000].tolist(), codes[start : start + 5000].tolist()), start + 2
                ):
                    cells = "".join([f'<c r="{L}{i}" t="s"><v>{v}</v></c>' for L, v in zip(letters[1:], row)])
                    chunk.append(f'<row r="{i}"><c r="A{i}"><v>{rid}</v></c>{cells}</row>')
                sheet.write("".join(chunk).encode())
            sheet.write(b"</sheetData></worksheet>")


def wenjuanxing_filename(survey_id, title_zh, submitted, valid):
    """Wenjuanxing's export name: <id>_按文本_<title>_<submitted>_<valid>.xlsx."""
    if any(ch in str(title_zh) for ch in '/\\:*?"<>|'):
        raise InputError("title", f"'{title_zh}' has characters a file name cannot hold.", "remove them.")
    return f"{survey_id}_按文本_{title_zh}_{submitted}_{valid}.xlsx"
