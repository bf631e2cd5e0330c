"""config.json (de)serialisation: schema versions and clear errors."""

from __future__ import annotations

import json

import attrs
import pytest

from hepzoo.config import SCHEMA_VERSION, read_json, structure, unstructure, write_json
from hepzoo.errors import ConfigError


@attrs.define
class Inner:
    width: int = 4


@attrs.define
class Outer:
    name: str
    inner: Inner = attrs.field(factory=Inner)
    sizes: tuple[int, ...] = (1, 2)


def test_round_trip(tmp_path):
    obj = Outer("x", Inner(8), (3, 4))
    write_json(tmp_path / "c.json", {"config": unstructure(obj)})
    data = read_json(tmp_path / "c.json")
    assert data["schema_version"] == SCHEMA_VERSION
    assert structure(data["config"], Outer) == obj


def test_unknown_key_is_named():
    with pytest.raises(ConfigError, match="unknown keys.*depth"):
        structure({"name": "x", "inner": {"width": 2, "depth": 3}, "sizes": [1]}, Outer)


def test_missing_key_is_named():
    with pytest.raises(ConfigError, match="name"):
        structure({}, Outer)


def test_newer_schema_asks_for_upgrade(tmp_path):
    (tmp_path / "c.json").write_text(json.dumps({"schema_version": SCHEMA_VERSION + 1}))
    with pytest.raises(ConfigError, match="upgrade"):
        read_json(tmp_path / "c.json")


def test_unversioned_and_broken_files(tmp_path):
    (tmp_path / "a.json").write_text("{}")
    with pytest.raises(ConfigError, match="schema_version"):
        read_json(tmp_path / "a.json")
    (tmp_path / "b.json").write_text("{nope")
    with pytest.raises(ConfigError, match="not valid JSON"):
        read_json(tmp_path / "b.json")
    with pytest.raises(ConfigError, match="does not exist"):
        read_json(tmp_path / "c.json")


@attrs.define
class Typed:
    width: int
    scale: float
    flag: bool
    name: str
    inner: Inner
    sizes: tuple[int, ...]


GOOD = {"width": 3, "scale": 2.5, "flag": True, "name": "a", "inner": {"width": 4}, "sizes": [1, 2]}


@pytest.mark.parametrize(
    ("change", "key", "problem"),
    [
        ({"scale": True}, "config.scale", "must be a number, got true"),
        ({"width": "150"}, "config.width", 'must be an integer, got "150"'),
        ({"width": 150.9}, "config.width", "must be an integer, got 150.9"),
        ({"width": 3.0}, "config.width", "must be an integer, got 3.0"),
        ({"scale": "nan"}, "config.scale", 'must be a number, got "nan"'),
        ({"scale": float("nan")}, "config.scale", "must be a finite number"),
        ({"flag": 1}, "config.flag", "must be true or false, got 1"),
        ({"name": 5}, "config.name", "must be a string, got 5"),
        ({"sizes": "12"}, "config.sizes", "must be a list"),
        ({"sizes": [1, "2"]}, "config.sizes", 'must be an integer, got "2"'),
        ({"inner": {}}, "config.inner", "lacks the keys ['width']"),
        ({"inner": []}, "config.inner", "must be a JSON object"),
    ],
)
def test_values_are_never_coerced(change, key, problem):
    with pytest.raises(ConfigError) as info:
        structure({**GOOD, **change}, Typed, what="m/config.json")
    message = str(info.value)
    assert message.startswith("m/config.json: ") and key in message and problem in message
    assert "\n" not in message and "converts no types" in message


def test_every_field_must_be_written():
    """Defaults serve configs built in Python; a file that omits a field is refused, not filled in."""
    assert structure(GOOD, Typed).inner == Inner(4)
    with pytest.raises(ConfigError, match=r"config lacks the keys \['scale'\]"):
        structure({k: v for k, v in GOOD.items() if k != "scale"}, Typed)
    with pytest.raises(ConfigError, match="lacks the keys"):
        structure({}, Outer)


def test_positive_validator_names_the_field():
    from hepzoo.config import positive

    @attrs.define
    class Sizes:
        hidden: int = attrs.field(default=8, validator=positive)

    with pytest.raises(ConfigError, match="'hidden' must be a positive integer, got 0"):
        Sizes(0)
    with pytest.raises(ConfigError, match=r"config: 'hidden' must be a positive integer, got 0"):
        structure({"hidden": 0}, Sizes)


def _model_json(tmp_path, data, raw: bytes | None = None):
    path = tmp_path / "config.json"
    path.write_bytes(raw if raw is not None else json.dumps(data).encode())
    return path


GOOD_FILE = {"schema_version": 1, "family": "f", "tag": None, "hepzoo_version": "0", "config": {}}


@pytest.mark.parametrize(
    ("data", "raw", "problem"),
    [
        ([1, 2], None, "holds a JSON list, not an object"),
        ({**GOOD_FILE, "schema_version": "1"}, None, 'schema_version must be a positive integer such as 1, got "1"'),
        ({k: v for k, v in GOOD_FILE.items() if k != "family"}, None, "has no ['family']"),
        ({k: v for k, v in GOOD_FILE.items() if k != "config"}, None, "has no ['config']"),
        ({**GOOD_FILE, "extra": 1}, None, "unknown keys ['extra']"),
        ({**GOOD_FILE, "family": 3}, None, "'family' must be a string, got 3"),
        ({**GOOD_FILE, "config": []}, None, "'config' must be a JSON object"),
        (None, b'{"schema_version": 1, "family": "\xff\xfe"}', "is not UTF-8 text (byte 33 is 0xff)"),
        (None, b'{"schema_version": 1, "x": NaN}', "holds NaN, which JSON does not allow"),
    ],
)
def test_model_json_is_checked_key_by_key(tmp_path, data, raw, problem):
    from hepzoo.config import read_model_json

    path = _model_json(tmp_path, data, raw)
    with pytest.raises(ConfigError) as info:
        read_model_json(path)
    assert str(path) in str(info.value) and problem in str(info.value)
    assert read_model_json(_model_json(tmp_path, GOOD_FILE))["family"] == "f"


def test_write_json_refuses_nan(tmp_path):
    with pytest.raises(ConfigError, match="finite numbers only"):
        write_json(tmp_path / "c.json", {"x": float("nan")})
    assert not (tmp_path / "c.json").exists()


@pytest.mark.parametrize("value", [0, -1, True, 2.0, "3"])
def test_positive_and_positive_int_are_one_check(value):
    from hepzoo.config import positive, positive_int

    @attrs.define
    class Sizes:
        hidden: int = attrs.field(default=8, validator=positive)

    with pytest.raises(ConfigError) as by_name:
        positive_int("'hidden'", value)
    with pytest.raises(ConfigError) as by_field:
        Sizes(value)
    assert str(by_field.value) == str(by_name.value)


def test_positive_takes_any_integer_type_like_positive_int():
    import numpy as np

    from hepzoo.config import positive, positive_int
    from hepzoo.preprocessing.config import StandardizeConfig

    @attrs.define
    class Sizes:
        hidden: int = attrs.field(default=8, validator=positive)

    assert Sizes(np.int64(3)).hidden == 3 and positive_int("n", np.int64(3)) == 3
    with pytest.raises(ConfigError, match="'n_features' must be a positive integer, got 0"):
        StandardizeConfig(n_features=0)
