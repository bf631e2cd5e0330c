"""EPiC-GAN's training recipe for hepzoo's engine (LSGAN, multiplicity-bucketed batches).

Buhmann, Kasieczka, Thaler, arXiv:2301.08128: Adam(1e-4, betas (0.9, 0.999), eps 1e-14) for the
generator and the critic, one critic step per generator step (the generator step on fresh noise),
batches of up to 128 jets that all have the same multiplicity. The authors select models on the
jet-mass W1 alone; here the best model minimises W1M + W1P + W1EFP together (each divided by its
value at the first validation), since W1M alone hides wrong constituents.
Run as ``hepzoo train epic-gan --data FILE_OR_DATASET --out DIR`` (or ``python -m hepzoo_epic_gan.train``).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import torch

from hepzoo.data import epoch_batches
from hepzoo.data import load_jet_training_data as load_training_data
from hepzoo.samples import Samples
from hepzoo.training import AdversarialStep, JetValidator, Metric, Recipe, TrainOptions
from hepzoo.training import main_train as _main_train
from hepzoo.training import train as _train
from hepzoo_epic_gan.critic import EPiCCritic
from hepzoo_epic_gan.model import EpicGanModel

__all__ = ["EpicGanRecipe", "EpicGanStep", "train", "main_train", "load_training_data"]


class EpicGanStep(AdversarialStep):
    """The objective's LSGAN on dense ``[b, n, 3]`` batches of normalised jets of one multiplicity.

    Fakes come from the objective's declared latents (global ``[b, 10]``, then per-particle
    ``[b, n, 3]``, drawn on the training device) through the generator, as at sampling time.
    """

    def __init__(self, model: EpicGanModel) -> None:
        super().__init__(model.objective, critic_steps=1, fresh_noise=True)


class EpicGanRecipe(Recipe):
    """EPiC-GAN for :func:`hepzoo.training.train`; family options: max particles, jets, validation runs."""

    family = "epic-gan"
    defaults = {"lr": 1e-4, "betas": (0.9, 0.999), "eps": 1e-14, "batch_size": 128, "epochs": 10}
    metrics = (Metric("w1m"), Metric("w1p"), Metric("w1efp"))

    def __init__(self, max_particles: int = 150, max_jets: int | None = None, valid_runs: int = 1,
                 valid_efp_jets: int = 2000) -> None:
        super().__init__(max_particles=max_particles, max_jets=max_jets, valid_runs=valid_runs,
                         valid_efp_jets=valid_efp_jets)
        self._validator: JetValidator | None = None

    def add_arguments(self, parser) -> None:
        parser.add_argument("--max-particles", type=int, default=150, help="particles per jet in the file")
        parser.add_argument("--max-jets", type=int, default=None, help="use only the first N jets")
        parser.add_argument("--valid-runs", type=int, default=1,
                            help="generated sets per validation, each as large as the validation set (authors: 10)")
        parser.add_argument("--valid-efp-jets", type=int, default=2000,
                            help="jets whose EFPs W1EFP compares (EFPs are slow: ~1 s per 1000 jets)")

    def load_data(self, data: str) -> tuple[Samples, Samples]:
        return load_training_data(data, self.args["max_particles"], self.args["max_jets"])

    def build_model(self, train: Samples) -> EpicGanModel:
        return EpicGanModel.from_training_data(train)

    def networks(self, model: EpicGanModel) -> dict:
        return {"critic": EPiCCritic(model.config.critic)}

    def prepare(self, model: EpicGanModel, train: Samples, device: torch.device) -> dict[int, torch.Tensor]:
        """The training jets, normalised, on the device: one dense tensor per multiplicity."""
        return {n: model.normalise(t).to(device) for n, t in model.training_points(train).items()}

    def epoch_batches(self, prepared: dict[int, torch.Tensor], batch_size: int,
                      generator: torch.Generator) -> Sequence[torch.Tensor]:
        return epoch_batches(prepared, batch_size, generator)

    def make_step(self, model: EpicGanModel, networks: dict) -> EpicGanStep:
        return EpicGanStep(model)

    def validate(self, model: EpicGanModel, valid: Samples, device: torch.device, seed: int) -> dict[str, float]:
        if self._validator is None or self._validator.reference is not valid:
            self._validator = JetValidator(valid, efp_jets=self.args["valid_efp_jets"])
        return self._validator(model, device, seed, runs=self.args["valid_runs"])


def train(
    data: Samples,
    valid: Samples,
    out_dir: str | Path,
    epochs: int = 10,
    batch_size: int = 128,
    lr: float = 1e-4,
    device: str | torch.device | None = None,
    seed: int = 0,
    ema: float | None = None,
    resume: bool = True,
    log_every: int = 100,
    time_limit: float | None = None,
    valid_every: int | None = None,
    valid_runs: int = 1,
    **options,
) -> Path:
    """Train EPiC-GAN through the engine (keyword form of ``hepzoo train epic-gan``); returns ``out_dir/model``.

    Further keywords are :class:`hepzoo.training.TrainOptions` fields (``steps``, ``bf16``, ``threads``,
    ``checkpoint_every``, ``checkpoint_every_minutes``, ``quiet``...).
    """
    recipe = EpicGanRecipe(max_particles=int(data.x.shape[1]), valid_runs=valid_runs)
    opts = TrainOptions(**{**recipe.defaults, "epochs": epochs, "batch_size": batch_size, "lr": lr,
                           "device": None if device is None else str(device), "seed": seed, "ema": ema,
                           "log_every": log_every, "time_limit": time_limit, "valid_every": valid_every,
                           "quiet": True, **options})
    return _train(recipe, data, valid, out_dir, opts, resume=resume)


def main_train(argv: Sequence[str] | None = None) -> int:
    """Command line: ``python -m hepzoo_epic_gan.train --data FILE --out DIR [...]`` (as ``hepzoo train epic-gan``)."""
    return _main_train(EpicGanRecipe(), argv, prog="python -m hepzoo_epic_gan.train")


if __name__ == "__main__":
    from hepzoo.errors import HepzooError

    try:
        raise SystemExit(main_train())
    except HepzooError as exc:
        raise SystemExit(f"error: {exc}") from None
