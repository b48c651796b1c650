import copy

import pytest
import yaml

from conftest import INSTRUMENT_PATH, ROOT
from govsurvey.config import check_config
from govsurvey.errors import InputError
from govsurvey.study.instrument import load_instrument


@pytest.fixture
def config():
    return yaml.safe_load((ROOT / "config.yaml").read_text(encoding="utf-8"))


def test_shipped_config_is_valid_and_defaults_are_filled(config):
    del config["screening"]["speeders"]["min_seconds"]
    del config["analysis"]
    checked = check_config(config)
    assert checked["screening"]["speeders"]["min_seconds"] == 120
    assert checked["analysis"]["seed"] == 20260903
    assert checked["ingest"]["salt_file"] == ".secrets/ingest_salt"


def test_unknown_key_is_named(config):
    config["screening"]["speeder"] = {"enabled": False}
    with pytest.raises(InputError) as error:
        check_config(config, source="my.yaml")
    message = str(error.value)
    assert message.startswith("my.yaml: unknown key 'speeder' at screening.")
    assert "speeders" in message  # the allowed keys are listed


def test_wrong_type_names_the_place(config):
    config["screening"]["straightlining"]["max_longstring"] = "ten"
    with pytest.raises(InputError, match="screening/straightlining/max_longstring"):
        check_config(config)


def test_report_street_must_exist(config):
    config["report"]["street"] = "m_street"
    with pytest.raises(InputError, match="report.street is 'm_street'.*use one of: l_street"):
        check_config(config)


def test_report_street_defaults_to_the_first(config):
    del config["report"]["street"]
    assert check_config(config)["report"]["street"] == "l_street"


def test_instrument_schema_errors_name_file_and_key(tmp_path):
    data = yaml.safe_load(INSTRUMENT_PATH.read_text(encoding="utf-8"))
    broken = copy.deepcopy(data)
    broken["constructs"]["IN"]["items"][0]["reverse"] = "yes"
    path = tmp_path / "instrument.yaml"
    path.write_text(yaml.safe_dump(broken, allow_unicode=True), encoding="utf-8")
    with pytest.raises(InputError, match=r"instrument.yaml: at constructs/IN/items/0/reverse: 'yes' is not of type 'boolean'"):
        load_instrument(path)


def test_instrument_must_place_every_item_in_a_matrix(tmp_path):
    data = yaml.safe_load(INSTRUMENT_PATH.read_text(encoding="utf-8"))
    data["matrices"][0]["rows"].remove("IN2")
    path = tmp_path / "instrument.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(InputError, match=r"not placed: \['IN2'\]"):
        load_instrument(path)


def test_default_instrument(instrument):
    assert len(instrument.items) == 32 and len(instrument.constructs) == 8
    assert instrument.reverse_items == ["IN4", "OB4", "MS4", "PL4", "PW4", "RI4"]
    assert {c.role for c in instrument.constructs.values()} == {"cause", "problem", "outcome"}
    assert instrument.attention_checks[0].expected == 4


def test_key_order_does_not_matter_but_street_order_does(config):
    reordered = yaml.safe_load(yaml.safe_dump(config, sort_keys=True))
    reordered["streets"] = {"m_street": {**config["streets"]["l_street"]}, **reordered["streets"]}
    config["streets"]["m_street"] = config["streets"]["l_street"]
    del config["report"]["street"], reordered["report"]["street"]
    a, b = check_config(config), check_config(reordered)
    assert a["streets"]["l_street"] == b["streets"]["l_street"]
    assert repr(a["streets"]["l_street"]) == repr(b["streets"]["l_street"])  # what Snakemake compares
    assert repr(a["screening"]) == repr(b["screening"])
    assert (a["report"]["street"], b["report"]["street"]) == ("l_street", "m_street")


def test_comparison_names_known_streets_and_keeps_the_groupings_order():

    config = yaml.safe_load((ROOT / "config.yaml").read_text(encoding="utf-8"))
    checked = check_config(copy.deepcopy(config))
    assert list(checked["comparison"]["groups"]) == list(config["comparison"]["groups"])
    assert checked["comparison"]["focal"] == "l_street"
    config["comparison"]["streets"] = ["wuhu_road", "nowhere"]
    with pytest.raises(InputError, match="comparison names the street 'nowhere'"):
        check_config(config)


def test_the_path_diagram_is_structural_unless_full_is_asked_for(config):
    config.pop("figures", None)
    assert check_config(copy.deepcopy(config))["figures"]["path_diagram"] == "structural"
    config["figures"] = {"path_diagram": "amos"}
    with pytest.raises(InputError, match="figures/path_diagram"):
        check_config(config)
