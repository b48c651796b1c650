import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from govsurvey.errors import InputError
from govsurvey.screening import REASONS, kept_sample, longstring, score, screen, summarize

SETTINGS = {
    "duplicates": True,
    "attention_check": True,
    "speeders": {"enabled": True, "min_seconds": 120, "median_fraction": 0.3},
    "straightlining": {"enabled": True, "max_longstring": 20},
    "listwise": True,
}


def responses_frame(instrument, answers, durations, checks, ips):
    frame = pd.DataFrame(answers, columns=instrument.item_codes, dtype=float)
    frame.insert(0, "AC1", checks)
    frame.insert(0, "ip_hash", ips)
    frame.insert(0, "duration_s", durations)
    frame.insert(0, "submitted_at", [f"2026/09/03 12:{i % 60:02d}:00" for i in range(len(frame))])
    frame.insert(0, "record", np.arange(1, len(frame) + 1))
    return frame


def test_longstring_counts_the_longest_run():
    frame = pd.DataFrame([[1, 1, 2, 2, 2, 3], [4, 4, 4, 4, 4, 4], [1, np.nan, 1, 1, 5, 5]])
    assert list(longstring(frame)) == [3, 6, 2]


def test_each_rule_fires_on_its_case(instrument):
    rng = np.random.default_rng(3)
    n = 12
    answers = rng.integers(1, 6, size=(n, len(instrument.items))).astype(float)
    answers[:, ::2] = np.where(answers[:, ::2] == answers[:, 1::2], answers[:, ::2] % 5 + 1, answers[:, ::2])
    durations = np.full(n, 400.0)
    checks = np.full(n, 4.0)
    ips = [f"ip{i}" for i in range(n)]
    durations[1] = 60  # speeder
    checks[2] = 2  # failed check
    answers[3] = 3  # straight-liner (also fails nothing else)
    answers[4, 5] = np.nan  # incomplete
    answers[6], ips[6], checks[6] = answers[5], ips[5], checks[5]  # duplicate of record 6
    ledger = screen(responses_frame(instrument, answers, durations, checks, ips), instrument, SETTINGS)
    primary = dict(zip(ledger["record"], ledger["primary_reason"]))
    assert primary[2] == "speeder"
    assert primary[3] == "attention_check"
    assert primary[4] == "straightlining"
    assert primary[5] == "incomplete"
    assert primary[7] == "duplicate" and primary[6] == ""
    assert ledger["kept"].sum() == n - 5


def test_rules_can_be_switched_off(instrument):
    answers = np.full((3, len(instrument.items)), 3.0)
    frame = responses_frame(instrument, answers, [10, 10, 10], [1, 1, 1], ["a", "a", "a"])
    off = {
        "duplicates": False,
        "attention_check": False,
        "speeders": {**SETTINGS["speeders"], "enabled": False},
        "straightlining": {**SETTINGS["straightlining"], "enabled": False},
        "listwise": False,
    }
    assert screen(frame, instrument, off)["kept"].all()
    assert not screen(frame, instrument, SETTINGS)["kept"].any()


@settings(max_examples=40, deadline=None)
@given(data=st.data())
def test_ledger_accounts_for_every_record(instrument, data):
    n = data.draw(st.integers(1, 25))
    k = len(instrument.items)
    answers = data.draw(st.lists(st.lists(st.sampled_from([1.0, 2.0, 3.0, 4.0, 5.0, np.nan]), min_size=k, max_size=k), min_size=n, max_size=n))
    durations = data.draw(st.lists(st.floats(1, 2000), min_size=n, max_size=n))
    checks = data.draw(st.lists(st.sampled_from([1.0, 4.0, np.nan]), min_size=n, max_size=n))
    ips = data.draw(st.lists(st.sampled_from(["a", "b", None]), min_size=n, max_size=n))
    frame = responses_frame(instrument, answers, durations, checks, ips)
    ledger = screen(frame, instrument, SETTINGS)
    summary = summarize(ledger)
    assert len(ledger) == n and ledger["record"].is_unique
    assert summary["n_raw"] == summary["n_kept"] + sum(summary["excluded_by_primary_reason"].values())
    assert set(ledger.loc[~ledger["kept"], "primary_reason"]) <= set(REASONS)
    if summary["n_kept"] == 0:
        with pytest.raises(InputError, match="nothing to model"):
            kept_sample(frame, ledger, instrument, "x.parquet")
    else:
        assert len(kept_sample(frame, ledger, instrument, "x.parquet")) == summary["n_kept"]


def test_reverse_scoring_uses_the_instrument_scale(instrument):
    frame = pd.DataFrame({code: [1.0, 2.0, 5.0] for code in instrument.item_codes})
    scored = score(frame, instrument)
    assert list(scored["IN4"]) == [5.0, 4.0, 1.0]
    assert list(scored["IN1"]) == [1.0, 2.0, 5.0]
    instrument_7 = type(instrument)(**{**instrument.__dict__, "scale_min": 1, "scale_max": 7})
    assert list(score(frame, instrument_7)["IN4"]) == [7.0, 6.0, 3.0]
