"""The hepzoo command line: every error is one clear line; commands do what they say."""

from __future__ import annotations

import json

import h5py
import pytest

from hepzoo.cli.main import main


def test_unknown_model_is_one_line_with_suggestions(registry, capsys):
    assert main(["info", "epic-gan/jetnet150-tpo"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("hepzoo: error:") and len(err.splitlines()) == 1
    assert "Traceback" not in err
    assert "did you mean 'epic-gan/jetnet150-top'" in err  # the closest registered id comes first


def test_bad_id_grammar(capsys):
    assert main(["sample", "not-an-id", "-n", "3", "-o", "x.h5"]) == 2
    assert "family/tag" in capsys.readouterr().err


def test_info_lists_the_declared_conditions(registry, capsys):
    assert main(["info", "epic-gan/jetnet150-top"]) == 0
    assert "condition: n_particles (integer): an integer in [1, 150]" in capsys.readouterr().out
    assert main(["info", "--json", "epic-gan/jetnet150-top"]) == 0
    conditions = json.loads(capsys.readouterr().out)["conditions"]
    assert conditions == [{"name": "n_particles", "unit": "", "kind": "integer", "labels": [], "low": 1,
                           "high": 150, "description": "multiplicity"}]


def test_debug_shows_the_exception(registry):
    from hepzoo.errors import ModelNotFoundError

    with pytest.raises(ModelNotFoundError):
        main(["--debug", "info", "nobody/nothing"])


def test_sample_from_local_dir_writes_a_file(tabular_model, tmp_path, capsys):
    folder = tabular_model.save_pretrained(tmp_path / "m")
    out = tmp_path / "events.h5"
    assert main(["sample", f"local-dir:{folder}", "-n", "12", "-o", str(out), "--seed", "1",
                 "--steps", "4", "--sampler", "euler", "-q"]) == 0
    with h5py.File(out) as f:
        assert f["table"].shape == (12, 2) and f["table"].attrs["columns"] == "a,b"
    assert "wrote 12 events" in capsys.readouterr().out


def test_bad_condition_syntax(tabular_model, tmp_path, capsys):
    folder = tabular_model.save_pretrained(tmp_path / "m")
    assert main(["sample", f"local-dir:{folder}", "-n", "2", "-o", str(tmp_path / "x.h5"), "--cond", "mass"]) == 2
    assert "key=value" in capsys.readouterr().err


def test_list_json_and_plugins(capsys):
    assert main(["list", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    ids = [m["id"] for m in listed]
    assert {"epic-gan/jetnet150-top", "epic-gan/jetnet150-gluon", "epic-gan/jetnet150-quark"} <= set(ids)
    assert ids == sorted(ids)
    top = next(m for m in listed if m["id"] == "epic-gan/jetnet150-top")
    assert top["repo_id"] == "hepzoo/epic-gan-jetnet150-top" and top["dataset"] == "jetnet150-top"
    assert main(["list", "--json", "epic-gan/*150-gluon*"]) == 0
    assert [m["id"] for m in json.loads(capsys.readouterr().out)] == ["epic-gan/jetnet150-gluon"]
    assert main(["plugins"]) == 0
    assert "builtin" in capsys.readouterr().out


def test_mirror_copies_a_verified_model(tabular_model, registry, tmp_path, monkeypatch, capsys):
    from hepzoo.hub.integrity import sha256_file
    from hepzoo.registry import PretrainedEntry

    folder = tabular_model.save_pretrained(tmp_path / "src" / "test-tabular-edm" / "cli-mirror")
    registry.add_pretrained(PretrainedEntry(
        family="test-tabular-edm", tag="cli-mirror", repo_id="org/none",
        files={f: sha256_file(folder / f) for f in ("config.json", "model.safetensors", "README.md")}))
    monkeypatch.setenv("HEPZOO_PATH", str(tmp_path / "src"))
    assert main(["mirror", "test-tabular-edm/cli-mirror", "-o", str(tmp_path / "mirror")]) == 0
    assert (tmp_path / "mirror" / "test-tabular-edm" / "cli-mirror" / "model.safetensors").is_file()
    assert "HEPZOO_PATH" in capsys.readouterr().out
    assert main(["mirror", f"local-dir:{folder}", "-o", str(tmp_path / "m2")]) == 2


def test_mirror_checks_every_target_before_copying_any(tabular_model, registry, tmp_path, monkeypatch, capsys):
    from hepzoo.api import locate
    from hepzoo.hub.integrity import sha256_file
    from hepzoo.registry import PretrainedEntry

    for tag in ("cli-mirror-a", "cli-mirror-b"):
        folder = tabular_model.save_pretrained(tmp_path / "src" / "test-tabular-edm" / tag)
        registry.add_pretrained(PretrainedEntry(
            family="test-tabular-edm", tag=tag, repo_id="org/none",
            files={f: sha256_file(folder / f) for f in ("config.json", "model.safetensors", "README.md")}))
    monkeypatch.setenv("HEPZOO_PATH", str(tmp_path / "src"))
    located = []
    monkeypatch.setattr("hepzoo.api.locate", lambda name: located.append(name) or locate(name))
    blocked = tmp_path / "mirror" / "test-tabular-edm" / "cli-mirror-b"
    blocked.mkdir(parents=True)
    (blocked / "notes.txt").write_text("not a model")
    ids = ["test-tabular-edm/cli-mirror-a", "test-tabular-edm/cli-mirror-b"]
    assert main(["mirror", *ids, "-o", str(tmp_path / "mirror")]) == 2
    assert "cli-mirror-b exists and is not a hepzoo model folder" in capsys.readouterr().err
    assert not (tmp_path / "mirror" / "test-tabular-edm" / "cli-mirror-a").exists()  # nothing copied
    (blocked / "notes.txt").unlink()
    located.clear()
    assert main(["mirror", *ids, "-o", str(tmp_path / "mirror")]) == 0
    assert sorted(located) == ids  # each id located (and hashed) once


def test_publish_dry_run_prints_registry_hashes(tabular_model, registry, tmp_path, capsys):
    folder = tabular_model.save_pretrained(tmp_path / "m")
    assert main(["publish", str(folder), "--repo-id", "org/name", "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "model.safetensors" in out and 'repo_id="org/name"' in out


def test_data_make_rejects_unknown_generator_options(capsys):
    assert main(["data", "make", "calochallenge-ds2", "-n", "2", "-o", "x.h5", "--set", "foo=1"]) == 2
    assert "accepts ['e_max', 'e_min']" in capsys.readouterr().err


def test_data_make_showers_with_fixed_energy(tmp_path, capsys):
    out = tmp_path / "e10.h5"
    assert main(["data", "make", "calochallenge-ds2", "-n", "3", "-o", str(out), "--set", "e_min=1e4",
                 "--set", "e_max=1e4", "-q"]) == 0
    with h5py.File(out) as f:
        assert (f["incident_energies"][:] == 1e4).all()


def test_evaluate_reference_must_exist(tmp_path, capsys):
    assert main(["evaluate", str(tmp_path / "none.h5"), "--reference", "no-such-dataset"]) == 2
    assert "does not exist" in capsys.readouterr().err


def _edit_config(folder, edit):
    path = folder / "config.json"
    data = json.loads(path.read_text())
    edit(data)
    path.write_text(json.dumps(data))
    return path


@pytest.mark.parametrize(
    ("edit", "problem"),
    [
        (lambda d: d["config"].update(hidden=True), "config.hidden must be an integer, got true"),
        (lambda d: d["config"].update(hidden="32"), 'config.hidden must be an integer, got "32"'),
        (lambda d: d["config"].update(hidden=32.9), "config.hidden must be an integer, got 32.9"),
        (lambda d: d.update(config={}), "config lacks the keys ['columns', 'hidden', 'prior_rows']"),
        (lambda d: d["config"].pop("prior_rows"), "config lacks the keys ['prior_rows']"),
        (lambda d: d.update(extra=1), "unknown keys ['extra']"),
        (lambda d: d.pop("family"), "has no ['family']"),
        (lambda d: d.update(schema_version="1"), "schema_version must be a positive integer"),
    ],
)
def test_config_json_is_strict(tabular_model, tmp_path, capsys, edit, problem):
    folder = tabular_model.save_pretrained(tmp_path / "m")
    path = _edit_config(folder, edit)
    assert main(["sample", f"local-dir:{folder}", "-n", "2", "-o", str(tmp_path / "x.h5"), "-q"]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and str(path) in err and problem in err
    assert not (tmp_path / "x.h5").exists()


def test_config_json_list_or_bytes(tabular_model, tmp_path, capsys):
    folder = tabular_model.save_pretrained(tmp_path / "m")
    (folder / "config.json").write_text("[1, 2]")
    assert main(["sample", f"local-dir:{folder}", "-n", "2", "-o", str(tmp_path / "x.h5")]) == 2
    assert "holds a JSON list, not an object" in capsys.readouterr().err
    (folder / "config.json").write_bytes(b'{"schema_version": 1, "family": "\xff"}')
    assert main(["publish", str(folder), "--repo-id", "org/name", "--dry-run"]) == 2
    err = capsys.readouterr().err
    assert "is not UTF-8 text" in err and len(err.strip().splitlines()) == 1


def test_did_you_mean_ignores_case(registry, capsys):
    assert main(["info", "EPIC-GAN/JETNET150-TOP"]) == 2
    assert "did you mean 'epic-gan/jetnet150-top'" in capsys.readouterr().err


def test_debug_is_accepted_after_the_subcommand(registry):
    from hepzoo.errors import ModelNotFoundError

    with pytest.raises(ModelNotFoundError):
        main(["info", "nobody/nothing", "--debug"])


@pytest.mark.parametrize(
    ("extra", "problem"),
    [
        (["--set", "e_min=abc"], "--set e_min takes a number (default 1000.0), got 'abc'"),
        (["--set", "e_max=nan"], "--set e_max takes a finite number"),
        (["--workers", "0"], "--workers must be a positive integer, got 0"),
        (["--workers", "-1"], "--workers must be a positive integer, got -1"),
    ],
)
def test_data_make_parses_options_by_their_type(tmp_path, capsys, extra, problem):
    assert main(["data", "make", "calochallenge-ds2", "-n", "2", "-o", str(tmp_path / "x.h5"), "-q", *extra]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and problem in err
    assert not (tmp_path / "x.h5").exists()


def test_quiet_data_make_prints_no_fastjet_banner(tmp_path):
    import subprocess
    import sys

    pytest.importorskip("pythia8mc")
    pytest.importorskip("fastjet")
    out = subprocess.run([sys.executable, "-m", "hepzoo.cli.main", "data", "make", "jetnet30-top", "-n", "2", "-o",
                          str(tmp_path / "j.h5"), "-q"], capture_output=True, text=True, check=True)
    assert "FastJet" not in out.stdout + out.stderr
    assert out.stdout.strip() == f"wrote 2 events of jetnet30-top to {tmp_path / 'j.h5'}"


def test_convert_refuses_bad_inputs_and_outputs_before_any_work(registry, tmp_path, capsys):
    (tmp_path / "empty.tar").write_bytes(b"")
    (tmp_path / "pickle.safetensors").write_bytes(b"\x80\x04\x95\x0b\x00\x00\x00\x00\x00\x00\x00}\x94\x8c\x01a\x94K\x01s.")
    (tmp_path / "thesis.tex").write_text("keep me")
    convert = ["convert", "epic-gan"]
    cases = [
        ([str(tmp_path / "empty.tar"), "-o", str(tmp_path / "m")], "is empty (0 bytes)"),
        (["/dev/null", "-o", str(tmp_path / "m")], "is not a regular file"),
        ([str(tmp_path / "pickle.safetensors"), "-o", str(tmp_path / "m"), "--multiplicities", "x.h5"],
         "is not a safetensors file"),
        ([str(tmp_path / "pickle.safetensors"), "-o", str(tmp_path / "thesis.tex")],
         "thesis.tex exists and is a file, not a hepzoo model folder"),
        ([str(tmp_path / "pickle.safetensors"), "-o", ""], "-o is empty"),
    ]
    for args, problem in cases:
        assert main([*convert, *args]) == 2
        err = capsys.readouterr().err
        assert len(err.strip().splitlines()) == 1 and problem in err, err
    assert (tmp_path / "thesis.tex").read_text() == "keep me"


def test_publish_refuses_a_card_that_is_not_utf8(tabular_model, tmp_path, capsys):
    folder = tabular_model.save_pretrained(tmp_path / "m")
    (folder / "README.md").write_bytes(b"---\nlicense: mit\n---\n\xff\xfe card")
    assert main(["publish", str(folder), "--repo-id", "org/name", "--dry-run"]) == 2
    err = capsys.readouterr().err
    assert "README.md is not UTF-8 text (byte 21)" in err and len(err.strip().splitlines()) == 1
