"""The one generation path: sampler options, default steps, sampler grids, seeded noise, no dummy conditions."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from hepzoo.conditions import JET_TYPE, Condition, check_given
from hepzoo.errors import ConfigError


def test_sampler_options_change_the_events(tabular_model):
    plain = tabular_model.sample(64, seed=0, steps=6)
    churned = tabular_model.sample(64, seed=0, steps=6, s_churn=10.0)
    assert churned.meta["sampler_options"] == {"s_churn": 10.0}
    assert not np.allclose(plain.x, churned.x)
    eta = tabular_model.sample(64, seed=0, steps=6, sampler="ddim", eta=1.0)
    assert not np.allclose(eta.x, tabular_model.sample(64, seed=0, steps=6, sampler="ddim").x)


def test_unknown_option_lists_the_accepted_ones(tabular_model):
    with pytest.raises(ConfigError, match=r"has no option eta; it accepts s_churn=0.0, s_tmin"):
        tabular_model.sample(2, eta=0.5)
    with pytest.raises(ConfigError, match="no options"):
        tabular_model.sample(2, sampler="euler", s_churn=1.0)


def test_default_steps_come_from_the_model_then_the_sampler(tabular_model, registry):
    assert tabular_model.sample(2, seed=0).meta["steps"] == tabular_model.default_steps
    spec = registry.sampler_spec("dpmpp-2m")
    assert tabular_model.sample(2, seed=0, sampler="dpmpp-2m").meta["steps"] == spec.default_steps


def test_consistency_sampler_makes_its_own_grid(tabular_model, registry, monkeypatch):
    spec = registry.sampler_spec("multistep-consistency")
    grid = spec.make_grid(tabular_model.objective, 2)
    edm = tabular_model.objective.schedule(3)
    assert len(grid) == 3 and grid[-1] == 0 and grid[0] == edm[0] and grid[1] == edm[1]
    assert grid[1] > 10 * tabular_model.objective.sigma_min  # the second step is a real one
    calls = []
    law = tabular_model.objective.law_fn

    def counting(*args, **kwargs):
        fn = law(*args, **kwargs)
        return lambda x, t: calls.append(float(t[0])) or fn(x, t)

    monkeypatch.setattr(tabular_model.objective, "law_fn", counting)
    tabular_model.sample(4, seed=0, sampler="multistep-consistency", steps=2)
    assert calls == pytest.approx([float(grid[0]), float(grid[1])])


def test_unconditional_model_has_no_conditions(tabular_model):
    samples = tabular_model.sample(5, seed=0)
    assert samples.cond == {} and tabular_model.conditions == ()
    assert not any(k.startswith("prior") for k in tabular_model.state_dict())


def test_noise_is_drawn_on_the_generator_device():
    from hepzoo._random import make_generator, randn

    a = randn((3, 2), make_generator(5))
    b = torch.randn((3, 2), generator=torch.Generator().manual_seed(5))
    assert torch.equal(a, b)  # on the CPU nothing changed
    if torch.cuda.is_available():
        g = make_generator(5, "cuda")
        assert randn((3, 2), g, "cuda").device.type == "cuda"


def test_condition_parsing():
    pt = Condition("pt", "GeV", low=100, high=3000)
    n = Condition("n_particles", kind="integer", low=1, high=150)
    # jetnet's JetNet.jet_types = ["g", "t", "q", "w", "z"]
    assert JET_TYPE.parse("gluon") == 0 and JET_TYPE.parse("top") == 1 and JET_TYPE.parse("q") == 2
    assert JET_TYPE.parse("Z") == 4 and JET_TYPE.parse("1") == 1
    from hepzoo.data.jets.processes import JET_TYPES, get_process

    assert JET_TYPES == {"gluon": 0, "top": 1, "quark": 2, "w": 3, "z": 4}  # one table: JET_TYPE's
    assert get_process("t").type_index == 1 and get_process("quark").type_index == 2
    assert pt.parse("1000") == 1000.0 and n.parse("30") == 30 and n.parse(30.0) == 30
    for cond, value in ((pt, 50), (pt, "abc"), (n, 2.5), (n, 0), (JET_TYPE, "top-quark"), (JET_TYPE, 3.7),
                        (pt, float("inf")), (JET_TYPE, True)):
        with pytest.raises(ConfigError, match=cond.name):
            cond.parse(value)
    with pytest.raises(ConfigError, match="labels are required"):
        Condition("type", kind="categorical")
    assert check_given((JET_TYPE,), {"type": np.array(["top", "w"])})["type"].tolist() == [1, 3]
    with pytest.raises(ConfigError, match=r"shape \(2, 2\)"):
        check_given((JET_TYPE,), {"type": [[2, 3], [1, 1]]})
    with pytest.raises(ConfigError, match="2 values for 3 events"):
        check_given((JET_TYPE,), {"type": ["top", "w"]}, 3)
    assert check_given((JET_TYPE,), {"type": ["w"]}, 3)["type"].tolist() == [3]
    with pytest.raises(ConfigError, match="unconditional"):
        check_given((), {"type": "top"})


def test_latents_are_drawn_per_multiplicity_bucket_in_declared_order():
    from hepzoo.objectives.latents import Latent, draw_latents

    latents = (Latent("g", (2,)), Latent("p", (3,), per_particle=True))
    mask = torch.arange(4)[None, :] < torch.tensor([3, 1, 3, 2])[:, None]
    z = draw_latents(latents, 4, mask, torch.Generator().manual_seed(0))
    ref = torch.Generator().manual_seed(0)
    for n, rows in ((1, [1]), (2, [3]), (3, [0, 2])):  # increasing n, rows in input order
        assert torch.equal(z["g"][rows], torch.randn((len(rows), 2), generator=ref))
        assert torch.equal(z["p"][rows, :n], torch.randn((len(rows), n, 3), generator=ref))
    assert (z["p"][~mask] == 0).all()


def test_per_particle_latents_have_a_particle_axis_on_the_padded_path():
    from hepzoo.objectives.gan import GeneratorObjective
    from hepzoo.objectives.latents import Latent, draw_latents

    latents = (Latent("g", (2,)), Latent("l", (3,), per_particle=True))
    mask = torch.arange(6)[None, :] < torch.tensor([6, 1, 3, 2])[:, None]
    padded = GeneratorObjective(torch.nn.Identity(), latents=latents, by_multiplicity=False)
    z = padded.draw_noise((4, 6, 3), mask, torch.Generator().manual_seed(0))
    assert z["l"].shape == (4, 6, 3) and z["g"].shape == (4, 2)
    assert (z["l"][~mask] == 0).all() and (z["l"][mask] != 0).all()
    ref = torch.Generator().manual_seed(0)
    assert torch.equal(z["g"], torch.randn((4, 2), generator=ref))  # drawn whole, in declared order
    assert torch.equal(z["l"][mask], torch.randn((4, 6, 3), generator=ref)[mask])
    bucketed = GeneratorObjective(torch.nn.Identity(), latents=latents, by_multiplicity=True)
    zb = bucketed.draw_noise((4, 6, 3), mask, torch.Generator().manual_seed(0))
    assert zb["l"].shape == (4, 6, 3) and (zb["l"][~mask] == 0).all()
    no_mask = draw_latents(latents, 4, None, torch.Generator().manual_seed(0), max_particles=5)
    assert no_mask["l"].shape == (4, 5, 3)
    with pytest.raises(ConfigError, match="per-particle"):
        draw_latents(latents, 4, None, torch.Generator().manual_seed(0))


def test_gan_loss_name_selects_the_losses():
    from hepzoo.objectives.gan import GeneratorObjective

    real, fake = torch.tensor([0.9, 0.7]), torch.tensor([0.2, 0.4])
    lsgan = GeneratorObjective(torch.nn.Identity(), loss="lsgan")
    wgan = GeneratorObjective(torch.nn.Identity(), loss="wgan-gp")
    assert lsgan.critic_loss(real, fake).item() == pytest.approx(0.5 * (0.01 + 0.09) / 2 + 0.5 * (0.04 + 0.16) / 2)
    assert wgan.critic_loss(real, fake).item() == pytest.approx(0.3 - 0.8)
    assert lsgan.generator_loss(fake).item() == pytest.approx(0.5 * (0.64 + 0.36) / 2)
    assert wgan.generator_loss(fake).item() == pytest.approx(-0.3)
