"""Atomic writes: concurrent writers, failures mid-write, and folders that must never be replaced."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import time
from pathlib import Path

import h5py
import numpy as np
import pytest

from hepzoo.atomic import atomic_folder, atomic_path, atomic_write_text
from hepzoo.data.h5 import atomic_h5
from hepzoo.errors import HepzooError, OutputError, TargetBusyError

_SLOW_WRITER = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    import numpy as np
    from hepzoo.data.h5 import atomic_h5

    target, started, go = map(Path, sys.argv[1:4])
    with atomic_h5(target) as f:
        f["x"] = np.arange(10)
        started.touch()
        deadline = time.time() + 60
        while not go.exists() and time.time() < deadline:
            time.sleep(0.02)
        f["y"] = np.ones(3)
    print("written")
    """
)


def _wait_for(path: Path, proc: subprocess.Popen, seconds: float = 60.0) -> None:
    deadline = time.time() + seconds
    while not path.exists():
        if proc.poll() is not None:
            raise AssertionError(f"writer exited early: {proc.communicate()}")
        if time.time() > deadline:
            raise AssertionError("writer did not start")
        time.sleep(0.02)


def _others(folder: Path, keep: set[str]) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name not in keep)


def test_two_processes_writing_one_target_give_one_file_and_a_busy_error(tmp_path):
    target, started, go = tmp_path / "out.h5", tmp_path / "started", tmp_path / "go"
    writer = subprocess.Popen(
        [sys.executable, "-c", _SLOW_WRITER, str(target), str(started), str(go)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        _wait_for(started, writer)
        (partial,) = [p for p in tmp_path.iterdir() if p.name.endswith(".partial")]
        with pytest.raises(TargetBusyError, match="another process is writing .*out.h5"):
            with atomic_h5(target) as f:
                f["x"] = np.zeros(2)
        assert partial.exists(), "the busy writer must not touch the other writer's temporary file"
        assert not target.exists()
    finally:
        go.touch()
        out, err = writer.communicate(timeout=120)
    assert writer.returncode == 0, err
    assert "written" in out
    with h5py.File(target, "r") as f:
        assert f["x"][:].tolist() == list(range(10)) and f["y"][:].tolist() == [1.0, 1.0, 1.0]
    assert _others(tmp_path, {"out.h5", "started", "go"}) == []  # no temp file, no lock file
    # once the first writer is done, the target can be written again
    with atomic_h5(target) as f:
        f["x"] = np.zeros(2)
    with h5py.File(target, "r") as f:
        assert f["x"][:].tolist() == [0.0, 0.0]


def test_failure_mid_write_keeps_the_old_file_and_leaves_no_temp(tmp_path):
    target = tmp_path / "metrics.json"
    atomic_write_text(target, "good")
    with pytest.raises(RuntimeError, match="boom"):
        with atomic_path(target) as tmp:
            tmp.write_text("half")
            raise RuntimeError("boom")
    assert target.read_text() == "good"
    assert _others(tmp_path, {"metrics.json"}) == []
    with pytest.raises(RuntimeError, match="boom"):
        with atomic_h5(tmp_path / "new.h5") as f:
            f["x"] = np.arange(3)
            raise RuntimeError("boom")
    assert _others(tmp_path, {"metrics.json"}) == []


def test_each_writer_gets_its_own_temp_name(tmp_path):
    names = set()
    for _ in range(3):
        with atomic_path(tmp_path / "a.txt") as tmp:
            names.add(tmp.name)
            tmp.write_text("x")
    assert len(names) == 3
    assert all(n.startswith(".a.txt.") and n.endswith(".partial") for n in names)


def test_a_folder_or_empty_name_is_not_a_file_target(tmp_path):
    (tmp_path / "d").mkdir()
    with pytest.raises(OutputError, match="is a folder"):
        atomic_write_text(tmp_path / "d", "x")
    with pytest.raises(OutputError, match="not a file name"):
        atomic_write_text("", "x")


def test_a_read_only_location_is_one_clear_error(tmp_path, monkeypatch):
    import os

    real_open = os.open

    def denied(path, *args, **kwargs):
        if str(path).endswith(".lock"):
            raise PermissionError(13, "Permission denied")
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr(os, "open", denied)  # as a read-only folder answers (root ignores chmod)
    with pytest.raises(OutputError, match=r"cannot write .*x.json \(Permission denied\); choose a writable"):
        atomic_write_text(tmp_path / "x.json", "{}")
    monkeypatch.undo()

    def no_mkdir(self, *args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(Path, "mkdir", no_mkdir)
    with pytest.raises(OutputError, match="cannot write"):
        atomic_write_text(tmp_path / "sub" / "x.json", "{}")
    monkeypatch.undo()
    assert list(tmp_path.iterdir()) == []


def _marker_folder(path: Path) -> bool:
    return (path / "config.json").is_file()


def test_atomic_folder_swaps_a_replaceable_folder_and_restores_on_failure(tmp_path):
    target = tmp_path / "model"
    target.mkdir()
    (target / "config.json").write_text("old")
    with pytest.raises(RuntimeError):
        with atomic_folder(target, _marker_folder) as tmp:
            (tmp / "config.json").write_text("new")
            raise RuntimeError("fail")
    assert (target / "config.json").read_text() == "old"
    with atomic_folder(target, _marker_folder) as tmp:
        (tmp / "config.json").write_text("new")
    assert (target / "config.json").read_text() == "new"
    assert _others(tmp_path, {"model"}) == []


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def test_save_pretrained_refuses_a_users_folder_and_leaves_it_untouched(tmp_path, tabular_model, monkeypatch):
    user = tmp_path / "thesis"
    (user / "figures").mkdir(parents=True)
    (user / "thesis.tex").write_text("\\documentclass{article}")
    (user / "figures" / "a.png").write_bytes(b"\x89PNG")
    before = _snapshot(user)
    with pytest.raises(OutputError, match="not a hepzoo model folder"):
        tabular_model.save_pretrained(user)
    assert _snapshot(user) == before
    monkeypatch.chdir(user)
    with pytest.raises(OutputError, match="not a hepzoo model folder"):
        tabular_model.save_pretrained(".")
    assert _snapshot(user) == before
    assert _others(tmp_path, {"thesis"}) == []
    with pytest.raises(HepzooError, match="is a file"):
        tabular_model.save_pretrained(user / "thesis.tex")


def test_save_pretrained_replaces_an_existing_model_folder_and_an_empty_one(tmp_path, tabular_model):
    from hepzoo.hub.local import load_pretrained

    folder = tmp_path / "m"
    tabular_model.save_pretrained(folder)
    tabular_model.tag = "second"
    tabular_model.save_pretrained(folder)
    assert sorted(p.name for p in folder.iterdir()) == ["README.md", "config.json", "model.safetensors"]
    assert load_pretrained(folder).tag == "second"
    empty = tmp_path / "empty"
    empty.mkdir()
    tabular_model.save_pretrained(empty)
    assert (empty / "config.json").is_file()
    assert _others(tmp_path, {"m", "empty"}) == []


def _dead_pid() -> int:
    """The id of a process that has exited (its temporaries are stale)."""
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_a_writer_killed_mid_write_leaves_a_temp_that_the_next_write_removes(tmp_path):
    import os
    import signal

    target, started, go = tmp_path / "out.h5", tmp_path / "started", tmp_path / "go"
    writer = subprocess.Popen([sys.executable, "-c", _SLOW_WRITER, str(target), str(started), str(go)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        _wait_for(started, writer)
    finally:
        os.kill(writer.pid, signal.SIGKILL)
        writer.communicate(timeout=60)
    (stale,) = [p for p in tmp_path.iterdir() if p.name.endswith(".partial")]
    with atomic_h5(target) as f:
        f["x"] = np.arange(4)
    assert not stale.exists()
    with h5py.File(target, "r") as f:
        assert f["x"][:].tolist() == [0, 1, 2, 3]
    assert _others(tmp_path, {"out.h5", "started"}) == []


def test_only_stale_temps_of_the_target_are_removed(tmp_path):
    dead = _dead_pid()
    live = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        stale = tmp_path / f".metrics.json.{dead}.0badc0de.partial"
        stale_folder = tmp_path / f".metrics.json.{dead}.0badf00d.partial"
        in_use = tmp_path / f".metrics.json.{live.pid}.12345678.partial"
        other_target = tmp_path / f".other.json.{dead}.cafebabe.partial"
        users = [tmp_path / ".metrics.json.notes", tmp_path / f".metrics.json.{dead}.partial", tmp_path / "x.partial"]
        for p in (stale, in_use, other_target, *users):
            p.write_text("kept?")
        stale_folder.mkdir()
        (stale_folder / "config.json").write_text("{}")
        atomic_write_text(tmp_path / "metrics.json", "new")
        assert (tmp_path / "metrics.json").read_text() == "new"
        assert not stale.exists() and not stale_folder.exists()
        assert in_use.exists() and other_target.exists() and all(p.exists() for p in users)
    finally:
        live.kill()
        live.wait()


def test_a_swap_cut_between_its_renames_gets_the_old_folder_back(tmp_path):
    """Killed after the old model folder was moved aside, before the new one came in: nothing is lost."""
    from hepzoo.atomic import remove_stale_temps

    dead = _dead_pid()
    old = tmp_path / f".model.{dead}.00c0ffee.old"
    old.mkdir()
    (old / "config.json").write_text("old")
    new = tmp_path / f".model.{dead}.0ddba11a.partial"
    new.mkdir()
    (new / "config.json").write_text("new, never swapped in")
    remove_stale_temps(tmp_path / "model")
    assert (tmp_path / "model" / "config.json").read_text() == "old"
    assert _others(tmp_path, {"model"}) == []
    # once the swap had completed, the moved-aside folder is what the next writer drops
    old.mkdir()
    (old / "config.json").write_text("older")
    with atomic_folder(tmp_path / "model", _marker_folder) as tmp:
        (tmp / "config.json").write_text("newest")
    assert (tmp_path / "model" / "config.json").read_text() == "newest"
    assert _others(tmp_path, {"model"}) == []


def test_a_killed_checkpoint_write_is_cleaned_by_the_next_checkpoint(tmp_path):
    import torch

    from hepzoo.training.checkpoint import load_checkpoint, save_checkpoint

    stale = tmp_path / f".checkpoint-000000010-1a2b3c4d.safetensors.{_dead_pid()}.5e6f7a8b.partial"
    stale.write_bytes(b"half a checkpoint")
    save_checkpoint(tmp_path, {"w": torch.ones(2)}, {"state": {"step": 20}})
    assert not stale.exists()
    tensors, record = load_checkpoint(tmp_path)
    assert record["state"]["step"] == 20 and tensors["w"].tolist() == [1.0, 1.0]
