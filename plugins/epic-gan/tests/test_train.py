"""Training runs, checkpoints, resumes and exports a loadable best model (tiny synthetic data)."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from hepzoo.errors import ConfigError
from hepzoo_epic_gan.train import load_training_data, train


def _records(out, event):
    lines = (out / "train_log.jsonl").read_text().splitlines()
    return [r for r in map(json.loads, lines) if r["event"] == event]


@pytest.mark.slow
def test_train_resume_and_export(tmp_path, registry, make_jets):
    from hepzoo.hub.local import load_pretrained

    data, valid = make_jets(32, seed=1), make_jets(16, seed=2)
    out = tmp_path / "run"
    folder = train(data, valid, out, epochs=2, batch_size=8, seed=0, log_every=2, device="cpu")
    assert (out / "checkpoint.safetensors").exists() and (out / "best.safetensors").exists()
    meta = json.loads((out / "checkpoint.json").read_text())
    assert meta["epoch"] == 2 and meta["step"] > 0
    train_logs = _records(out, "train")
    assert train_logs and all(np.isfinite([r["d_loss"], r["g_loss"]]).all() for r in train_logs)
    assert len(_records(out, "valid")) == 2
    step_after_two = meta["step"]

    # resuming continues from the checkpoint instead of starting over
    train(data, valid, out, epochs=3, batch_size=8, seed=0, log_every=2, device="cpu")
    meta = json.loads((out / "checkpoint.json").read_text())
    assert meta["epoch"] == 3 and meta["step"] == step_after_two * 3 // 2
    assert _records(out, "resume")[0]["step"] == step_after_two

    model = load_pretrained(folder)
    best = json.loads((out / "best.json").read_text())
    assert best["w1m"] == pytest.approx(meta["best_w1m"])
    jets = model.sample(20, seed=3)
    assert jets.x.shape == (20, 12, 3) and np.isfinite(jets.x).all()


@pytest.mark.slow
def test_resume_is_exact(tmp_path, registry, make_jets):
    """Two epochs in one go == one epoch, stop, resume one more: identical generator weights."""
    from safetensors.torch import load_file

    data, valid = make_jets(16, max_particles=6, seed=1), make_jets(8, max_particles=6, seed=2)
    train(data, valid, tmp_path / "a", epochs=2, batch_size=8, device="cpu")
    train(data, valid, tmp_path / "b", epochs=1, batch_size=8, device="cpu")
    train(data, valid, tmp_path / "b", epochs=2, batch_size=8, device="cpu")
    a = load_file(str(tmp_path / "a" / "checkpoint.safetensors"))
    b = load_file(str(tmp_path / "b" / "checkpoint.safetensors"))
    assert a.keys() == b.keys()
    for key in a:
        torch.testing.assert_close(a[key], b[key], rtol=0, atol=0, msg=key)


def test_time_limit_stops_and_saves(tmp_path, registry, make_jets):
    data, valid = make_jets(24, max_particles=6, seed=1), make_jets(8, max_particles=6, seed=2)
    folder = train(data, valid, tmp_path / "t", epochs=1000, batch_size=8, device="cpu", time_limit=1.0)
    done = _records(tmp_path / "t", "done")[0]
    assert done["stopped_by_time_limit"] and done["epoch"] < 1000
    assert (folder / "model.safetensors").exists()


def test_bad_arguments(tmp_path, jets):
    with pytest.raises(ConfigError, match="positive"):
        train(jets, jets, tmp_path, epochs=0)
    with pytest.raises(ConfigError, match="ema"):
        train(jets, jets, tmp_path, ema=1.5)


def test_load_training_data_from_file(tmp_path, make_jets):
    path = make_jets(40, seed=4).save(tmp_path / "jets.h5")
    train_set, valid_set = load_training_data(str(path), max_particles=12, max_jets=30)
    assert len(train_set) == 21 and len(valid_set) == 4 + (len(train_set) - 21)
    assert train_set.x.shape[1:] == (12, 3)
