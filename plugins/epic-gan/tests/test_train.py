"""EPiC-GAN trains through hepzoo's engine: resumes exactly, selects on W1M+W1P+W1EFP, exports a model."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from hepzoo.errors import ConfigError
from hepzoo.training import LOG, TrainOptions
from hepzoo_epic_gan.buckets import epoch_batches
from hepzoo_epic_gan.train import EpicGanRecipe, load_training_data, train


def _records(out, event):
    lines = (out / LOG).read_text().splitlines()
    return [r for r in map(json.loads, lines) if r["event"] == event]


def _checkpoint(out):
    from safetensors.torch import load_file

    record = json.loads((out / "checkpoint.json").read_text())
    return load_file(str(out / record["tensors"])), record


@pytest.mark.slow
def test_train_resume_and_export(tmp_path, registry, make_jets):
    from hepzoo.hub.local import load_pretrained

    data, valid = make_jets(32, seed=1), make_jets(16, seed=2)
    out = tmp_path / "run"
    folder = train(data, valid, out, epochs=2, batch_size=8, seed=0, log_every=2, device="cpu")
    _, record = _checkpoint(out)
    assert record["state"]["epoch"] == 2 and record["state"]["step"] > 0
    train_logs = _records(out, "train")
    assert train_logs and all(np.isfinite([r["d_loss"], r["g_loss"]]).all() for r in train_logs)
    valids = _records(out, "valid")
    assert len(valids) == 2 and all({"w1m", "w1p", "w1efp"} <= set(r) for r in valids)
    step_after_two = record["state"]["step"]

    # resuming continues from the checkpoint instead of starting over
    train(data, valid, out, epochs=3, batch_size=8, seed=0, log_every=2, device="cpu")
    _, record = _checkpoint(out)
    assert record["state"]["epoch"] == 3 and record["state"]["step"] == step_after_two * 3 // 2
    assert _records(out, "resume")[0]["step"] == step_after_two

    # the best is the lowest combined score among the validations, and that is what was exported
    scores = [r["score"] for r in _records(out, "valid")]
    assert record["state"]["best"]["score"] == pytest.approx(min(scores))
    model, best = load_pretrained(folder), load_pretrained(out / "best")
    for (k, a), b in zip(model.state_dict().items(), best.state_dict().values()):
        torch.testing.assert_close(a, b, rtol=0, atol=0, msg=k)
    jets = model.sample(20, seed=3)
    assert jets.x.shape == (20, 12, 3) and np.isfinite(jets.x).all()


@pytest.mark.slow
@pytest.mark.parametrize("bf16", [False, True])
def test_resume_is_exact(tmp_path, registry, make_jets, bf16):
    """2k steps in one go == k steps, stop, resume to 2k (mid-epoch): identical nets, optimisers, EMA, RNG."""
    data, valid = make_jets(40, max_particles=6, seed=1), make_jets(8, max_particles=6, seed=2)
    kw = {"epochs": 3, "batch_size": 8, "device": "cpu", "ema": 0.9, "bf16": bf16}
    train(data, valid, tmp_path / "a", steps=14, **kw)
    train(data, valid, tmp_path / "b", steps=7, **kw)
    train(data, valid, tmp_path / "b", steps=14, **kw)
    (a, rec_a), (b, rec_b) = _checkpoint(tmp_path / "a"), _checkpoint(tmp_path / "b")
    assert rec_a["state"]["step"] == rec_b["state"]["step"] == 14
    assert a.keys() == b.keys() and any(k.startswith("opt.critic.") for k in a) and "ema.objective.backbone.local_in.bias" in a
    for key in a:
        torch.testing.assert_close(a[key], b[key], rtol=0, atol=0, msg=key)


def test_resume_refuses_other_data(tmp_path, registry, make_jets):
    data, valid = make_jets(16, max_particles=6, seed=1), make_jets(8, max_particles=6, seed=2)
    train(data, valid, tmp_path / "r", steps=1, batch_size=8, device="cpu")
    with pytest.raises(ConfigError, match="data_sha256"):
        train(make_jets(16, max_particles=6, seed=5), valid, tmp_path / "r", steps=2, batch_size=8, device="cpu")
    with pytest.raises(ConfigError, match="batch_size"):
        train(data, valid, tmp_path / "r", steps=2, batch_size=4, device="cpu")
    # validation settings define the selection (metric scales are kept): a resume may not mix them
    with pytest.raises(ConfigError, match="recipe_options"):
        train(data, valid, tmp_path / "r", steps=2, batch_size=8, device="cpu", valid_runs=3)


def test_run_identity_holds_every_family_option():
    recipe = EpicGanRecipe(max_particles=6, valid_runs=2, valid_efp_jets=500)
    assert recipe.run_options() == {"max_particles": 6, "max_jets": None, "valid_runs": 2, "valid_efp_jets": 500}


def test_fakes_are_the_objectives_latents_through_the_generator():
    """Global then per-particle noise on the step's generator, as sampling draws it (and as training always did)."""
    from hepzoo.training import StepContext
    from hepzoo_epic_gan.config import EpicGanConfig
    from hepzoo_epic_gan.model import EpicGanModel
    from hepzoo_epic_gan.train import EpicGanStep

    torch.manual_seed(0)
    model = EpicGanModel(EpicGanConfig(max_particles=6))
    step = EpicGanStep(model)
    assert step.objective is model.objective and step.objective.loss_name == "lsgan"
    ctx = StepContext({"model": model}, {}, torch.device("cpu"), torch.Generator().manual_seed(5))
    fake = step.fake(torch.zeros(4, 5, 3), ctx)
    gen = torch.Generator().manual_seed(5)
    z_global = torch.randn((4, model.config.generator.latent), generator=gen)
    z_local = torch.randn((4, 5, model.config.generator.latent_local), generator=gen)
    torch.testing.assert_close(fake, model.generator(z_global, z_local), rtol=0, atol=0)


def test_time_limit_stops_and_saves(tmp_path, registry, make_jets):
    data, valid = make_jets(24, max_particles=6, seed=1), make_jets(8, max_particles=6, seed=2)
    folder = train(data, valid, tmp_path / "t", epochs=1000, batch_size=8, device="cpu", time_limit=1.0)
    done = _records(tmp_path / "t", "done")[0]
    assert done["stopped_by"] == "time_limit" and done["epoch"] < 1000
    assert (folder / "model.safetensors").exists() and (tmp_path / "t" / "checkpoint.json").exists()


def test_batches_hold_one_multiplicity_and_cover_the_epoch(make_jets):
    from hepzoo_epic_gan.model import EpicGanModel

    data = make_jets(50, seed=3)
    model = EpicGanModel.from_training_data(data)
    buckets = EpicGanRecipe().prepare(model, data, torch.device("cpu"))
    batches = epoch_batches(buckets, 4, torch.Generator().manual_seed(0))
    sizes = [len(b) for b in batches]
    assert sum(sizes) == 50 and max(sizes) <= 4
    counts = data.mask.sum(1)
    per_n = {}
    for b in batches:
        per_n[b.shape[1]] = per_n.get(b.shape[1], 0) + len(b)
    assert per_n == {int(n): int((counts == n).sum()) for n in np.unique(counts)}
    again = epoch_batches(buckets, 4, torch.Generator().manual_seed(0))
    assert all(torch.equal(x, y) for x, y in zip(batches, again))


def test_authors_optimiser_settings_are_the_defaults():
    opts = TrainOptions(**EpicGanRecipe.defaults)
    assert (opts.lr, opts.betas, opts.eps, opts.batch_size, opts.optimizer) == (1e-4, (0.9, 0.999), 1e-14, 128, "adam")
    assert [m.name for m in EpicGanRecipe.metrics] == ["w1m", "w1p", "w1efp"]


def test_bad_arguments(tmp_path, jets):
    with pytest.raises(ConfigError, match="epochs"):
        train(jets, jets, tmp_path, epochs=0)
    with pytest.raises(ConfigError, match="ema"):
        train(jets, jets, tmp_path, ema=1.5)


@pytest.mark.slow
def test_cli_trains_and_resumes(tmp_path, registry, make_jets):
    from hepzoo.cli.main import main

    path = make_jets(60, max_particles=6, seed=4).save(tmp_path / "jets.h5")
    args = ["train", "epic-gan", "--data", str(path), "--out", str(tmp_path / "c"), "--max-particles", "6",
            "--batch-size", "8", "--device", "cpu", "--threads", "1", "-q"]
    assert main([*args, "--steps", "3"]) == 0
    assert main([*args, "--steps", "5", "--lr", "5e-5"]) == 0
    _, record = _checkpoint(tmp_path / "c")
    assert record["state"]["step"] == 5
    assert main([*args, "--steps", "6", "--max-jets", "30"]) == 2  # other data: one line, exit 2


def test_load_training_data_from_file(tmp_path, make_jets):
    path = make_jets(40, seed=4).save(tmp_path / "jets.h5")
    train_set, valid_set = load_training_data(str(path), max_particles=12, max_jets=30)
    assert len(train_set) == 21 and len(valid_set) == 4 + (len(train_set) - 21)
    assert train_set.x.shape[1:] == (12, 3)
