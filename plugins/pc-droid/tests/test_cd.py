"""pc-droid-cae-cd: a CAE student distilled from a pc-droid-cae teacher, sampled in 1 to 5 steps."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from hepzoo.errors import ConfigError
from hepzoo.laws import Law
from hepzoo.testing.conformance import ModelConformance
from hepzoo.testing.training_conformance import TrainingConformance, conformance_options
from hepzoo_pc_droid.distill import PcDroidCAECDRecipe, load_teacher
from hepzoo_pc_droid.model import PcDroid, PcDroidCAE, PcDroidCAECD


@pytest.fixture
def teacher(jets, make_model) -> PcDroidCAE:
    return make_model(PcDroidCAE, jets, "cross")


@pytest.fixture
def student(teacher) -> PcDroidCAECD:
    return PcDroidCAECD.from_teacher(teacher).eval()


@pytest.fixture
def teacher_folder(teacher, tmp_path):
    return teacher.save_pretrained(tmp_path / "teacher")


class TestCDConformance(ModelConformance):
    """The suite every family inherits, on a student fresh from a small teacher (3 steps by default)."""

    @pytest.fixture
    def model(self, student, registry):
        return student


def test_student_starts_as_the_teacher_and_is_a_consistency_model(teacher, student, registry):
    teacher_state = teacher.state_dict()
    assert student.state_dict().keys() == teacher_state.keys()
    assert all(torch.equal(v, teacher_state[k]) for k, v in student.state_dict().items())
    assert student.law is Law.CONSISTENCY and student.family == "pc-droid-cae-cd"
    assert student.default_sampler == "multistep-consistency" and student.default_steps == 3


def test_boundary_condition_is_exact_on_masked_jets(student, jets):
    x, cond, mask = student.network_inputs(jets[:16])
    out = student.objective.denoise(x, torch.tensor(student.objective.sigma_min), cond, mask)
    assert torch.equal(out, x)
    assert not torch.equal(student.objective.denoise(x, torch.tensor(1.0), cond, mask), x)


@pytest.mark.parametrize("steps", [1, 3, 5])
def test_k_steps_are_k_network_calls_with_valid_masks_and_seeded(student, registry, monkeypatch, steps):
    calls = []
    forward = student.objective.backbone.forward
    monkeypatch.setattr(student.objective.backbone, "forward", lambda *a, **k: calls.append(1) or forward(*a, **k))
    out = student.sample(12, seed=4, steps=steps, batch_size=12, cond={"n_particles": 7})
    assert len(calls) == steps and out.meta["steps"] == steps and out.meta["sampler"] == "multistep-consistency"
    assert out.x.shape == (12, 12, 3) and np.isfinite(out.x).all()
    np.testing.assert_array_equal(out.mask.sum(1), np.full(12, 7))
    assert (out.x[~out.mask] == 0).all()
    np.testing.assert_array_equal(out.x, student.sample(12, seed=4, steps=steps, batch_size=12,
                                                        cond={"n_particles": 7}).x)
    assert not np.array_equal(out.x, student.sample(12, seed=5, steps=steps, batch_size=12,
                                                    cond={"n_particles": 7}).x)


def test_default_steps_come_from_the_config(teacher, registry, tmp_path):
    import hepzoo

    folder = PcDroidCAECD.from_teacher(teacher, sample_steps=2).save_pretrained(tmp_path / "cd")
    loaded = hepzoo.load(f"local-dir:{folder}")
    assert loaded.default_steps == 2 and loaded.sample(4, seed=0).meta["steps"] == 2


def test_ode_samplers_are_refused(student, registry):
    from hepzoo.errors import IncompatibleSamplerError

    with pytest.raises(IncompatibleSamplerError, match="consistency"):
        student.sample(2, sampler="heun")


def test_only_a_pc_droid_cae_teacher_is_accepted(jets, make_model, student, tmp_path, registry):
    full = make_model(PcDroid, jets, "full")
    with pytest.raises(ConfigError, match="pc-droid-cae model"):
        PcDroidCAECD.from_teacher(full)
    with pytest.raises(ConfigError, match="pc-droid-cae model"):
        PcDroidCAECD.from_teacher(student)
    with pytest.raises(ConfigError, match="is a pc-droid model"):
        load_teacher(str(full.save_pretrained(tmp_path / "full")))
    with pytest.raises(ConfigError, match="is a pc-droid-cae-cd model"):
        load_teacher(str(student.save_pretrained(tmp_path / "cd")))


def test_train_command_refuses_a_wrong_teacher_in_one_line(jets, make_model, tmp_path, registry, capsys):
    from hepzoo.cli.main import main

    folder = make_model(PcDroid, jets, "full").save_pretrained(tmp_path / "full")
    rc = main(["train", "pc-droid-cae-cd", "--teacher", str(folder), "--data", str(tmp_path / "missing.h5"),
               "--out", str(tmp_path / "run")])
    err = capsys.readouterr().err.strip()
    assert rc == 2 and "\n" not in err and "is a pc-droid model" in err
    assert not (tmp_path / "run" / "checkpoint.json").exists()


@pytest.mark.slow
def test_train_command_distils_into_a_loadable_student(jets, teacher_folder, tmp_path, registry):
    import json

    from hepzoo.data import write_samples
    from hepzoo.hub.local import load_pretrained
    from hepzoo.training import main_train

    data = write_samples(jets, tmp_path / "jets.h5")
    run = tmp_path / "teacher-run"  # a training run's folder: --teacher finds its model/
    run.mkdir()
    teacher_folder.rename(run / "model")
    rc = main_train(PcDroidCAECDRecipe(), ["--teacher", str(run), "--data", str(data), "--out",
                                           str(tmp_path / "run"), "--steps", "3", "--batch-size", "16",
                                           "--distill-steps", "8", "--valid-jets", "8", "-q"])
    assert rc == 0
    model = load_pretrained(tmp_path / "run" / "model")
    assert isinstance(model, PcDroidCAECD) and model.default_steps == 3
    log = [json.loads(line) for line in (tmp_path / "run" / "train_log.jsonl").read_text().splitlines()]
    gaps = [r["one_step_gap"] for r in log if r["event"] == "valid"]
    assert gaps and all(np.isfinite(gaps))


@pytest.mark.slow
class TestCDTraining(TrainingConformance):
    """The engine's checks: distillation checkpoints (with its target network) and resumes bit-identically."""

    @pytest.fixture
    def recipe_factory(self, teacher_folder, registry):
        return lambda: PcDroidCAECDRecipe(teacher=str(teacher_folder), distill_steps=8, valid_jets=8)

    @pytest.fixture
    def training_data(self, make_jets):
        return make_jets(60, 12, seed=1), make_jets(20, 12, seed=2)

    def test_target_network_is_checkpointed(self, recipe_factory, training_data, tmp_path):
        from hepzoo.training import train
        from hepzoo.training.checkpoint import load_checkpoint

        recipe = recipe_factory()
        train(recipe, *training_data, tmp_path / "run", conformance_options(recipe, steps=2, batch_size=16))
        tensors, _ = load_checkpoint(tmp_path / "run")
        assert any(k.startswith("step.target.backbone.") for k in tensors)
        assert not any(k.startswith("net.teacher.") for k in tensors)


@pytest.mark.slow
def test_student_distilled_from_an_analytic_teacher_samples_its_distribution_in_one_step(jets, small, registry):
    """A teacher whose data are N(1, 0.5^2) per feature (its EDM denoiser is closed-form): 200 distillation steps
    take the CAE student's one-step jets from ~0 to those moments."""
    from hepzoo.samplers.consistency import consistency_grid, multistep_consistency
    from hepzoo.training import ConsistencyDistillationStep
    from hepzoo.training.steps import MODEL, StepContext

    mean, width = 1.0, 0.5

    class GaussianTeacher(torch.nn.Module):
        def denoise(self, x, sigma, cond=None, mask=None):
            s2 = torch.as_tensor(sigma).reshape(-1, 1, 1) ** 2
            return (mean + width**2 / (width**2 + s2) * (x - mean)) * mask.unsqueeze(-1)

    torch.manual_seed(0)
    student = PcDroidCAECD.from_teacher(PcDroidCAE.from_training_data(jets, small("cross", 12)))
    _, cond, mask = student.network_inputs(jets)

    def one_step_moments():
        generator = torch.Generator().manual_seed(3)
        noise = student.objective.draw_noise((len(jets), 12, 3), mask, generator)
        with torch.no_grad():
            out = multistep_consistency(student.objective.law_fn(cond, mask), noise,
                                        consistency_grid(student.objective, 1), generator=generator, mask=mask)
        return out[mask].mean().item(), out[mask].std().item()

    start = one_step_moments()
    assert abs(start[0] - mean) > 0.9 and abs(start[1] - width) > 0.4
    step = ConsistencyDistillationStep(student.objective, GaussianTeacher(), steps=6, mu=0.5, ode_step="dpm-2")
    ctx = StepContext({MODEL: student}, {MODEL: torch.optim.RAdam(student.parameters(), lr=3e-3)},
                      torch.device("cpu"), torch.Generator().manual_seed(1))
    data = torch.Generator().manual_seed(2)
    for _ in range(200):
        idx = torch.randint(0, len(jets), (64,), generator=data)
        x = (mean + width * torch.randn(64, 12, 3, generator=data)) * mask[idx].unsqueeze(-1)
        step((x, cond[idx], mask[idx]), ctx)
    got = one_step_moments()
    assert abs(got[0] - mean) < 0.15 and abs(got[1] - width) < 0.12, got


def test_train_command_without_a_teacher_is_refused_in_one_line(jets, tmp_path, registry, capsys):
    from hepzoo.cli.main import main

    rc = main(["train", "pc-droid-cae-cd", "--data", str(tmp_path / "missing.h5"), "--out", str(tmp_path / "run")])
    err = capsys.readouterr().err.strip()
    assert rc == 2 and "\n" not in err and "--teacher" in err


def test_a_teacher_run_folder_uses_its_best_model_and_one_without_a_model_is_one_line(teacher, tmp_path, registry):
    run = tmp_path / "run"
    teacher.save_pretrained(run / "best")
    assert type(load_teacher(str(run))) is PcDroidCAE
    empty_run = tmp_path / "empty-run"
    empty_run.mkdir()
    (empty_run / "checkpoint.json").write_text("{}")
    with pytest.raises(ConfigError, match="exported no model yet"):
        load_teacher(str(empty_run))
    with pytest.raises(ConfigError, match="--teacher is empty"):
        load_teacher("")
