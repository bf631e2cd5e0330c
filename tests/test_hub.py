"""The real download path (huggingface_hub) against a Hub-compatible server on 127.0.0.1."""

from __future__ import annotations

import shutil
import subprocess
import sys
import textwrap

import numpy as np
import pytest
import torch

import hepzoo
from hepzoo.errors import HepzooError, IntegrityError, ModelNotFoundError
from hepzoo.hub.integrity import sha256_file
from hepzoo.registry import PretrainedEntry

FILES = ("config.json", "model.safetensors", "README.md")


@pytest.fixture(autouse=True)
def _no_local_registry(monkeypatch):
    monkeypatch.setenv("HEPZOO_NO_CHECKOUT_REGISTRY", "1")
    monkeypatch.delenv("HEPZOO_PATH", raising=False)


@pytest.fixture
def published(tabular_model, hub_root):
    """The test model saved as the Hub repo ``hepzoo-test/tabular``."""
    folder = tabular_model.save_pretrained(hub_root / "hepzoo-test" / "tabular")
    return folder


def _register(registry, folder, tag, repo="hepzoo-test/tabular"):
    entry = PretrainedEntry(family="test-tabular-edm", tag=tag, repo_id=repo,
                            files={f: sha256_file(folder / f) for f in FILES})
    registry.current_distribution = "hepzoo-tests"
    registry.add_pretrained(entry)
    registry.current_distribution = "?"
    return f"test-tabular-edm/{tag}"


def test_fresh_download_gives_identical_samples(tabular_model, published, hub_server):
    model = hepzoo.load("hf-hub:hepzoo-test/tabular")
    np.testing.assert_array_equal(model.sample(32, seed=7).x, tabular_model.sample(32, seed=7).x)
    gets = [p for m, p in hub_server.requests if m == "GET"]
    assert any(p.endswith("model.safetensors") for p in gets)


def test_registered_tag_downloads_and_verifies(registry, tabular_model, published, hub_server):
    model_id = _register(registry, published, "hub-ok")
    model = hepzoo.load(model_id)
    assert model.tag == "hub-ok"
    np.testing.assert_array_equal(model.sample(8, seed=1).x, tabular_model.sample(8, seed=1).x)


def test_cache_serves_when_server_is_down(published, hub_server):
    hepzoo.load("hf-hub:hepzoo-test/tabular")
    hub_server.stop()
    assert hepzoo.load("hf-hub:hepzoo-test/tabular").sample(2, seed=0).x.shape == (2, 2)


def test_offline_mode_uses_cache_and_explains_misses(published, hub_server, monkeypatch):
    hepzoo.load("hf-hub:hepzoo-test/tabular")
    n_requests = len(hub_server.requests)
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    hepzoo.load("hf-hub:hepzoo-test/tabular")
    assert len(hub_server.requests) == n_requests  # no network at all
    shutil.copytree(published, published.parent / "other")
    with pytest.raises(ModelNotFoundError, match="offline"):
        hepzoo.load("hf-hub:hepzoo-test/other")


def test_corrupted_download_is_discarded_refetched_then_refused(registry, published, hub_server):
    model_id = _register(registry, published, "hub-corrupt")
    hub_server.corrupt.add("hepzoo-test/tabular/model.safetensors")
    with pytest.raises(IntegrityError, match="sha256"):
        hepzoo.load(model_id)
    gets = [p for m, p in hub_server.requests if m == "GET" and p.endswith("model.safetensors")]
    assert len(gets) == 2  # the bad copy was deleted and fetched once more
    hub_server.corrupt.clear()
    assert hepzoo.load(model_id) is not None  # nothing bad stayed in the cache


def test_unregistered_repo_is_checked_against_the_hub_sha256(published, hub_server):
    hub_server.corrupt.add("hepzoo-test/tabular/model.safetensors")
    with pytest.raises(IntegrityError):
        hepzoo.load("hf-hub:hepzoo-test/tabular")


def _assert_same_model(loaded, original) -> None:
    assert loaded.family == original.family
    a, b = loaded.state_dict(), original.state_dict()
    assert sorted(a) == sorted(b) and all(torch.equal(a[k], b[k]) for k in a)


def test_truncated_transfer_fails_cleanly(tabular_model, published, hub_server):
    hub_server.truncate.add("hepzoo-test/tabular/model.safetensors")
    with pytest.raises(HepzooError, match="download"):
        hepzoo.load("hf-hub:hepzoo-test/tabular")
    hub_server.truncate.clear()
    _assert_same_model(hepzoo.load("hf-hub:hepzoo-test/tabular"), tabular_model)


def test_unknown_revision_and_repo(published, hub_server):
    with pytest.raises(ModelNotFoundError, match="revision 'v9'"):
        hepzoo.load("hf-hub:hepzoo-test/tabular@v9")
    with pytest.raises(ModelNotFoundError, match="does not exist"):
        hepzoo.load("hf-hub:hepzoo-test/nothing")


def test_commit_revision_pins(tabular_model, published, hub_server):
    commit = hub_server.commit("hepzoo-test/tabular")
    _assert_same_model(hepzoo.load(f"hf-hub:hepzoo-test/tabular@{commit}"), tabular_model)
    with pytest.raises(ModelNotFoundError):
        hepzoo.load(f"hf-hub:hepzoo-test/tabular@{'0' * 40}")


def test_search_path_is_used_before_the_hub(registry, published, tmp_path, monkeypatch):
    mirror = tmp_path / "mirror" / "test-tabular-edm" / "hub-local"
    shutil.copytree(published, mirror)
    model_id = _register(registry, published, "hub-local")
    monkeypatch.setenv("HEPZOO_PATH", str(tmp_path / "mirror"))
    assert hepzoo.locate(model_id) == mirror
    (mirror / "README.md").write_text("changed")
    with pytest.raises(IntegrityError, match="search path"):
        hepzoo.locate(model_id)


@pytest.mark.slow
def test_two_processes_load_the_same_model_at_once(published, hub_server, tmp_path):
    code = textwrap.dedent(
        """
        import sys, numpy as np, hepzoo
        from hepzoo.plugins.manager import get_registry
        get_registry().add_family("test-tabular-edm", "hepzoo.testing.families:TabularEDM")
        x = hepzoo.load("hf-hub:hepzoo-test/tabular").sample(16, seed=3).x
        np.save(sys.argv[1], x)
        """
    )
    env = {**__import__("os").environ, "HF_ENDPOINT": hub_server.endpoint,
           "HF_HUB_CACHE": str(tmp_path / "shared-cache"), "HEPZOO_NO_CHECKOUT_REGISTRY": "1"}
    procs = [subprocess.Popen([sys.executable, "-c", code, str(tmp_path / f"out{i}.npy")], env=env,
                              stderr=subprocess.PIPE, text=True) for i in range(2)]
    for p in procs:
        _, err = p.communicate(timeout=180)
        assert p.returncode == 0, err
    np.testing.assert_array_equal(np.load(tmp_path / "out0.npy"), np.load(tmp_path / "out1.npy"))


def test_saved_weights_are_as_readable_as_the_config(tabular_model, tmp_path):
    folder = tabular_model.save_pretrained(tmp_path / "m")
    mode = lambda name: (folder / name).stat().st_mode & 0o777  # noqa: E731
    assert mode("model.safetensors") == mode("config.json") == 0o666 & ~_umask()


def _umask() -> int:
    import os

    current = os.umask(0)
    os.umask(current)
    return current
