"""The core training engine on tiny networks: exact resume, GAN hook, EMA, schedule, checkpoints, selection."""

from __future__ import annotations

import json
import math

import attrs
import numpy as np
import pytest
import torch
from torch import nn

from hepzoo.errors import ConfigError
from hepzoo.model import Model
from hepzoo.objectives.gan import GeneratorObjective, lsgan_critic_loss, wgan_critic_loss
from hepzoo.objectives.latents import Latent
from hepzoo.prior import EmpiricalPrior
from hepzoo.representations.tabular import Tabular
from hepzoo.samples import Samples
from hepzoo.testing.families import TabularConfig, TabularEDM
from hepzoo.training import (
    EMA,
    LOG,
    AdversarialStep,
    LossStep,
    Metric,
    Recipe,
    StepContext,
    TrainOptions,
    build_train_parser,
    lr_factor,
    metric_scales,
    selection_score,
    train,
)
from hepzoo.training.checkpoint import load_checkpoint


def _table(n: int, seed: int) -> Samples:
    rng = np.random.default_rng(seed)
    x = np.stack([rng.normal(2.0, 0.5, n), rng.exponential(1.0, n)], 1).astype(np.float32)
    return Samples(x=x, representation=Tabular(columns=("a", "b")))


class _Batches:
    """Shuffled row batches of one tensor."""

    def __init__(self, x: torch.Tensor, batch_size: int, generator: torch.Generator) -> None:
        self.x, self.idx = x, torch.randperm(len(x), generator=generator).split(batch_size)

    def __len__(self) -> int:
        return len(self.idx)

    def __getitem__(self, i: int) -> torch.Tensor:
        return self.x[self.idx[i]]


class EdmRecipe(Recipe):
    """The core's tabular EDM, trained on ``objective.loss`` (the single-network path)."""

    family = "test-tabular-edm"
    defaults = {"lr": 1e-3, "batch_size": 16, "epochs": 2}
    metrics = (Metric("moment_error"),)

    def load_data(self, data):
        return _table(64, 0), _table(32, 1)

    def build_model(self, train_data):
        return TabularEDM(TabularConfig(hidden=16)).fit(train_data.x)

    def prepare(self, model, train_data, device):
        return ((torch.as_tensor(train_data.x) - model.mean) / model.std).to(device)

    def epoch_batches(self, prepared, batch_size, generator):
        return _Batches(prepared, batch_size, generator)

    def make_step(self, model, networks):
        return LossStep(model.objective, unpack=lambda batch: (batch, None, None))

    def validate(self, model, valid, device, seed):
        gen = model.sample(64, seed=seed, steps=2, progress=False)
        return {"moment_error": float(np.abs(gen.x.mean(0) - valid.x.mean(0)).sum())}


class _MLP(nn.Module):
    def __init__(self, d_in: int, d_out: int) -> None:
        super().__init__()
        self.net = nn.Sequential(nn.Linear(d_in, 16), nn.LeakyReLU(), nn.Linear(16, d_out))

    def forward(self, x, t=None, cond=None, mask=None):
        return self.net(x)


@attrs.define
class GanConfig:
    latent: int = 4
    loss: str = "lsgan"


class TabularGAN(Model):
    family = "test-tabular-gan"
    config_cls = GanConfig
    default_sampler = "one-shot"

    def __init__(self, config: GanConfig) -> None:
        super().__init__(config)
        self.representation = Tabular(columns=("a", "b"))
        self.objective = GeneratorObjective(_MLP(config.latent, 2), loss=config.loss,
                                            latents=(Latent("z", (config.latent,)),))
        self.prior = EmpiricalPrior(("dummy",), max_rows=8)

    def event_shape(self, cond):
        return (self.config.latent,)

    def postprocess(self, x, mask, cond):
        return x.cpu().numpy(), None


class GanStep(AdversarialStep):
    """The engine's GAN hook as a family uses it: losses and fakes come from the objective."""

    def __init__(self, model: TabularGAN, **kw) -> None:
        super().__init__(model.objective, **kw)


class GanRecipe(Recipe):
    """A two-network recipe: the generator is the model, the critic a second trained network."""

    family = "test-tabular-gan"
    defaults = {"lr": 1e-3, "batch_size": 16, "epochs": 2}
    metrics = (Metric("mean_error"), Metric("std_error", scale=0.1))

    def __init__(self, loss: str = "lsgan") -> None:
        super().__init__(loss=loss)

    def load_data(self, data):
        return _table(64, 0), _table(32, 1)

    def build_model(self, train_data):
        model = TabularGAN(GanConfig(loss=self.args["loss"]))
        model.prior.fit(torch.zeros(len(train_data), 1), max_rows=8)
        return model

    def networks(self, model):
        return {"critic": _MLP(2, 1)}

    def prepare(self, model, train_data, device):
        return torch.as_tensor(train_data.x).to(device)

    def epoch_batches(self, prepared, batch_size, generator):
        return _Batches(prepared, batch_size, generator)

    def make_step(self, model, networks):
        return GanStep(model)

    def validate(self, model, valid, device, seed):
        z = torch.randn((256, model.config.latent), generator=torch.Generator().manual_seed(seed))
        x = model.objective.backbone(z.to(device)).cpu().numpy()
        return {"mean_error": float(np.abs(x.mean(0) - valid.x.mean(0)).sum()),
                "std_error": float(np.abs(x.std(0) - valid.x.std(0)).sum())}


def _run(recipe, out, resume=True, **options):
    train_data, valid = recipe.load_data("")
    opts = TrainOptions(**{**recipe.defaults, "device": "cpu", "quiet": True, "log_every": 1, **options})
    return train(recipe, train_data, valid, out, opts, resume=resume)


def _tensors(out):
    loaded = load_checkpoint(out)
    assert loaded is not None
    return loaded


def _log(out, event):
    rows = [json.loads(line) for line in (out / LOG).read_text().splitlines()]
    return [r for r in rows if r["event"] == event]


class _Killed(Exception):
    pass


def _killed_at(recipe: Recipe, call: int) -> Recipe:
    """``recipe`` whose step raises on its ``call``-th call, as a killed process would stop."""
    make_step = recipe.make_step

    def wrapped(model, networks):
        step = make_step(model, networks)
        inner, calls = step.__call__, []

        def run(batch, ctx):
            calls.append(1)
            if len(calls) == call:
                raise _Killed
            return inner(batch, ctx)

        step.__class__ = type("Killed" + type(step).__name__, (type(step),), {"__call__": lambda self, b, c: run(b, c)})
        return step

    recipe.make_step = wrapped
    return recipe


@pytest.mark.parametrize("recipe_cls", [EdmRecipe, GanRecipe])
def test_resume_mid_epoch_is_bit_identical(tmp_path, recipe_cls):
    """Killed after a checkpoint at step 5 (mid-epoch), resumed to 10 == 10 in one go."""
    options = {"steps": 10, "epochs": 5, "ema": 0.9, "lr_schedule": "cosine", "warmup_steps": 3, "clip_grad": 1.0,
               "checkpoint_every": 5}
    _run(recipe_cls(), tmp_path / "a", **options)
    with pytest.raises(_Killed):
        _run(_killed_at(recipe_cls(), 7), tmp_path / "b", **options)
    assert _tensors(tmp_path / "b")[1]["state"]["step"] == 5
    _run(recipe_cls(), tmp_path / "b", **options)
    (a, rec_a), (b, rec_b) = _tensors(tmp_path / "a"), _tensors(tmp_path / "b")
    assert rec_a["state"]["step"] == rec_b["state"]["step"] == 10 and rec_b["state"]["position"] == 2
    assert a.keys() == b.keys()
    for key in a:
        torch.testing.assert_close(a[key], b[key], rtol=0, atol=0, msg=key)
    lrs_b = {r["step"]: r["lr"] for r in _log(tmp_path / "b", "train")}
    assert [r["lr"] for r in _log(tmp_path / "a", "train")] == [lrs_b[s] for s in range(1, 11)]


def test_gan_hook_updates_critic_then_generator(tmp_path):
    recipe = GanRecipe()
    train_data, _ = recipe.load_data("")
    torch.manual_seed(0)
    model = recipe.build_model(train_data)
    critic = recipe.networks(model)["critic"]
    nets = {"model": model, "critic": critic}
    order = []

    class Recording(torch.optim.SGD):
        def step(self, closure=None):
            order.append((self.name, [p.grad.clone() for p in critic.parameters()]))
            return super().step(closure)

    opts = {}
    for name, net in nets.items():
        opts[name] = Recording(net.parameters(), lr=0.1)
        opts[name].name = name
    ctx = StepContext(nets, opts, torch.device("cpu"), torch.Generator().manual_seed(1))
    critic_before = [p.detach().clone() for p in critic.parameters()]
    gen_before = [p.detach().clone() for p in model.parameters()]
    losses = GanStep(model)(torch.as_tensor(train_data.x[:8]), ctx)
    assert set(losses) == {"d_loss", "g_loss"} and [name for name, _ in order] == ["critic", "model"]
    assert all(not torch.equal(a, b) for a, b in zip(critic_before, critic.parameters()))
    assert all(not torch.equal(a, b) for a, b in zip(gen_before, model.parameters()))
    # the generator update leaves the critic's gradients as its own update left them (critic frozen)
    for g_critic, g_model in zip(order[0][1], order[1][1]):
        torch.testing.assert_close(g_critic, g_model, rtol=0, atol=0)
    assert all(p.requires_grad for p in critic.parameters())


def test_a_recipe_sets_each_networks_optimiser(tmp_path):
    """A critic at twice the generator's lr keeps that ratio through warm-up, cosine and resume."""
    seen = {}

    class FastCritic(GanRecipe):
        def make_optimizer(self, name, params, options):
            opt = torch.optim.Adam(params, lr=options.lr * (2.0 if name == "critic" else 1.0))
            seen[name] = opt
            return opt

    options = {"steps": 4, "lr_schedule": "cosine", "warmup_steps": 2, "epochs": 3}
    _run(FastCritic(), tmp_path / "o", **{**options, "steps": 2})
    _run(FastCritic(), tmp_path / "o", **options)
    lr_model, lr_critic = seen["model"].param_groups[0]["lr"], seen["critic"].param_groups[0]["lr"]
    assert lr_model == pytest.approx(1e-3 * lr_factor(3, 4, 2, "cosine")) and lr_critic == pytest.approx(2 * lr_model)


def test_joint_critic_scores_match_separate_calls():
    recipe = GanRecipe()
    train_data, _ = recipe.load_data("")
    losses = {}
    for joint in (False, True):
        torch.manual_seed(0)
        model = recipe.build_model(train_data)
        nets = {"model": model, "critic": recipe.networks(model)["critic"]}
        opts = {k: torch.optim.SGD(v.parameters(), lr=0.1) for k, v in nets.items()}
        ctx = StepContext(nets, opts, torch.device("cpu"), torch.Generator().manual_seed(1))
        step = GanStep(model)
        step.joint_scores = joint
        losses[joint] = step(torch.as_tensor(train_data.x[:8]), ctx)
    torch.testing.assert_close(losses[True]["d_loss"], losses[False]["d_loss"])
    torch.testing.assert_close(losses[True]["g_loss"], losses[False]["g_loss"])
    with pytest.raises(ConfigError, match="unknown GAN loss"):
        TabularGAN(GanConfig(loss="hinge"))


def test_wgan_gp_step_runs(tmp_path):
    _run(GanRecipe(loss="wgan-gp"), tmp_path / "w", steps=3)
    losses = _log(tmp_path / "w", "train")
    assert len(losses) == 3 and all(math.isfinite(r["d_loss"]) for r in losses)


def test_best_selection_uses_every_metric(tmp_path):
    out = tmp_path / "s"
    _run(GanRecipe(), out, epochs=4)
    valids = _log(out, "valid")
    first = valids[0]
    for r in valids:  # mean_error scaled by its first value, std_error by its declared 0.1
        assert r["score"] == pytest.approx(r["mean_error"] / first["mean_error"] + r["std_error"] / 0.1)
    best = min(valids, key=lambda r: r["score"])
    _, record = _tensors(out)
    assert record["state"]["best"]["step"] == best["step"]
    assert (out / "best" / "model.safetensors").exists() and (out / "model" / "model.safetensors").exists()


def test_checkpoints_every_n_steps_and_every_m_minutes(tmp_path):
    out = tmp_path / "c"
    _run(EdmRecipe(), out, steps=3, checkpoint_every=2, checkpoint_every_minutes=1e-9)
    assert len(list(out.glob("checkpoint-*.safetensors"))) == 1  # older ones are removed once committed
    _run(EdmRecipe(), tmp_path / "d", steps=3, checkpoint_every=1000, checkpoint_every_minutes=1000)
    assert _tensors(tmp_path / "d")[1]["state"]["step"] == 3  # the run's end always checkpoints


def test_a_half_written_checkpoint_is_ignored_and_a_tampered_one_refused(tmp_path):
    out = tmp_path / "k"
    _run(EdmRecipe(), out, steps=2)
    _, record = _tensors(out)
    (out / "checkpoint-000000009-deadbeef.safetensors").write_bytes(b"\x00" * 10)  # killed mid-write
    assert _tensors(out)[1]["tensors"] == record["tensors"]
    (out / record["tensors"]).write_bytes(b"garbage")
    with pytest.raises(ConfigError, match="altered"):
        _run(EdmRecipe(), out, steps=3)


def test_resume_with_other_options_is_refused(tmp_path):
    out = tmp_path / "r"
    _run(EdmRecipe(), out, steps=2)
    with pytest.raises(ConfigError, match="seed"):
        _run(EdmRecipe(), out, steps=3, seed=1)
    _run(EdmRecipe(), out, steps=3, lr=5e-4)  # a new lr is a second phase, not another run
    assert _log(out, "train")[-1]["lr"] == pytest.approx(5e-4)
    _run(EdmRecipe(), out, resume=False, steps=1, seed=1)  # --no-resume starts over
    assert _tensors(out)[1]["state"]["step"] == 1


def test_time_limit_stops_with_a_checkpoint(tmp_path):
    out = tmp_path / "t"
    folder = _run(EdmRecipe(), out, epochs=100_000, time_limit=0.5)
    done = _log(out, "done")[0]
    assert done["stopped_by"] == "time_limit" and (folder / "model.safetensors").exists()
    assert _tensors(out)[1]["state"]["step"] == done["step"]


def test_sigterm_stops_after_the_step_with_a_checkpoint(tmp_path):
    import os
    import signal

    recipe = EdmRecipe()
    make_step = recipe.make_step

    def signalling(model, networks):
        step, calls = make_step(model, networks), []

        class Signalling(type(step)):
            def __call__(self, batch, ctx):
                calls.append(1)
                if len(calls) == 3:
                    os.kill(os.getpid(), signal.SIGTERM)
                return super().__call__(batch, ctx)

        step.__class__ = Signalling
        return step

    recipe.make_step = signalling
    out = tmp_path / "sig"
    before = signal.getsignal(signal.SIGTERM)
    _run(recipe, out, epochs=50)
    done = _log(out, "done")[0]
    assert done["stopped_by"] == "signal" and done["step"] == 3
    assert _tensors(out)[1]["state"]["step"] == 3 and (out / "model" / "model.safetensors").exists()
    assert signal.getsignal(signal.SIGTERM) == before  # the handler is put back


def test_lr_factor():
    assert [lr_factor(s, 10, warmup_steps=4) for s in range(5)] == [0.25, 0.5, 0.75, 1.0, 1.0]
    assert lr_factor(2, 12, 2, "cosine") == pytest.approx(1.0)
    assert lr_factor(7, 12, 2, "cosine") == pytest.approx(0.5)
    assert lr_factor(12, 12, 2, "cosine", min_ratio=0.1) == pytest.approx(0.1)


def test_ema_moves_towards_the_live_weights():
    net = nn.Linear(2, 1)
    ema = EMA(net, 0.75)
    start = net.weight.detach().clone()
    with torch.no_grad():
        net.weight.add_(1.0)
    ema.update(net)
    torch.testing.assert_close(ema.shadow.weight, start + 0.25)
    assert not ema.shadow.weight.requires_grad


def test_selection_score_and_scales():
    metrics = (Metric("a"), Metric("b", scale=2.0))
    scales = metric_scales(metrics, {"a": 4.0, "b": 1.0})
    assert scales == {"a": 4.0, "b": 2.0}
    assert selection_score({"a": 2.0, "b": 1.0}, scales) == pytest.approx(1.0)
    assert selection_score({"a": float("nan"), "b": 1.0}, scales) == math.inf
    with pytest.raises(ConfigError, match="no value"):
        selection_score({"a": 1.0}, scales)


@pytest.mark.parametrize("bad", [{"epochs": 0}, {"lr": -1.0}, {"ema": 1.0}, {"lr_schedule": "step"},
                                 {"clip_grad": 0.0}, {"time_limit": 0}])
def test_bad_options_are_one_clear_error(bad):
    with pytest.raises(ConfigError):
        TrainOptions(**bad)


def test_the_command_line_has_the_same_options_for_every_family(capsys):
    for recipe in (EdmRecipe(), GanRecipe()):
        p = build_train_parser(recipe)
        args = p.parse_args(["--data", "x", "--out", "o", "--time-limit", "2.5h", "--bf16", "--threads", "2"])
        assert args.time_limit == 9000 and args.bf16 is True and args.threads == 2
    with pytest.raises(SystemExit):
        build_train_parser(EdmRecipe()).parse_args(["--data", "x", "--out", "o", "--time-limit", "soon"])
    assert "--time-limit: takes seconds or a duration like 45m" in capsys.readouterr().err


def test_train_command_names_a_family_without_recipe(registry, capsys):
    from hepzoo.cli.main import main

    assert main(["train", "test-tabular-edm", "--data", "x", "--out", "y"]) == 2
    assert "provides no 'recipe'" in capsys.readouterr().err


@pytest.mark.parametrize(("loss", "critic_loss"), [("lsgan", lsgan_critic_loss), ("wgan-gp", wgan_critic_loss)])
def test_adversarial_step_uses_the_objectives_loss_and_latents(loss, critic_loss):
    """The step's losses follow ``GeneratorObjective.loss_name``; its fakes are the objective's latents -> backbone."""
    torch.manual_seed(0)
    model = TabularGAN(GanConfig(loss=loss))
    critic = _MLP(2, 1)
    nets = {"model": model, "critic": critic}
    opts = {k: torch.optim.SGD(v.parameters(), lr=0.0) for k, v in nets.items()}  # lr 0: nothing moves
    ctx = StepContext(nets, opts, torch.device("cpu"), torch.Generator().manual_seed(1))
    real = torch.as_tensor(_table(8, 0).x)
    step = GanStep(model)
    fake = step.fake(real, ctx)
    z = torch.randn((8, 4), generator=torch.Generator().manual_seed(1))
    torch.testing.assert_close(fake, model.objective.backbone(z), rtol=0, atol=0)

    ctx.generator.manual_seed(1)
    losses = step(real, ctx)
    with torch.no_grad():
        expected = critic_loss(critic(real), critic(model.objective.backbone(z)))
    if loss == "lsgan":  # wgan-gp adds the gradient penalty on top
        torch.testing.assert_close(losses["d_loss"], expected, rtol=0, atol=0)
    else:
        assert losses["d_loss"] > expected


def test_ema_fused_update_is_the_lerp_and_buffers_follow_when_used():
    torch.manual_seed(0)
    net = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4))
    ema = EMA(net, 0.9)
    net(torch.randn(8, 3))  # BatchNorm statistics change in place
    with torch.no_grad():
        for p in net.parameters():
            p.add_(torch.randn_like(p))
    expected = [torch.lerp(s.detach().clone(), p.detach(), 0.1) for s, p in zip(ema.shadow.parameters(), net.parameters())]
    ema.update(net)
    for got, want in zip(ema.shadow.parameters(), expected):
        torch.testing.assert_close(got, want, rtol=0, atol=0)
    assert not torch.equal(ema.shadow[1].running_mean, net[1].running_mean)  # no buffer copy per step
    shadow = ema.copy_buffers(net)
    assert shadow is ema.shadow
    for got, live in zip(shadow.buffers(), net.buffers()):
        assert torch.equal(got, live)


@pytest.mark.parametrize("target", ["model", "best", "."])
def test_a_users_folder_in_the_run_is_refused_before_any_work(tmp_path, target):
    from hepzoo.errors import OutputError

    out = tmp_path / "run"
    mine = out / target
    mine.mkdir(parents=True, exist_ok=True)
    (mine / "thesis.tex").write_text("mine")
    with pytest.raises(OutputError, match="thesis|not a hepzoo"):
        _run(EdmRecipe(), out, steps=2)
    assert sorted(p.name for p in out.rglob("*")) == sorted(
        p.name for p in [mine / "thesis.tex"] + ([mine] if target != "." else []))


def test_resume_past_the_requested_steps_says_nothing_was_trained(tmp_path, capsys):
    out = tmp_path / "done"
    _run(EdmRecipe(), out, steps=3)
    capsys.readouterr()
    _run(EdmRecipe(), out, steps=2)
    assert "nothing was trained" in capsys.readouterr().out
    assert _tensors(out)[1]["state"]["step"] == 3
