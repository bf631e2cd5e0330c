"""PC-Droid's training recipe for hepzoo's engine: EDM on jets of every type, batches trimmed to their jets.

Leigh et al., arXiv:2307.06836: one model on all five JetNet150 types (70/15/15 split), AdamW at
1e-4 without weight decay, linear warm-up over 50k steps then constant, gradient norm clipped at
10, EMA 0.999, batch 256, mixed precision (here bf16 autocast, on by default on CUDA). The best
model minimises the EDM loss on held-out jets (fixed noise, so validations compare).
Run as ``hepzoo train pc-droid-cae --data t=t150.h5,g=g150.h5,... --out DIR`` (or ``pc-droid``).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import torch

from hepzoo.conditions import JET_TYPE
from hepzoo.errors import InvalidDataError
from hepzoo.samples import Samples
from hepzoo.training import LossStep, Metric, Recipe
from hepzoo.training import main_train as _main_train
from hepzoo_pc_droid.batches import TrimmedBatches, grouped_batches
from hepzoo_pc_droid.model import PcDroid, PcDroidCAE, PcDroidModel

__all__ = ["PcDroidCAERecipe", "PcDroidRecipe", "load_training_data", "validation_loss", "main_train",
           "RECIPE_ACROSS_TYPES"]

# The part of a jet file's recipe (hepzoo.data.merge.RECIPE_KEYS) that files of different jet types
# share; the type and its hard process (Pythia settings) differ between them by design.
RECIPE_ACROSS_TYPES = ("generator", "cuts", "detector", "constituent_convention")


class PcDroidCAERecipe(Recipe):
    """The cross-attention encoder (family ``pc-droid-cae``) for :func:`hepzoo.training.train`."""

    family = "pc-droid-cae"
    model_cls: type[PcDroidModel] = PcDroidCAE
    defaults = {"lr": 1e-4, "optimizer": "adamw", "weight_decay": 0.0, "warmup_steps": 50_000,
                "clip_grad": 10.0, "ema": 0.999, "batch_size": 256, "epochs": 100}
    metrics = (Metric("valid_loss"),)

    def __init__(self, max_particles: int = 150, max_jets: int | None = None, window: int = 16,
                 valid_jets: int = 2000) -> None:
        super().__init__(max_particles=max_particles, max_jets=max_jets, window=window, valid_jets=valid_jets)
        self._valid: tuple | None = None

    def add_arguments(self, parser) -> None:
        parser.add_argument("--max-particles", type=int, default=150, help="particle slots per jet (30 or 150)")
        parser.add_argument("--max-jets", type=int, default=None, help="use only N jets (drawn from every file)")
        parser.add_argument("--window", type=int, default=16,
                            help="batches' worth of shuffled jets sorted by multiplicity before batching "
                                 "(1: plain shuffled batches); each batch is padded to its largest jet only")
        parser.add_argument("--valid-jets", type=int, default=2000, help="held-out jets whose EDM loss selects the model")

    def load_data(self, data: str) -> tuple[Samples, Samples]:
        return load_training_data(data, self.args["max_particles"], self.args["max_jets"])

    def build_model(self, train: Samples) -> PcDroidModel:
        return self.model_cls.from_training_data(train)

    def prepare(self, model: PcDroidModel, train: Samples, device: torch.device) -> TrimmedBatches:
        """Every training jet in network space on the device, padded to the longest jet of the set."""
        x, cond, mask = model.network_inputs(train)
        counts = mask.sum(1)
        width = int(counts.max())
        return TrimmedBatches(x[:, :width].to(device), cond.to(device), mask[:, :width].to(device), counts, [])

    def epoch_batches(self, prepared: TrimmedBatches, batch_size: int, generator: torch.Generator) -> Sequence:
        plan = grouped_batches(prepared.counts, batch_size, generator, self.args["window"])
        return TrimmedBatches(prepared.x, prepared.cond, prepared.mask, prepared.counts, plan)

    def make_step(self, model: PcDroidModel, networks: dict) -> LossStep:
        return LossStep(model.objective)

    def validate(self, model: PcDroidModel, valid: Samples, device: torch.device, seed: int) -> dict[str, float]:
        if self._valid is None or self._valid[0] is not valid:
            subset = valid[: self.args["valid_jets"]]
            self._valid = (valid, model.network_inputs(subset))
        x, cond, mask = self._valid[1]
        return {"valid_loss": validation_loss(model, x, cond, mask, device, seed)}


class PcDroidRecipe(PcDroidCAERecipe):
    """The full transformer (family ``pc-droid``) for :func:`hepzoo.training.train`."""

    family = "pc-droid"
    model_cls = PcDroid


@torch.no_grad()
def validation_loss(model: PcDroidModel, x: torch.Tensor, cond: torch.Tensor, mask: torch.Tensor,
                    device: torch.device, seed: int, batch_size: int = 512) -> float:
    """The EDM loss on ``(x, cond, mask)`` with noise from ``seed`` (the same noise at every validation)."""
    generator = torch.Generator(device=device).manual_seed(seed)
    total, weight = 0.0, 0
    counts = mask.sum(1)
    for idx in torch.argsort(counts).split(batch_size):
        n = int(counts[idx].max())
        real = int(counts[idx].sum())
        loss = model.objective.loss(x[idx, :n].to(device), cond[idx].to(device), mask[idx, :n].to(device),
                                    generator=generator)
        total += float(loss) * real
        weight += real
    return total / weight


def load_training_data(data: str, max_particles: int = 150, max_jets: int | None = None) -> tuple[Samples, Samples]:
    """``(train, valid)``: the jets of every file in ``data``, split 70/15/15 with seed 42 (jetnet's split).

    ``data`` is a comma-separated list of JetNet-layout files or registered dataset names, each
    optionally ``TYPE=`` prefixed (``t=t150.hdf5``) to give its jets a type (real JetNet files do
    not record it; hepzoo's files do, in ``jet_type`` or their metadata).
    """
    from hepzoo.data import check_same_recipe, split_indices

    data = ",".join(item.strip() for item in str(data).split(",") if item.strip())
    parts = [_read_part(item, max_particles) for item in data.split(",") if item]
    if not parts:
        raise InvalidDataError("--data names no file; pass FILE or TYPE=FILE[,TYPE=FILE...]")
    check_same_recipe(parts, data.split(","), RECIPE_ACROSS_TYPES)
    for item, part in zip(data.split(","), parts):
        if part.x.shape[1] != parts[0].x.shape[1] or set(part.cond) != set(parts[0].cond):
            raise InvalidDataError(
                f"{item.strip()} holds {part.x.shape[1]} particle slots and conditions {sorted(part.cond)}, the "
                f"first file {parts[0].x.shape[1]} and {sorted(parts[0].cond)}; give every file its type (TYPE=FILE) "
                "and the same JetNet variant"
            )
    samples = parts[0] if len(parts) == 1 else Samples.concatenate(parts)
    split = split_indices(len(samples), (0.7, 0.15, 0.15), seed=42)
    train_idx, valid_idx = split["train"], split["valid"]  # permuted: a prefix is a random subset of every file
    if max_jets:
        train_idx, valid_idx = train_idx[: int(0.7 * max_jets)], valid_idx[: max(1, int(0.15 * max_jets))]
    train_idx, valid_idx = np.sort(train_idx), np.sort(valid_idx)
    out = []
    for idx in (train_idx, valid_idx):
        part = samples[idx]
        keep = part.mask.sum(1) > 0
        out.append(part if keep.all() else part[np.flatnonzero(keep)])
    if len(out[0]) < 2 or len(out[1]) < 1:
        raise InvalidDataError(f"too few jets to train on ({len(out[0])} train, {len(out[1])} valid); pass more data")
    return out[0], out[1]


def _read_part(item: str, max_particles: int) -> Samples:
    """One ``[TYPE=]FILE_OR_DATASET`` of ``--data`` as Samples with a ``type`` condition when known."""
    from hepzoo.data import load_dataset
    from hepzoo.representations import PointCloud

    label, sep, source = item.partition("=")
    if not sep:
        label, source = "", item
    path = Path(source)
    if path.suffix in (".h5", ".hdf5") or path.exists():
        samples = PointCloud(max_particles=max_particles).read(path)
    else:
        samples = load_dataset(source, "all")
    recorded = _recorded_types(samples, source)
    if label:
        given = JET_TYPE.parse(label)
        if recorded and recorded != {given}:
            names = "/".join(JET_TYPE.labels[t] for t in sorted(recorded))
            raise InvalidDataError(
                f"{source} records {names} jets but --data labels it {label!r} ({JET_TYPE.labels[given]}); "
                f"drop the label or pass the {JET_TYPE.labels[given]} file"
            )
        samples.cond["type"] = np.full(len(samples), given, dtype=np.int64)
    return samples


def _recorded_types(samples: Samples, source: str) -> set[int]:
    """The jet types a file records (per jet and in its metadata), refused when the two disagree."""
    per_jet = {int(t) for t in np.unique(samples.cond["type"])} if "type" in samples.cond else set()
    if "jet_type" not in samples.meta:
        return per_jet
    named = JET_TYPE.parse(str(samples.meta["jet_type"]))
    index = samples.meta.get("jet_type_index", named)
    if per_jet - {named} or int(index) != named:  # written before the index followed jetnet's order
        found = sorted(per_jet | {int(index)})
        raise InvalidDataError(
            f"{source} is {samples.meta['jet_type']} jets (index {named} in jetnet's order) but records type "
            f"index {'/'.join(map(str, found))}; remake the file with hepzoo data make"
        )
    return {named}


def main_train(argv: Sequence[str] | None = None) -> int:
    """Command line: ``python -m hepzoo_pc_droid.train --data FILES --out DIR [...]`` (as ``hepzoo train pc-droid-cae``)."""
    return _main_train(PcDroidCAERecipe(), argv, prog="python -m hepzoo_pc_droid.train")


if __name__ == "__main__":
    from hepzoo.errors import HepzooError

    try:
        raise SystemExit(main_train())
    except HepzooError as exc:
        raise SystemExit(f"error: {exc}") from None
