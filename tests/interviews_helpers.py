"""Shared helpers for the interview tests: the synthetic study and a copy of it to spoil."""

import shutil

from conftest import ROOT

DEMO = ROOT / "tests" / "data" / "interviews" / "demo"
CONSTRUCTS = {"IN", "OB", "MS", "PM", "PL", "PW", "RI", "GS"}


def copy_demo(tmp_path):
    target = tmp_path / "demo"
    shutil.copytree(DEMO, target)
    return target
