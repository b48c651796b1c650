"""Screening: the rules find the defects the simulator planted, and the ledger adds up."""

import copy
import hashlib

import numpy as np
import pandas as pd
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import chi2

from conftest import REFERENCE, ROOT
from govsurvey.synthetic import population as sim
from govsurvey.config import check_config
from govsurvey.errors import InputError
from govsurvey.screening import REASONS, kept_sample, missingness_table, score, screen, summarize
from govsurvey.screening.careless import evenodd, irv, longstring, mahalanobis
from govsurvey.words import WORDS

DEFAULT = check_config(yaml.safe_load((ROOT / "config.yaml").read_text(encoding="utf-8")))["screening"]

# What counts. Per rule: the planted kinds it is meant to find (recall is measured over records
# of these kinds) and the kinds it may also rightly flag (a speeder's random answer to the check
# does fail it; a straight-liner of 5s is a multivariate outlier). Precision: the share of
# flagged records that carry a kind from either set. Genuine records, duplicates' originals,
# attention failures, item non-response etc. outside these sets count as false positives.
DETECTS = {
    "duplicate_id": ({"duplicate", "duplicate_device"}, set()),  # identifier planted by the test
    "duplicate_ip": ({"duplicate"}, set()),
    "duplicate_window": ({"duplicate", "duplicate_device"}, set()),
    "out_of_range": ({"out_of_range"}, set()),  # values planted by the test
    "missing_share": ({"breakoff"}, set()),
    "speeder": ({"speeder"}, set()),
    "attention_check": ({"attention_fail"}, {"speeder", "straight_liner", "breakoff"}),
    "straightlining": ({"straight_liner"}, set()),
    "irv": ({"straight_liner"}, set()),
    "mahalanobis": ({"speeder", "random_responder"}, {"straight_liner", "out_of_range"}),
    "incomplete": ({"item_nonresponse", "breakoff"}, set()),
}


def as_ingested(simulation, instrument):
    """The simulator's responses shaped as ingest writes them (codes, hashed IP, seconds)."""
    frame = simulation.responses
    out = pd.DataFrame(
        {
            "record": frame["respondent_id"].to_numpy(),
            "submitted_at": frame["submitted_at"].dt.strftime("%Y/%m/%d %H:%M:%S").to_numpy(),
            "duration_s": frame["duration"].to_numpy(dtype=float),
            "ip_hash": [hashlib.sha256(ip.split("(")[0].encode()).hexdigest()[:16] for ip in frame["ip"]],
        }
    )
    for demo in instrument.demographics:
        options = [o["zh"] for o in instrument.demographic_options(demo, sim.DEFAULT_STREET)]
        out[demo.code] = frame[demo.code].map({o: i for i, o in enumerate(options, 1)}).to_numpy(dtype=float)
    for code in [c.code for c in instrument.attention_checks] + instrument.item_codes:
        out[code] = frame[code].to_numpy(dtype=float, na_value=np.nan)
    return out


def plant_identifiers_and_range_errors(responses, defects, instrument, rng):
    """Add what the simulator cannot put in a text export: a respondent identifier (copies share
    the original's) and an out-of-scale value in 1% of the clean records; returns them with the truth."""
    responses = responses.copy()
    copies = defects.dropna(subset=["copies"]).set_index("respondent_id")["copies"]
    owner = responses["record"].map(lambda r: copies.get(r, r))
    responses["respondent_hash"] = [hashlib.sha256(str(o).encode()).hexdigest()[:16] for o in owner]
    touched = set(defects["respondent_id"]) | set(copies)
    clean = np.flatnonzero(~responses["record"].isin(touched).to_numpy())
    bad = rng.choice(clean, size=len(responses) // 100, replace=False)
    columns = rng.choice(responses.columns.get_indexer(instrument.item_codes), size=len(bad))
    for row, column in zip(bad, columns):
        responses.iat[row, column] = rng.choice([0.0, 6.0, 9.0])
    planted = pd.DataFrame({"respondent_id": responses["record"].to_numpy()[bad], "defect": "out_of_range"})
    return responses, pd.concat([defects, planted], ignore_index=True)


def detection(ledger, defects, rules=DETECTS):
    """Recall and precision of each rule against the planted truth (see DETECTS)."""
    kinds = defects.groupby("respondent_id")["defect"].agg(set)
    has = ledger["record"].map(lambda r: kinds.get(r, set()))
    rows = {}
    for rule, (targets, also) in rules.items():
        flagged = ledger[rule].to_numpy()
        target = has.map(lambda k: bool(k & targets)).to_numpy()
        right = has.map(lambda k: bool(k & (targets | also))).to_numpy()
        rows[rule] = {
            "planted": int(target.sum()),
            "flagged": int(flagged.sum()),
            "recall": (flagged & target).sum() / target.sum() if target.any() else np.nan,
            "precision": (flagged & right).sum() / flagged.sum() if flagged.any() else np.nan,
        }
    return pd.DataFrame(rows).T


@pytest.fixture(scope="module")
def large(instrument):
    simulation = sim.simulate_survey(instrument, 4000, seed=404)
    responses, truth = plant_identifiers_and_range_errors(
        as_ingested(simulation, instrument), simulation.defects, instrument, np.random.default_rng(5)
    )
    return responses, truth, simulation


@pytest.fixture(scope="module")
def default_survey(instrument):
    """The committed default export, drawn again from its seed (test_simulate proves the bytes agree)."""
    simulation = sim.simulate_survey(instrument, 480, seed=20260903)
    committed = pd.read_csv(ROOT / "data/raw/l_street/planted_defects.csv")
    pd.testing.assert_frame_equal(simulation.defects.astype({"copies": "float"}), committed.astype({"copies": "float"}))
    return as_ingested(simulation, instrument), simulation.defects


# ------------------------------------------------------------ planted defects are found


def test_each_rule_finds_its_planted_defects_in_a_large_sample(instrument, large):
    responses, truth, _ = large
    rates = detection(screen(responses, instrument, DEFAULT).ledger, truth)
    assert (rates["planted"] >= 20).all(), rates  # enough of each kind for stable figures
    assert (rates["recall"] >= 0.95).all(), rates
    assert (rates["precision"] >= 0.90).all(), rates


def test_each_rule_finds_its_planted_defects_in_the_default_data(instrument, default_survey):
    responses, truth = default_survey
    rules = {k: v for k, v in DETECTS.items() if k not in ("duplicate_id", "out_of_range")}  # not in a text export
    rates = detection(screen(responses, instrument, DEFAULT).ledger, truth, rules)
    assert (rates["planted"] >= 2).all(), rates
    assert (rates["recall"] >= 0.95).all(), rates
    assert (rates["precision"] >= 0.90).all(), rates


def test_evenodd_orders_random_answers_above_genuine_ones(instrument, large):
    """Even-odd is off by default: with 8 constructs it has only 8 pairs. It still carries signal."""
    responses, truth, _ = large
    ledger = screen(responses, instrument, {**DEFAULT, "evenodd": {"enabled": True, "max_score": -0.3}}).ledger
    kinds = truth.groupby("respondent_id")["defect"].agg(set)
    kind = ledger["record"].map(lambda r: kinds.get(r, set()))
    random = ledger.loc[kind.map(lambda k: bool(k & {"speeder", "random_responder"})), "evenodd_score"]
    genuine = ledger.loc[kind.map(len) == 0, "evenodd_score"].dropna()
    auc = (random.to_numpy()[:, None] > genuine.to_numpy()[None, :]).mean()
    assert auc > 0.8
    assert ledger["evenodd"].sum() > 0 and ledger.loc[ledger["evenodd"], "evenodd_score"].gt(-0.3).all()


def test_every_rule_can_be_switched_off(instrument, large):
    responses, _, _ = large
    responses = responses.iloc[:600]
    on = screen(responses, instrument, DEFAULT).ledger
    switches = {
        "duplicate_id": ("duplicates", "respondent_id"),
        "duplicate_ip": ("duplicates", "ip_identical"),
        "duplicate_window": ("duplicates", "window", "enabled"),
        "out_of_range": ("out_of_range",),
        "missing_share": ("missing_share", "enabled"),
        "speeder": ("speeders", "enabled"),
        "attention_check": ("attention_check",),
        "straightlining": ("straightlining", "enabled"),
        "irv": ("irv", "enabled"),
        "mahalanobis": ("mahalanobis", "enabled"),
        "incomplete": ("listwise",),
    }
    assert set(switches) | {"evenodd"} == set(REASONS)
    for rule, path in switches.items():
        assert on[rule].any(), rule  # the rule fires when on, so switching it off is tested
        off = copy.deepcopy(DEFAULT)
        node = off
        for key in path[:-1]:
            node = node[key]
        node[path[-1]] = False
        result = screen(responses, instrument, off)
        assert not result.ledger[rule].any() and not result.rules[rule]["enabled"], rule
        others = [r for r in REASONS if r != rule]
        pd.testing.assert_frame_equal(result.ledger[others], on[others])


# ------------------------------------------------------------ rules on constructed cases


def base_frame(instrument, n=40, seed=3):
    """Answers that no rule flags: varied, in range, mid-length durations, check passed."""
    rng = np.random.default_rng(seed)
    latent = rng.normal(size=(n, 1))
    items = np.clip(np.round(3 + 0.5 * latent + rng.normal(size=(n, len(instrument.items)))), 1, 5)
    frame = pd.DataFrame(items, columns=instrument.item_codes)
    frame.insert(0, "AC1", 4.0)
    frame.insert(0, "ip_hash", [f"ip{i}" for i in range(n)])
    frame.insert(0, "duration_s", 400.0)
    frame.insert(0, "submitted_at", [f"2026/09/{3 + i // 20:02d} {8 + i % 12:02d}:{i % 60:02d}:00" for i in range(n)])
    frame.insert(0, "record", np.arange(1, n + 1))
    return frame


def relaxed(**changes):
    """Default settings without the statistical rules (they need a real sample)."""
    out = copy.deepcopy(DEFAULT)
    out["mahalanobis"]["enabled"] = False
    out.update(changes)
    return out


def test_each_rule_fires_on_its_case_and_the_primary_reason_is_the_first(instrument):
    frame = base_frame(instrument)
    assert screen(frame, instrument, relaxed()).ledger["kept"].all()
    frame.loc[1, "duration_s"] = 60  # speeder
    frame.loc[2, "AC1"] = 2  # failed check
    frame.loc[3, instrument.item_codes] = 3  # straight-liner: longstring and IRV
    frame.loc[4, "IN2"] = np.nan  # incomplete
    frame.loc[5, "IN3"] = 7  # out of range
    frame.loc[6, instrument.item_codes[:20]] = np.nan  # more than half missing
    frame.loc[8, frame.columns[3:]] = frame.loc[7, frame.columns[3:]].to_numpy()  # same IP, same answers
    frame.loc[8, "submitted_at"] = "2026/09/03 23:00:00"
    frame.loc[10, frame.columns[4:]] = frame.loc[9, frame.columns[4:]].to_numpy()  # other IP, 5 min later
    frame.loc[9:10, "submitted_at"] = ["2026/09/05 10:00:00", "2026/09/05 10:05:00"]
    frame.loc[11, "duration_s"], frame.loc[11, "AC1"] = 50, np.nan  # speeder and failed check
    result = screen(frame, instrument, relaxed())
    primary = dict(zip(result.ledger["record"], result.ledger["primary_reason"]))
    reasons = dict(zip(result.ledger["record"], result.ledger["reasons"]))
    assert primary[2] == "speeder" and primary[3] == "attention_check"
    assert primary[4] == "straightlining" and reasons[4] == "straightlining;irv"
    assert primary[5] == "incomplete" and primary[6] == "out_of_range"
    assert primary[7] == "missing_share" and reasons[7] == "missing_share;incomplete"
    assert primary[8] == "" and primary[9] == "duplicate_ip" and "duplicate_window" not in reasons[9]
    assert primary[10] == "" and primary[11] == "duplicate_window"
    assert reasons[12] == "speeder;attention_check"
    assert result.ledger["kept"].sum() == 40 - 9
    assert not result.rules["duplicate_id"]["applied"] and "identifier" in WORDS["en"]["rule_notes"][result.rules["duplicate_id"]["note"]]
    assert not result.rules["evenodd"]["enabled"]


def test_identical_answers_outside_the_window_or_without_variation_are_not_duplicates(instrument):
    frame = base_frame(instrument)
    frame.loc[1, frame.columns[5:]] = frame.loc[0, frame.columns[5:]].to_numpy()
    frame.loc[0:1, "submitted_at"] = ["2026/09/05 10:00:00", "2026/09/05 11:30:00"]  # 90 min apart
    frame.loc[2:3, instrument.item_codes] = 4  # two straight-liners of "agree", a minute apart
    frame.loc[2:3, "submitted_at"] = ["2026/09/06 10:00:00", "2026/09/06 10:01:00"]
    ledger = screen(frame, instrument, relaxed()).ledger
    assert not ledger["duplicate_window"].any()
    wider = relaxed()
    wider["duplicates"]["window"]["minutes"] = 120
    assert screen(frame, instrument, wider).ledger["duplicate_window"].tolist()[:4] == [False, True, False, False]


def test_same_respondent_identifier_keeps_the_first_submission(instrument):
    frame = base_frame(instrument)
    frame["respondent_hash"] = [f"id{i}" for i in range(len(frame))]
    frame.loc[[5, 30], "respondent_hash"] = "id2"
    frame.loc[2, "submitted_at"] = "2026/09/20 10:00:00"  # the identifier's last submission
    frame.loc[10, "respondent_hash"] = None  # no identifier: never a duplicate
    result = screen(frame, instrument, relaxed())
    assert result.rules["duplicate_id"]["applied"]
    assert result.ledger.loc[result.ledger["duplicate_id"], "record"].tolist() == [3, 31]


def test_speeder_limit_is_the_larger_of_minimum_and_median_share(instrument):
    frame = base_frame(instrument)
    frame["duration_s"] = np.linspace(100, 900, len(frame))  # median 500
    fast = relaxed(speeders={"enabled": True, "min_seconds": 120, "median_fraction": 0.5})
    assert screen(frame, instrument, fast).ledger["speeder"].sum() == (frame["duration_s"] < 250).sum()
    slow = relaxed(speeders={"enabled": True, "min_seconds": 300, "median_fraction": 0.1})
    assert screen(frame, instrument, slow).ledger["speeder"].sum() == (frame["duration_s"] < 300).sum()


def test_out_of_range_counted_by_ingest_is_an_exclusion(instrument):
    frame = base_frame(instrument)
    frame["n_out_of_range"] = 0
    frame.loc[7, "n_out_of_range"] = 2
    ledger = screen(frame, instrument, relaxed()).ledger
    assert ledger.loc[ledger["out_of_range"], "record"].tolist() == [8]


def test_bad_submission_time_names_record_and_column(instrument):
    frame = base_frame(instrument)
    frame.loc[4, "submitted_at"] = "yesterday"
    with pytest.raises(InputError, match=r"x\.parquet: record 5, column submitted_at: 'yesterday'"):
        screen(frame, instrument, relaxed(), source="x.parquet")


def test_missingness_table_counts_the_screened_sample(instrument):
    frame = base_frame(instrument)
    frame.loc[[1, 2], "IN2"] = np.nan  # listwise deletion removes them, but they count here
    frame.loc[3, "duration_s"] = 10  # a speeder is not in the screened sample
    frame.loc[3, "GS1"] = np.nan
    screening = screen(frame, instrument, relaxed())
    table = missingness_table(frame, screening.ledger, instrument)
    assert table.shape == (32, 5) and list(table.columns) == ["item", "construct", "n", "n_missing", "pct_missing"]
    assert table["n"].eq(39).all() and summarize(screening)["n_screened"] == 39
    row = table.set_index("item").loc["IN2"]
    assert row["n_missing"] == 2 and row["pct_missing"] == pytest.approx(200 / 39)
    assert table["n_missing"].sum() == 2


# ------------------------------------------------------------ careless indices


def test_indices_match_the_r_reference():
    """tests/reference/make_careless_reference.R: psych::outlier and careless's definitions."""
    data = pd.read_csv(REFERENCE / "careless_data.csv")
    ref = pd.read_csv(REFERENCE / "careless_reference.csv")
    assert np.array_equal(longstring(data), ref["longstring"])
    assert np.allclose(irv(data), ref["irv"], atol=1e-12)
    d2, p = mahalanobis(data)
    assert np.allclose(d2, ref["mahad"], atol=1e-9)
    assert np.allclose(p, 1 - chi2.cdf(ref["mahad"], 32), atol=1e-12)
    eo = evenodd(data, [4] * 8)
    assert np.array_equal(np.isnan(eo), ref["evenodd"].isna())
    assert np.allclose(eo[~np.isnan(eo)], ref["evenodd"].dropna(), atol=1e-12)


def test_indices_on_rows_with_known_values():
    rows = pd.DataFrame([[1, 1, 2, 2, 2, 3], [4, 4, 4, 4, 4, 4], [1, np.nan, 1, 1, 5, 5]])
    assert list(longstring(rows)) == [3, 6, 2]  # a missing answer breaks a run
    assert np.allclose(irv(rows), [np.std([1, 1, 2, 2, 2, 3], ddof=1), 0, np.std([1, 1, 1, 5, 5], ddof=1)])
    # Two factors of 4: halves (even = items 2 and 4) equal in both factors -> r = 1 -> score -1.
    same = [[1, 1, 1, 1, 5, 5, 5, 5], [2, 4, 2, 4, 5, 3, 5, 3]]
    scores = evenodd(same + [[1, 2, 3, 4, 5, 4, 3, 2]], [4, 4])
    assert scores[0] == pytest.approx(-1.0)
    assert scores[1] == pytest.approx(1.0)  # even half up where odd half down: r = -1, SB -1, negated
    assert np.isnan(scores[2])  # even means 3 and 3: no variance, as in careless
    # Mahalanobis: a point on the mean has D² = 0; D² is invariant to rescaling an item.
    rng = np.random.default_rng(1)
    data = rng.normal(size=(200, 3))
    data[0] = data[1:].mean(axis=0)  # then it is also the mean of all 200 rows
    d2, _ = mahalanobis(data)
    scaled, _ = mahalanobis(data * [1, 10, 0.1])
    assert d2[0] == pytest.approx(0, abs=1e-12) and np.allclose(d2, scaled)
    assert d2.mean() == pytest.approx(3 * 199 / 200)  # mean D² = p (n - 1) / n with the n - 1 covariance
    assert mahalanobis(np.ones((10, 3))) is None  # singular covariance: not applicable


# ------------------------------------------------------------ the ledger adds up


@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_ledger_accounts_for_every_record(instrument, data):
    n = data.draw(st.integers(1, 45))
    k = len(instrument.items)
    answer = st.sampled_from([1.0, 2.0, 3.0, 4.0, 5.0, 5.0, 4.0, np.nan, 6.0])
    answers = data.draw(st.lists(st.lists(answer, min_size=k, max_size=k), min_size=n, max_size=n))
    frame = pd.DataFrame(answers, columns=instrument.item_codes)
    frame.insert(0, "AC1", data.draw(st.lists(st.sampled_from([1.0, 4.0, 4.0, np.nan]), min_size=n, max_size=n)))
    frame.insert(0, "ip_hash", data.draw(st.lists(st.sampled_from(["a", "b", None]), min_size=n, max_size=n)))
    frame.insert(0, "duration_s", data.draw(st.lists(st.floats(1, 2000), min_size=n, max_size=n)))
    minutes = data.draw(st.lists(st.integers(0, 600), min_size=n, max_size=n))
    frame.insert(0, "submitted_at", [f"2026/09/03 {8 + m // 60:02d}:{m % 60:02d}:00" for m in minutes])
    frame.insert(0, "record", np.arange(1, n + 1))
    rules = data.draw(st.sampled_from(["default", "all_on", "none"]))
    chosen = copy.deepcopy(DEFAULT)
    if rules == "all_on":
        chosen["evenodd"]["enabled"] = True
    if rules == "none":
        chosen = {
            "duplicates": {"respondent_id": False, "ip_identical": False, "window": {"enabled": False, "minutes": 60}},
            "out_of_range": False,
            "attention_check": False,
            "listwise": False,
            **{
                key: {**DEFAULT[key], "enabled": False}
                for key in ("missing_share", "speeders", "straightlining", "irv", "mahalanobis", "evenodd")
            },
        }
    screening = screen(frame, instrument, chosen)
    ledger, summary = screening.ledger, summarize(screening)
    assert len(ledger) == n and ledger["record"].tolist() == frame["record"].tolist()
    assert summary["n_raw"] == summary["n_kept"] + sum(summary["excluded_by_primary_reason"].values())
    assert summary["n_screened"] == summary["n_kept"] + summary["excluded_by_primary_reason"]["incomplete"]
    fired = ledger[list(REASONS)]
    assert (ledger["kept"] == ~fired.any(axis=1)).all()
    first = fired.idxmax(axis=1).where(~ledger["kept"], "")
    assert (ledger["primary_reason"] == first).all()
    for reason, count in summary["flagged_by_rule"].items():
        assert count >= summary["excluded_by_primary_reason"][reason]
    if rules == "none":
        assert summary["n_kept"] == n  # none excluded
    if summary["n_kept"] == 0:
        with pytest.raises(InputError, match="nothing to model"):
            kept_sample(frame, ledger, instrument, "x.parquet")
    else:
        assert len(kept_sample(frame, ledger, instrument, "x.parquet")) == summary["n_kept"]


def test_all_excluded_is_a_clear_error_before_modelling(instrument):
    frame = base_frame(instrument, n=5)
    frame["AC1"] = 1.0  # everyone fails the check
    screening = screen(frame, instrument, relaxed())
    summary = summarize(screening)
    assert summary["n_kept"] == 0 and summary["excluded_by_primary_reason"]["attention_check"] == 5
    with pytest.raises(InputError, match=r"x\.parquet: screening excluded all 5 respondents.*ledger"):
        kept_sample(frame, screening.ledger, instrument, "x.parquet")


def test_summary_rejects_a_ledger_that_does_not_add_up(instrument):
    screening = screen(base_frame(instrument), instrument, relaxed())
    screening.ledger.loc[0, "primary_reason"] = "not_a_reason"
    screening.ledger.loc[0, "kept"] = False
    with pytest.raises(AssertionError, match="does not add up"):
        summarize(screening)


def test_every_reason_has_labels_in_both_languages():
    for language in ("en", "zh"):
        labels = WORDS[language]["reasons"]
        assert set(labels) == set(REASONS) and all(labels.values())


def test_reverse_scoring_uses_the_instrument_scale(instrument):
    frame = pd.DataFrame({code: [1.0, 2.0, 5.0] for code in instrument.item_codes})
    scored = score(frame, instrument)
    assert list(scored["IN4"]) == [5.0, 4.0, 1.0]
    assert list(scored["IN1"]) == [1.0, 2.0, 5.0]
    instrument_7 = type(instrument)(**{**instrument.__dict__, "scale_min": 1, "scale_max": 7})
    assert list(score(frame, instrument_7)["IN4"]) == [7.0, 6.0, 3.0]


def test_rules_without_their_columns_are_skipped_with_a_note(instrument):
    frame = base_frame(instrument).drop(columns=["submitted_at", "duration_s", "ip_hash"])
    screening = screen(frame, instrument, relaxed())
    for rule, note in [
        ("duplicate_id", "respondent identifier"),
        ("duplicate_ip", "IP"),
        ("duplicate_window", "submission times"),
        ("speeder", "completion times"),
    ]:
        status = screening.rules[rule]
        assert status["enabled"] and not status["applied"] and note in WORDS["en"]["rule_notes"][status["note"]], rule
        assert not screening.ledger[rule].any()
    assert summarize(screening)["n_kept"] == len(frame)


def test_an_export_without_the_attention_check_skips_the_rule_and_says_why(instrument):
    """Ingest leaves a check the export lacks out of the responses; screening records the rule as
    not applied (the export has no column for it) instead of failing everyone or stopping."""
    frame = base_frame(instrument).drop(columns="AC1")
    result = screen(frame, instrument, relaxed(), absent=["AC1"])
    status = result.rules["attention_check"]
    assert status["enabled"] and not status["applied"] and status["note"] == "attention_check_absent"
    assert "no column for the attention check" in WORDS["en"]["rule_notes"][status["note"]]
    assert result.ledger["kept"].all() and summarize(result)["n_kept"] == len(frame)
    unanswered = base_frame(instrument)
    unanswered["AC1"] = np.nan
    assert not screen(unanswered, instrument, relaxed()).ledger["kept"].any()


def test_a_streets_screening_overrides_the_global_rules():
    from govsurvey.config import check_config

    config = {"study": {"instrument": "i.yaml", "model": "m.lavaan"},
              "streets": {"a": {"name": {"zh": "甲", "en": "A"}, "raw_export": "a.xlsx",
                                "screening": {"speeders": {"min_seconds": 90}, "attention_check": False}},
                          "b": {"name": {"zh": "乙", "en": "B"}, "raw_export": "b.xlsx"}},
              "screening": {"irv": {"min_sd": 0.4}}}  # fmt: skip
    checked = check_config(config)
    a, b = checked["streets"]["a"]["screening"], checked["streets"]["b"]["screening"]
    assert a["speeders"] == {"enabled": True, "min_seconds": 90, "median_fraction": 0.3}
    assert a["attention_check"] is False and b["attention_check"] is True
    assert a["irv"]["min_sd"] == b["irv"]["min_sd"] == 0.4  # the global setting, where not overridden
    config["streets"]["a"]["screening"] = {"speeders": {"min_seconds": -1}}
    with pytest.raises(InputError, match=r"streets.a.screening"):
        check_config(config)
