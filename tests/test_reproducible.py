"""Two runs of the shipped study from clean give the same bytes in every result file: data
tables, figures and the chapters in every format (issue 19 item 4). Only logs and benchmark
files, which hold timings, may differ."""

import pytest

from conftest import SALT, result_files, run_shipped_study, shipped_study

pytestmark = pytest.mark.slow


def test_two_clean_runs_are_byte_identical(shipped_run, tmp_path):
    again = run_shipped_study(shipped_study(tmp_path / "study", SALT))
    first, second = result_files(shipped_run), result_files(again)
    assert len(first) > 150  # every stage's files, figures, both chapters
    assert {p for p in first if p.endswith((".pdf", ".docx", ".html", ".png", ".svg"))}
    assert sorted(first) == sorted(second)
    differing = [p for p in first if first[p] != second[p]]
    assert not differing, f"{len(differing)} result files differ between two clean runs: {differing}"
