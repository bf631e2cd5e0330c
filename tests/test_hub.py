"""The real download path (huggingface_hub) against a Hub-compatible server on 127.0.0.1."""

from __future__ import annotations

import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
import torch

import hepzoo
from hepzoo.errors import ConfigError, HepzooError, IntegrityError, ModelNotFoundError
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


# -- the test Hub answers as huggingface.co does; every file is verified against a recorded hash --


def _head(url: str):
    import urllib.error
    import urllib.request

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    opener = urllib.request.build_opener(NoRedirect)
    try:
        return opener.open(urllib.request.Request(url, method="HEAD"), timeout=10)
    except urllib.error.HTTPError as exc:  # the 302 of an LFS file
        return exc


def test_server_etags_are_git_sha1_for_git_files_and_sha256_for_lfs_files(published, hub_server):
    import hashlib

    base = f"{hub_server.endpoint}/hepzoo-test/tabular/resolve/main"
    for name in ("config.json", "README.md"):
        data = (published / name).read_bytes()
        response = _head(f"{base}/{name}")
        assert response.status == 200
        git_sha1 = hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()
        assert response.headers["ETag"] == f'"{git_sha1}"'
    data = (published / "model.safetensors").read_bytes()
    response = _head(f"{base}/model.safetensors")
    assert response.status == 302
    assert response.headers["X-Linked-Etag"] == f'"{hashlib.sha256(data).hexdigest()}"'
    assert int(response.headers["X-Linked-Size"]) == len(data)
    assert response.headers["Location"].startswith(hub_server.cdn_endpoint)  # another origin, as the CDN is


def _config_gets(hub_server, repo="hepzoo-test/tabular") -> int:
    return sum(1 for m, p in hub_server.requests if m == "GET" and p == f"/{repo}/resolve/main/config.json")


def _cached(name: str = "config.json") -> Path:
    return hepzoo.locate("hf-hub:hepzoo-test/tabular") / name


def test_corrupt_cached_config_json_is_detected_and_refetched(tabular_model, published, hub_server):
    blob = _cached().resolve()
    blob.write_bytes(b"\xff\xfe not json, not even UTF-8")
    _assert_same_model(hepzoo.load("hf-hub:hepzoo-test/tabular"), tabular_model)  # no UnicodeDecodeError
    assert _config_gets(hub_server) == 2
    assert _cached().read_bytes() == (published / "config.json").read_bytes()


def test_hub_serving_a_corrupt_config_json_is_refused_in_one_line(published, hub_server):
    hub_server.corrupt.add("hepzoo-test/tabular/config.json")
    with pytest.raises(IntegrityError, match="git-sha1.*even after a fresh download") as info:
        hepzoo.load("hf-hub:hepzoo-test/tabular")
    assert len(str(info.value).splitlines()) == 1
    assert _config_gets(hub_server) == 2  # deleted, fetched once more, then refused


def test_corrupt_cache_offline_names_the_fix(published, hub_server, monkeypatch):
    blob = _cached("model.safetensors").resolve()
    blob.write_bytes(b"\0" * blob.stat().st_size)
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(IntegrityError, match="corrupt.*HF_HUB_OFFLINE is set.*run once with the Hub") as info:
        hepzoo.load("hf-hub:hepzoo-test/tabular")
    assert "force_download" not in str(info.value) and len(str(info.value).splitlines()) == 1
    assert blob.exists()  # left for an online run to replace, not deleted offline


def _closed_port_endpoint() -> str:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def test_unreachable_endpoint_fails_fast_in_one_line(tmp_path, monkeypatch, caplog):
    """One connection attempt and no back-off sleep: not huggingface_hub's 23 s of retries."""
    import socket
    import time

    import huggingface_hub.constants as hf_constants

    monkeypatch.setattr(hf_constants, "HF_HUB_CACHE", str(tmp_path / "cache"))
    monkeypatch.setattr(hf_constants, "HF_HUB_OFFLINE", False)
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    monkeypatch.setenv("HF_ENDPOINT", _closed_port_endpoint())
    connects, sleeps = [], []
    connect = socket.socket.connect
    monkeypatch.setattr(socket.socket, "connect", lambda sock, address: connects.append(address) or connect(sock, address))
    sleep = time.sleep
    monkeypatch.setattr(time, "sleep", lambda seconds: sleeps.append(seconds) or sleep(seconds))
    with pytest.raises(ModelNotFoundError, match="cannot be reached.*not in the local cache.*HF_ENDPOINT") as info:
        hepzoo.load("hf-hub:hepzoo-test/tabular")
    assert len(connects) == 1 and sleeps == []  # no retries
    assert len(str(info.value).splitlines()) == 1
    assert not [r for r in caplog.records if "retry" in r.getMessage().lower()]


def test_unreachable_endpoint_still_serves_the_verified_cache(tabular_model, published, hub_server, monkeypatch):
    hepzoo.load("hf-hub:hepzoo-test/tabular")
    monkeypatch.setenv("HF_ENDPOINT", _closed_port_endpoint())
    _assert_same_model(hepzoo.load("hf-hub:hepzoo-test/tabular"), tabular_model)


def test_copy_discarded_by_another_process_is_fetched_again(tabular_model, published, hub_server, monkeypatch):
    from hepzoo.hub import resolve

    real = resolve._download
    calls = []

    def racing(repo_id, filename, revision, force=False):
        path, why = real(repo_id, filename, revision, force)
        calls.append(filename)
        if calls.count(filename) == 1:  # a concurrent process found it corrupt and discarded it
            resolve._discard(path)
        return path, why

    monkeypatch.setattr(resolve, "_download", racing)
    _assert_same_model(hepzoo.load("hf-hub:hepzoo-test/tabular"), tabular_model)  # no bare Errno 2
    assert calls.count("model.safetensors") == 2


@pytest.mark.slow
def test_processes_racing_on_a_corrupt_download_each_get_one_clear_error(published, hub_server, tmp_path):
    code = textwrap.dedent(
        """
        import hepzoo
        from hepzoo.errors import HepzooError
        try:
            hepzoo.locate("hf-hub:hepzoo-test/tabular")
            print("ok")
        except HepzooError as exc:
            print(type(exc).__name__, str(exc).count("\\n"))
        """
    )
    hub_server.corrupt.add("hepzoo-test/tabular/model.safetensors")
    env = {**__import__("os").environ, "HF_ENDPOINT": hub_server.endpoint,
           "HF_HUB_CACHE": str(tmp_path / "shared-cache"), "HEPZOO_NO_CHECKOUT_REGISTRY": "1"}
    procs = [subprocess.Popen([sys.executable, "-c", code], env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for _ in range(4)]
    for p in procs:
        out, err = p.communicate(timeout=180)
        assert p.returncode == 0, err
        assert out.split() == ["IntegrityError", "0"], out + err


def test_local_dir_of_a_torch_checkpoint_points_to_convert(tmp_path):
    from hepzoo.errors import ConfigError

    (tmp_path / "pytorch_model.bin").write_bytes(b"\0" * 8)
    with pytest.raises(ConfigError, match=r"torch checkpoint \(pytorch_model.bin\).*'hepzoo convert FAMILY"):
        hepzoo.load(f"local-dir:{tmp_path}")
    (tmp_path / "pytorch_model.bin").unlink()
    with pytest.raises(ConfigError, match="no config.json or model.safetensors; point it at a folder"):
        hepzoo.load(f"local-dir:{tmp_path}")


def test_samples_from_a_local_copy_name_the_copy_not_the_registered_id(registry, tabular_model, published,
                                                                        hub_server, tmp_path):
    model_id = _register(registry, published, "hub-src")
    assert hepzoo.load(model_id).sample(2, seed=0, steps=2).meta["model"] == model_id
    copy = shutil.copytree(hepzoo.locate(model_id), tmp_path / "copy")
    samples = hepzoo.load(f"local-dir:{copy}").sample(2, seed=0, steps=2)
    assert samples.meta["model"] == f"local-dir:{copy.resolve()}"
    assert hepzoo.load("hf-hub:hepzoo-test/tabular").sample(2, seed=0, steps=2).meta["model"] == (
        "hf-hub:hepzoo-test/tabular@main")


def test_mirror_checks_every_source_before_copying_any(registry, published, tmp_path, monkeypatch, capsys):
    from hepzoo.cli.main import main

    mirror = tmp_path / "src" / "test-tabular-edm" / "mirror-ok"
    shutil.copytree(published, mirror)
    model_id = _register(registry, published, "mirror-ok")
    monkeypatch.setenv("HEPZOO_PATH", str(tmp_path / "src"))
    out = tmp_path / "mirror"
    assert main(["mirror", model_id, "hf-hub:x/y", "nobody/nothing", "-o", str(out)]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "nothing was mirrored" in err
    assert "'hf-hub:x/y'" in err and "'nobody/nothing'" in err
    assert not out.exists()  # the good first id was not copied either
    assert main(["mirror", model_id, "-o", str(out)]) == 0
    assert (out / model_id / "model.safetensors").is_file()


def test_a_model_folder_is_one_definition(tmp_path):
    """What hepzoo may replace is what it may load: config.json and model.safetensors, not config.json alone."""
    from hepzoo.hub.local import check_model_folder, is_model_folder

    folder = tmp_path / "half"
    folder.mkdir()
    (folder / "config.json").write_text("{}")
    assert not is_model_folder(folder)
    with pytest.raises(ConfigError, match="has no model.safetensors"):
        check_model_folder(folder)
    (folder / "model.safetensors").write_bytes(b"")
    assert is_model_folder(folder)
    check_model_folder(folder)
