"""Writing results: a full disk or a size limit names the output; an export's content, not its
modification time, decides whether it is read again."""

import os
import subprocess
import sys
import textwrap

import pytest

from conftest import ROOT
from govsurvey.io import file_sha256, record_checksum

# A job that writes one output under a 64 KiB file-size limit (as `ulimit -f 64` in the shell
# that started the run); SIGXFSZ ignored, so the write fails with EFBIG instead of killing Python.
LIMITED_WRITE = textwrap.dedent("""
    import resource, signal, sys
    import numpy as np, pandas as pd
    from govsurvey.errors import reported_errors
    from govsurvey.io import write_json, write_table
    from govsurvey.figures.style import new_figure, save

    table = pd.DataFrame(np.random.default_rng(1).normal(size=(20_000, 5)), columns=list("abcde"))
    figure = new_figure(6, 4)
    figure.add_subplot().scatter(table["a"], table["b"], s=1)
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (64 * 1024, 64 * 1024))
    path = sys.argv[1]
    with reported_errors():
        if path.endswith(".json"):
            write_json({"rows": table.to_dict("records")}, path)
        elif path.endswith(".svg"):
            save(figure, path[:-4] + ".png", path)
        else:
            write_table(table, path)
""")


@pytest.mark.skipif(sys.platform != "linux", reason="file-size limits as Linux sets them")
@pytest.mark.parametrize("name, failing", [("params.parquet", "params.parquet"), ("params.csv", "params.csv"),
                                           ("fit.json", "fit.json"), ("path_diagram.svg", "path_diagram.png")])
def test_a_file_size_limit_names_the_output_that_could_not_be_written(tmp_path, name, failing):
    """Before: a raw pyarrow OSError traceback ('Error writing bytes to file'), and a truncated file
    left behind that looked like a result."""
    path = tmp_path / "results" / "l_street" / "sem" / name
    result = subprocess.run([sys.executable, "-c", LIMITED_WRITE, str(path)], capture_output=True, text=True,
                            env={**os.environ, "PYTHONPATH": str(ROOT / "src")}, timeout=120)  # fmt: skip
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert lines == [f"ERROR: {path.with_name(failing)}: could not be written: the file-size limit was reached (File too large). "
                     "Fix: free space on the drive that holds results/ (or raise the limit: `ulimit -f`, the "
                     "quota) and run the same command again; Snakemake redoes only the unfinished jobs."]
    assert not path.with_name(failing).exists()  # no truncated output left to look like a result


def test_other_write_errors_are_not_called_a_full_disk(tmp_path):
    from govsurvey.io import write_json

    (tmp_path / "results").write_text("a file where a folder should be", encoding="utf-8")
    with pytest.raises(OSError) as error:
        write_json({}, tmp_path / "results" / "fit.json")
    assert "could not be written" not in str(error.value)


def test_the_checksum_stamp_changes_only_with_the_exports_content(tmp_path):
    export, stamp = tmp_path / "export.xlsx", tmp_path / "results" / "l_street" / "ingest" / "export.sha256"
    export.write_bytes(b"first export")
    assert record_checksum(export, stamp)
    assert stamp.read_text(encoding="utf-8") == file_sha256(export) + "\n"
    os.utime(stamp, (1_000_000_000, 1_000_000_000))
    assert not record_checksum(export, stamp)  # same content: the stamp keeps its time
    assert stamp.stat().st_mtime == 1_000_000_000
    times = export.stat()
    export.write_bytes(b"a re-export")
    os.utime(export, (times.st_atime, times.st_mtime))  # as `cp -p` leaves it
    assert record_checksum(export, stamp)
    assert stamp.stat().st_mtime > 1_000_000_000 and stamp.read_text(encoding="utf-8").strip() == file_sha256(export)
    # no export (or a folder): nothing stamped, ingest names the problem
    assert not record_checksum(tmp_path / "missing.xlsx", tmp_path / "other.sha256")
    assert not record_checksum(tmp_path, tmp_path / "other.sha256")
    assert not (tmp_path / "other.sha256").exists()
