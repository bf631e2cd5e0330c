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
        structure({"name": "x", "inner": {"width": 2, "depth": 3}}, Outer)


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
