"""A model folder given as a plain path loads as ``local-dir:`` does; a registered id is never shadowed by one."""

from __future__ import annotations

import json

import h5py
import numpy as np
import pytest

import hepzoo
from hepzoo.cli.main import main
from hepzoo.errors import ConfigError, ModelNotFoundError
from hepzoo.hub.integrity import sha256_file
from hepzoo.hub.resolve import parse_model_id
from hepzoo.registry import PretrainedEntry


@pytest.fixture
def folder(tabular_model, tmp_path):
    return tabular_model.save_pretrained(tmp_path / "models" / "m")


def _same_model(a, b) -> None:
    np.testing.assert_array_equal(a.sample(8, seed=3, steps=2).x, b.sample(8, seed=3, steps=2).x)


@pytest.mark.parametrize("name", ["/abs/m", "./m", "../m", "~/m", ".", "..", "./epic-gan/jetnet150-top"])
def test_a_name_written_as_a_path_is_a_folder(name):
    assert parse_model_id(name) == parse_model_id(f"local-dir:{name}")


def test_an_absolute_path_loads_as_local_dir_does(folder, tabular_model):
    model = hepzoo.load(str(folder))
    _same_model(model, tabular_model)
    assert model.source == hepzoo.load(f"local-dir:{folder}").source == f"local-dir:{folder.resolve()}"


def test_relative_and_home_paths_load(folder, tabular_model, monkeypatch):
    monkeypatch.chdir(folder.parent)
    _same_model(hepzoo.load("./m"), tabular_model)
    monkeypatch.chdir(folder)
    _same_model(hepzoo.load("../m"), tabular_model)
    _same_model(hepzoo.load("."), tabular_model)
    monkeypatch.setenv("HOME", str(folder.parent))
    _same_model(hepzoo.load("~/m"), tabular_model)


def test_an_existing_folder_whose_name_cannot_be_an_id_loads(folder, tabular_model, monkeypatch):
    monkeypatch.chdir(folder.parents[1])
    _same_model(hepzoo.load("models/m/"), tabular_model)  # two slashes: no registered id looks like this
    monkeypatch.chdir(folder.parent)
    _same_model(hepzoo.load("m"), tabular_model)


def test_a_registered_id_wins_over_a_same_named_folder_unless_written_as_a_path(
    registry, tabular_model, tmp_path, monkeypatch
):
    published = tabular_model.save_pretrained(tmp_path / "mirror" / "test-tabular-edm" / "path-shadow")
    registry.current_distribution = "hepzoo-tests"
    registry.add_pretrained(PretrainedEntry(family="test-tabular-edm", tag="path-shadow", repo_id="hepzoo-test/x",
                                            files={f: sha256_file(published / f) for f in ("config.json",
                                                                                         "model.safetensors")}))
    registry.current_distribution = "?"
    monkeypatch.setenv("HEPZOO_PATH", str(tmp_path / "mirror"))
    work = tmp_path / "work"
    local = tabular_model.save_pretrained(work / "test-tabular-edm" / "path-shadow")
    monkeypatch.chdir(work)
    assert hepzoo.locate("test-tabular-edm/path-shadow") == published
    model = hepzoo.load("test-tabular-edm/path-shadow")
    assert model.tag == "path-shadow" and model.source is None
    assert hepzoo.locate("./test-tabular-edm/path-shadow").resolve() == local.resolve()
    assert hepzoo.load("./test-tabular-edm/path-shadow").source == f"local-dir:{local.resolve()}"


def test_an_unregistered_id_that_is_a_folder_here_points_to_the_path(tabular_model, registry, tmp_path, monkeypatch):
    tabular_model.save_pretrained(tmp_path / "runs" / "model")
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ModelNotFoundError, match=r"no model 'runs/model' is registered.*write it as ./runs/model"):
        hepzoo.load("runs/model")


def test_a_folder_that_is_not_a_model_is_refused_in_one_line(folder, tmp_path, monkeypatch, capsys):
    (tmp_path / "notes").mkdir()
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ConfigError, match=r"^notes has no config.json or model.safetensors; point it at a folder") as err:
        hepzoo.load("./notes")
    assert "\n" not in str(err.value)
    (tmp_path / "notes" / "config.json").write_text((folder / "config.json").read_text())
    assert main(["sample", "./notes", "-n", "2", "-q", "-o", str(tmp_path / "x.h5")]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "notes has no model.safetensors" in err
    assert not (tmp_path / "x.h5").exists()
    with pytest.raises(ConfigError, match="does-not-exist is not a folder"):
        hepzoo.load("./does-not-exist")


def test_the_command_line_samples_and_describes_a_folder_by_its_path(folder, monkeypatch, capsys):
    monkeypatch.chdir(folder.parent)
    assert main(["sample", "./m", "-n", "6", "--steps", "2", "-q", "-o", "jets.h5"]) == 0
    assert "wrote 6 events" in capsys.readouterr().out
    with h5py.File(folder.parent / "jets.h5") as f:
        assert f["table"].shape == (6, 2)
    assert main(["sample", str(folder), "-n", "3", "--steps", "2", "-q", "-o", "abs.h5"]) == 0
    capsys.readouterr()
    assert main(["info", "--json", "./m"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["id"] == f"local-dir:{folder.resolve()}" and info["family"] == "test-tabular-edm"
    assert info["files"]["model.safetensors"] == sha256_file(folder / "model.safetensors")
    assert info["conditions"] == []  # the toy family is unconditional


def test_a_home_of_no_user_is_one_line():
    with pytest.raises(ConfigError, match="'~' names no home directory here; give the folder's full path"):
        hepzoo.load("~hepzoo-no-such-user/m")
