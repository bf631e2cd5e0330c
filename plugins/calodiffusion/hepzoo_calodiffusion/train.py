"""CaloDiffusion's training recipe for hepzoo's engine: DDPM noise prediction on shuffled showers.

Amram & Pedro, arXiv:2308.03876 (dataset 2): Adam at lr 4e-4, batch 128, MSE between the drawn
and the predicted noise at a uniformly drawn timestep of the 400-step cosine schedule. The
authors lower the lr on plateaus and stop early on the validation loss; here the engine keeps
the lr constant (or cosine, ``--lr-schedule``) and the best model minimises the seeded
validation loss. Run as ``hepzoo train calodiffusion-unet --data FILE_OR_DATASET --out DIR``.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import torch

from hepzoo.errors import InvalidDataError
from hepzoo.samples import Samples
from hepzoo.training import LossStep, Metric, Recipe, TrainOptions
from hepzoo.training import main_train as _main_train
from hepzoo.training import train as _train
from hepzoo_calodiffusion.config import CaloDiffusionConfig, ShowerScaling, UNetConfig
from hepzoo_calodiffusion.model import CaloDiffusionModel
from hepzoo_calodiffusion.prior import DiscreteEnergyPrior

__all__ = ["CaloDiffusionRecipe", "train", "main_train", "load_training_data", "DEFAULT_LAYER_SIZES",
           "DEFAULT_TIMESTEPS"]

DEFAULT_LAYER_SIZES = UNetConfig().layer_sizes
DEFAULT_TIMESTEPS = CaloDiffusionConfig().timesteps


class CaloDiffusionRecipe(Recipe):
    """CaloDiffusion for :func:`hepzoo.training.train`; family options: U-Net widths, shower counts."""

    family = "calodiffusion-unet"
    defaults = {"lr": 4e-4, "batch_size": 128, "epochs": 200}
    metrics = (Metric("valid_loss"),)

    def __init__(self, layer_sizes: Sequence[int] = DEFAULT_LAYER_SIZES, max_showers: int | None = None,
                 valid_showers: int = 2000, timesteps: int = DEFAULT_TIMESTEPS) -> None:
        super().__init__(layer_sizes=list(layer_sizes), max_showers=max_showers, valid_showers=valid_showers,
                         timesteps=timesteps)
        self._valid: tuple | None = None

    def add_arguments(self, parser) -> None:
        parser.add_argument("--layer-sizes", type=int, nargs="+", default=list(DEFAULT_LAYER_SIZES),
                            help="U-Net widths: stem, then one per stage (paper, dataset 2: 16 16 16 32)")
        parser.add_argument("--max-showers", type=int, default=None, help="use only the first N showers")
        parser.add_argument("--valid-showers", type=int, default=2000,
                            help="validation showers whose seeded diffusion loss selects the best model")
        parser.add_argument("--timesteps", type=int, default=DEFAULT_TIMESTEPS,
                            help="diffusion steps of the cosine schedule (paper: 400)")

    def load_data(self, data: str) -> tuple[Samples, Samples]:
        return load_training_data(data, self.args["max_showers"])

    def build_model(self, train: Samples) -> CaloDiffusionModel:
        rep = train.representation
        unet = UNetConfig(layer_sizes=tuple(self.args["layer_sizes"]), angle_channel=not rep.is_regular)
        config = CaloDiffusionConfig(geometry=rep.name, timesteps=self.args["timesteps"], unet=unet,
                                     scaling=ShowerScaling.published(rep.name))
        model = CaloDiffusionModel(config)
        if isinstance(model.prior, DiscreteEnergyPrior):  # dataset 1: the training energies' frequencies
            model.prior.fit(train.cond["energy"])
        return model

    def _tensors(self, model: CaloDiffusionModel, showers: Samples, device: torch.device) -> tuple:
        """Network-space showers ``[N, *event_shape]`` and energy conditions ``[N, 1]`` on ``device``."""
        energy = torch.as_tensor(showers.cond["energy"], dtype=torch.float64)
        x = model.to_network(torch.from_numpy(np.asarray(showers.x)), energy)
        return x.to(device), model.condition_vector({"energy": energy}, device)

    def prepare(self, model: CaloDiffusionModel, train: Samples, device: torch.device) -> tuple:
        """The training showers in network space and their energy conditions, on the device."""
        return self._tensors(model, train, device)

    def epoch_batches(self, prepared: tuple, batch_size: int, generator: torch.Generator) -> Sequence[tuple]:
        x, c = prepared
        order = torch.randperm(len(x), generator=generator).to(x.device)
        return [(x[i], c[i], None) for i in order.split(batch_size)]

    def make_step(self, model: CaloDiffusionModel, networks: dict) -> LossStep:
        return LossStep(model.objective)

    def validate(self, model: CaloDiffusionModel, valid: Samples, device: torch.device, seed: int) -> dict[str, float]:
        """The diffusion loss on the first ``valid_showers`` validation showers, same noise every time."""
        key = (id(valid), str(device))
        if self._valid is None or self._valid[0] != key:
            subset = valid[: self.args["valid_showers"]]
            self._valid = (key, self._tensors(model, subset, device))
        x, c = self._valid[1]
        generator = torch.Generator(device=device).manual_seed(seed)
        with torch.no_grad():
            losses = [model.objective.loss(xb, cb, None, generator=generator)
                      for xb, cb in zip(x.split(256), c.split(256))]
        weights = torch.tensor([len(xb) for xb in x.split(256)], dtype=torch.float64)
        return {"valid_loss": float((torch.stack(losses).double().cpu() * weights).sum() / weights.sum())}


def load_training_data(data: str, max_showers: int | None = None) -> tuple[Samples, Samples]:
    """``(train, valid)`` from a CaloChallenge HDF5 file (70/15/15 split, seed 42) or a registered dataset."""
    from hepzoo.data import read_calochallenge, training_split

    train_set, valid_set = training_split(data, read_calochallenge, max_showers)
    if len(train_set) < 2 or len(valid_set) < 1:
        raise InvalidDataError(
            f"too few showers to train on ({len(train_set)} train, {len(valid_set)} valid); pass more data"
        )
    for part in (train_set, valid_set):
        energy = np.asarray(part.cond.get("energy", []))
        if len(energy) != len(part) or not (energy > 0).all():
            raise InvalidDataError("every shower needs a positive incident energy (MeV) in 'incident_energies'")
    return train_set, valid_set


def train(data: Samples, valid: Samples, out_dir: str | Path, epochs: int = 200, batch_size: int = 128,
          lr: float = 4e-4, layer_sizes: Sequence[int] = DEFAULT_LAYER_SIZES, valid_showers: int = 2000,
          device: str | torch.device | None = None, seed: int = 0, resume: bool = True, **options) -> Path:
    """Train CaloDiffusion through the engine (keyword form of ``hepzoo train calodiffusion-unet``).

    Further keywords are :class:`hepzoo.training.TrainOptions` fields (``steps``, ``bf16``,
    ``threads``, ``ema``, ``log_every``, ``time_limit``...). Returns ``out_dir/model``.
    """
    recipe = CaloDiffusionRecipe(layer_sizes=layer_sizes, valid_showers=valid_showers)
    opts = TrainOptions(**{**recipe.defaults, "epochs": epochs, "batch_size": batch_size, "lr": lr,
                           "device": None if device is None else str(device), "seed": seed, "quiet": True,
                           **options})
    return _train(recipe, data, valid, out_dir, opts, resume=resume)


def main_train(argv: Sequence[str] | None = None) -> int:
    """``python -m hepzoo_calodiffusion.train --data FILE --out DIR [...]`` (as ``hepzoo train calodiffusion-unet``)."""
    return _main_train(CaloDiffusionRecipe(), argv, prog="python -m hepzoo_calodiffusion.train")


if __name__ == "__main__":
    from hepzoo.errors import HepzooError

    try:
        raise SystemExit(main_train())
    except HepzooError as exc:
        raise SystemExit(f"error: {exc}") from None
