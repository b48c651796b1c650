"""The same simulated survey, exported in every supported format, ingests to the same table."""

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from govsurvey.synthetic.exports import EXPORTS, write_all_formats, write_export
from govsurvey.errors import InputError
from govsurvey.ingest import ingest_export
from govsurvey.synthetic.population import DEFAULT_STREET, HEADER_STYLES, simulate_responses

# Columns every format carries; source/source_detail/respondent_hash only where the platform has them.
SHARED = ["record", "submitted_at", "duration_s", "ip_hash"]


def quiet(*_):
    pass


def ingest(export, instrument, **street):
    """Ingest with the config the export needs: its column map (generic) and code map (exports of codes)."""
    config = {**DEFAULT_STREET, "column_map": export.column_map, "code_map": export.code_map, **street}
    return ingest_export(export.path, instrument, config, "salt", log=quiet)


def truth(simulated, instrument, salt="salt"):
    """The table every export must give, built from the simulation, not from any reader."""
    from govsurvey.ingest.privacy import hash_identifier

    table = pd.DataFrame({
        "record": simulated["respondent_id"].astype("int64"),
        "submitted_at": simulated["submitted_at"].dt.strftime("%Y-%m-%d %H:%M:%S"),
        "duration_s": simulated["duration"].astype("int64"),
        "ip_hash": [hash_identifier(ip, salt) for ip in simulated["ip"]],
    })  # fmt: skip
    for demo in instrument.demographics:
        options = [o["zh"] for o in instrument.demographic_options(demo, DEFAULT_STREET)]
        table[demo.code] = [float(options.index(v) + 1) for v in simulated[demo.code]]
    for code in [c.code for c in instrument.attention_checks] + instrument.item_codes:
        table[code] = simulated[code].astype("Float64").astype(float).to_numpy()
    return table


@pytest.fixture(scope="module")
def simulated(instrument):
    return simulate_responses(instrument, 60, seed=5, street=DEFAULT_STREET, defect_rates={"item_nonresponse": 0.1})


@pytest.fixture(scope="module")
def exports(tmp_path_factory, simulated, instrument):
    return write_all_formats(simulated, instrument, tmp_path_factory.mktemp("exports"))


@pytest.mark.parametrize("name", list(EXPORTS))
def test_every_format_ingests_to_the_simulated_table(name, exports, simulated, instrument):
    table, report = ingest(exports[name], instrument)
    expected = truth(simulated, instrument)
    assert simulated[instrument.item_codes].isna().any().any()  # missing answers are part of the test
    pd.testing.assert_frame_equal(table[expected.columns].reset_index(drop=True), expected, check_dtype=False)
    assert report["format"] == EXPORTS[name][0]
    assert report["format_chosen"].startswith(
        "detected from the file" if name != "generic_csv" else "auto: no platform layout"
    )
    assert report["rows"] == len(simulated)
    assert report["columns_unmatched"] in ([], [{"column": "free_phone", "closest": []}])


@pytest.mark.parametrize(
    "name, encoding",
    [("wenjuanxing_text_utf8bom_csv", "utf-8-sig"), ("wenjuanxing_text_utf8_csv", "utf-8"),
     ("wenjuanxing_text_gbk_csv", "gbk"), ("wenjuanxing_text_gb18030_csv", "gb18030")],
)  # fmt: skip
def test_csv_encoding_is_detected_and_recorded(name, encoding, exports, instrument):
    assert ingest(exports[name], instrument)[1]["encoding"] == encoding


def test_declared_format_and_encoding_that_agree_are_accepted(exports, instrument):
    _, report = ingest(
        exports["wenjuanxing_text_gb18030_csv"], instrument, format="wenjuanxing_text", encoding="gb18030"
    )
    assert report["format_chosen"] == "named in config, confirmed by the file" and report["encoding"] == "gb18030"
    _, report = ingest(exports["wenjuanxing_text_gbk_csv"], instrument, encoding="gb18030")  # GBK is a subset
    assert report["encoding"] == "gb18030"


def test_platform_metadata_and_identifiers(exports, simulated, instrument):
    qualtrics, report = ingest(exports["qualtrics_csv"], instrument)
    assert qualtrics["respondent_hash"].nunique() == len(simulated)
    assert {"Response ID", "IP Address"} == set(report["identifiers_hashed"])
    dropped = {d["column"] for d in report["columns_dropped_personal"]}
    assert {"Location Latitude", "Location Longitude"} <= dropped
    # 来源 / 来源详情 are free text the analysis never reads: left behind (keep-list), reported by kind
    for name in ("wenjuanxing_text_xlsx", "spss_sav"):
        table, report = ingest(exports[name], instrument)
        assert not {"source", "source_detail"} & set(table.columns)
        unused = {d["column"]: (d["kind"], d["what"]) for d in report["columns_dropped_unused"]}
        assert unused["来源"] == ("unused", "source") and unused["来源详情"] == ("unused", "source_detail")
    assert report["reader"].startswith("pyreadstat")


def test_generic_export_needs_its_column_map_and_drops_unmapped_phone_column(exports, instrument):
    table, report = ingest(exports["generic_csv"], instrument)
    assert report["columns_by_column_map"] == len(exports["generic_csv"].column_map)
    assert report["columns_dropped_personal"][-1]["column"] == "free_phone"
    assert report["columns_dropped_personal"][-1]["reason"].startswith("values look like phone numbers (")


def _code_headed(export, path, rename=None):
    """The generic export with its question columns named by their codes (q_pl1 -> PL1,
    d_gender -> gender); the column map keeps only what is no question (record, times, IP)."""
    frame = pd.read_csv(export.path, dtype=str, keep_default_na=False)
    questions = {h: code for h, code in export.column_map.items() if h.startswith(("q_", "d_"))}
    frame = frame.rename(columns={**questions, **(rename or {})})
    frame.to_csv(path, index=False, encoding="utf-8")
    meta = {h: role for h, role in export.column_map.items() if h not in questions}
    return path, meta


def test_generic_headers_equal_to_codes_need_no_column_map(exports, simulated, instrument, tmp_path):
    path, meta = _code_headed(exports["generic_csv"], tmp_path / "codes.csv")
    street = {**DEFAULT_STREET, "format": "generic", "column_map": meta, "code_map": exports["generic_csv"].code_map}
    table, report = ingest_export(path, instrument, street, "salt", log=quiet)
    expected = truth(simulated, instrument)
    pd.testing.assert_frame_equal(table[expected.columns], expected, check_dtype=False)
    questions = len(instrument.item_codes) + len(instrument.attention_checks) + len(instrument.demographics)
    assert report["columns_by_code"] == questions and report["columns_by_column_map"] == len(meta)


def test_format_auto_takes_a_table_headed_by_codes_as_generic(exports, simulated, instrument, tmp_path):
    """No platform layout and no column map at all: the codes in the header make it generic."""
    path, _ = _code_headed(exports["generic_csv"], tmp_path / "codes.csv")
    street = {**DEFAULT_STREET, "code_map": exports["generic_csv"].code_map}
    table, report = ingest_export(path, instrument, street, "salt", log=quiet)
    assert report["format"] == "generic" and report["format_chosen_code"] == "question_codes"
    expected = truth(simulated, instrument)[instrument.item_codes]
    pd.testing.assert_frame_equal(table[expected.columns], expected, check_dtype=False)


def test_a_header_neither_code_nor_mapped_is_the_missing_column_error(exports, instrument, tmp_path):
    """PL4 exported as PL_4 is no code and no map entry: ingest names the item it lacks."""
    path, meta = _code_headed(exports["generic_csv"], tmp_path / "codes.csv", rename={"q_pl4": "PL_4"})
    frame = pd.read_csv(path, dtype=str)
    assert "PL_4" in frame.columns and "PL4" not in frame.columns
    street = {**DEFAULT_STREET, "format": "generic", "column_map": meta, "code_map": exports["generic_csv"].code_map}
    with pytest.raises(InputError, match=r"codes\.csv.*no column for PL4"):
        ingest_export(path, instrument, street, "salt", log=quiet)


def test_a_platform_export_does_not_match_headers_by_code(instrument):
    """Codes match only in a generic table: a Tencent column that happens to be called 'age' is not the question."""
    from govsurvey.ingest.columns import _Matcher
    from govsurvey.ingest.layouts import LAYOUTS

    assert _Matcher(instrument, LAYOUTS["generic"]).match(["pl1"])[0] == {("item", "PL1")}
    assert _Matcher(instrument, LAYOUTS["tencent"]).match(["PL1"])[0] == set()


def test_spss_value_labels_decide_what_codes_mean(tmp_path, simulated, instrument):
    """A .sav coded 0-4 (not 1-5) still ingests right, because its value labels say what each code is."""
    import pyreadstat

    path = exports_path = tmp_path / "shifted.sav"
    write_export(simulated, instrument, exports_path, "spss_sav")
    frame, meta = pyreadstat.read_sav(str(path))
    labels = dict(meta.variable_value_labels)
    shifted = {}
    for name, mapping in labels.items():
        if set(mapping.values()) == {spec["zh"] for spec in instrument.labels.values()}:
            frame[name] = frame[name] - 1
            shifted[name] = {code - 1: label for code, label in mapping.items()}
    assert len(shifted) == len(instrument.item_codes) + 1
    pyreadstat.write_sav(
        frame, str(path), column_labels=meta.column_names_to_labels, variable_value_labels={**labels, **shifted}
    )
    table, _ = ingest_export(path, instrument, DEFAULT_STREET, "salt", log=quiet)
    expected = truth(simulated, instrument)
    pd.testing.assert_frame_equal(table[expected.columns], expected, check_dtype=False)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    name=st.sampled_from(list(EXPORTS)),
    n=st.integers(min_value=3, max_value=25),
    seed=st.integers(min_value=0, max_value=10_000),
    style=st.sampled_from(HEADER_STYLES),
    nonresponse=st.sampled_from([0.0, 0.3]),
)
def test_any_valid_synthetic_export_ingests_to_the_simulated_table(
    tmp_path_factory, instrument, name, n, seed, style, nonresponse
):
    simulated = simulate_responses(instrument, n, seed, DEFAULT_STREET, defect_rates={"item_nonresponse": nonresponse})
    suffix = {"xlsx": ".xlsx", "csv": ".csv", "sav": ".sav"}[EXPORTS[name][1]]
    export = write_export(
        simulated, instrument, tmp_path_factory.mktemp("prop") / f"x{suffix}", name, DEFAULT_STREET, style
    )
    table, report = ingest(export, instrument)
    expected = truth(simulated, instrument)
    pd.testing.assert_frame_equal(table[expected.columns].reset_index(drop=True), expected, check_dtype=False)
    assert report["format"] == EXPORTS[name][0]
    assert sum(report["missing_by_reason"].values()) == int(np.isnan(expected.iloc[:, 4:].to_numpy(dtype=float)).sum())
