"""EpicGanModel: the published EPiC-GAN (generator + fitted normalisation + multiplicity prior)."""

from __future__ import annotations

from typing import ClassVar

import numpy as np
import torch

from hepzoo.conditions import Condition
from hepzoo.errors import ConfigError, InvalidDataError
from hepzoo.model import Model
from hepzoo.objectives import GeneratorObjective, Latent, multiplicity_groups
from hepzoo.prior import EmpiricalPrior
from hepzoo.representations import PointCloud
from hepzoo.samples import Samples
from hepzoo_epic_gan.buckets import PackedJets, dense_by_multiplicity
from hepzoo_epic_gan.config import FEATURES, EpicGanConfig
from hepzoo_epic_gan.generator import EPiCGenerator
from hepzoo_epic_gan.layers import fold_weight_norm
from hepzoo_epic_gan.preprocessing import JetNormaliser, center_jets, from_authors, to_authors

__all__ = ["EpicGanModel"]


class EpicGanModel(Model):
    """EPiC-GAN (Buhmann, Kasieczka, Thaler, arXiv:2301.08128) as a hepzoo model.

    State dict: ``objective.backbone.*`` (the generator, weight-normalised), ``normaliser.*``
    (mean/std/pt_min), ``prior.*`` (the multiplicity KDE). The critic is not part of it.
    Sampling runs the core path with the one-shot sampler: multiplicities from the prior (the
    authors' KDE, rounded), a global ``[B, 10]`` and a per-particle ``[B, n, 3]`` latent drawn
    per multiplicity bucket. In eval mode (``fast=True``) the weight norm is folded into plain
    weights once and, on the CPU, the generator runs once on all jets' real particles packed back
    to back (``PackedJets``: the same jets up to float summation order, no padding computed); on
    CUDA it runs one dense call per multiplicity. ``autocast_bf16=True`` is the bfloat16 fast
    path (CPU: per-particle work in bfloat16; CUDA: autocast); ``fast=False`` is the reference
    (weight norm recomputed, one dense call per multiplicity).
    """

    family: ClassVar[str] = "epic-gan"
    config_cls: ClassVar[type] = EpicGanConfig
    default_sampler = "one-shot"
    default_steps = 1
    default_batch_size = 10_000

    def __init__(self, config: EpicGanConfig | None = None) -> None:
        config = config or EpicGanConfig()
        if tuple(config.features) != FEATURES:
            raise ConfigError(f"EPiC-GAN features must be {FEATURES}, got {tuple(config.features)}")
        if config.max_particles < 1:
            raise ConfigError(f"max_particles must be >= 1, got {config.max_particles}")
        super().__init__(config)
        self.representation = PointCloud(config.max_particles, FEATURES)
        latents = (
            Latent("z_global", (config.generator.latent,)),
            Latent("z_local", (config.generator.latent_local,), per_particle=True),
        )
        self.objective = GeneratorObjective(
            EPiCGenerator(config.generator), loss="lsgan", latents=latents, by_multiplicity=True
        )
        self.normaliser = JetNormaliser(config.norm_sigma)
        self.conditions = (
            Condition("n_particles", kind="integer", low=1, high=config.max_particles, description="multiplicity"),
        )
        self.prior = EmpiricalPrior(("n_particles",), integer=("n_particles",), discrete="kde-round")
        self.fast = True
        self.autocast_bf16 = False
        object.__setattr__(self, "_fast_cache", (None, None))

    @property
    def generator(self) -> EPiCGenerator:
        """The (weight-normalised, trainable) generator."""
        return self.objective.backbone

    # -- building from data ----------------------------------------------------------------------
    @classmethod
    def from_training_data(cls, samples: Samples, config: EpicGanConfig | None = None) -> EpicGanModel:
        """A fresh (untrained) model whose normalisation and multiplicity prior are fitted on ``samples``."""
        if tuple(samples.representation.features) != FEATURES or samples.mask is None:
            raise InvalidDataError(
                f"EPiC-GAN trains on point clouds with features {FEATURES} and a mask; got "
                f"{tuple(samples.representation.features)} (mask {'absent' if samples.mask is None else 'present'})"
            )
        config = config or EpicGanConfig(max_particles=int(samples.x.shape[1]))
        model = cls(config)
        counts = samples.mask.sum(1)
        if (counts < 1).any():
            raise InvalidDataError(f"{int((counts < 1).sum())} jets have no particles; drop them before training")
        if counts.max() > config.max_particles:
            raise InvalidDataError(f"jets have up to {counts.max()} particles > max_particles={config.max_particles}")
        points = torch.cat([t.reshape(-1, 3) for t in model.training_points(samples).values()])
        model.normaliser.fit(points)
        model.prior.fit(torch.as_tensor(counts, dtype=torch.float64).reshape(-1, 1))
        return model

    @staticmethod
    def training_points(samples: Samples) -> dict[int, torch.Tensor]:
        """``{n: [jets, n, (pt, eta, phi)]}``: real particles, authors' order, re-centred (as the authors)."""
        dense = dense_by_multiplicity(samples.x.astype(np.float32), samples.mask)
        return {n: center_jets(to_authors(torch.from_numpy(a))) for n, a in dense.items()}

    def normalise(self, points: torch.Tensor) -> torch.Tensor:
        """Physical ``[..., (pt, eta, phi)]`` -> the network's space (critic input)."""
        return self.normaliser(points)

    # -- sampling ----------------------------------------------------------------------------------
    def event_shape(self, cond: dict[str, torch.Tensor]) -> tuple[int, ...]:
        return (self.config.max_particles, 3)

    def postprocess(self, x, mask, cond):
        """Raw generator output -> physical jets, per multiplicity bucket (dense, as the authors)."""
        normaliser = self.normaliser.to(x.device)
        out = torch.zeros_like(x)
        for n, idx in multiplicity_groups(mask.sum(1)):
            where = torch.as_tensor(idx, device=x.device)
            out[where, :n] = from_authors(normaliser.postprocess(x[where, :n].float()))
        return out.cpu().numpy(), mask.cpu().numpy()

    def sampling_law(self, c, mask, device):
        if self._packs(mask, device):
            return self._packed_law(mask, self._sampling_generator(device))
        return self.objective.law_fn(c, mask, backbone=self._sampling_network(device))

    def _packs(self, mask: torch.Tensor | None, device: torch.device) -> bool:
        """Whether sampling runs packed: eval mode, the fast path, on the CPU."""
        return mask is not None and self.fast and not self.training and torch.device(device).type == "cpu"

    def _packed_law(self, mask: torch.Tensor, net: EPiCGenerator):
        """The one-shot law on packed real particles: padded latents in, padded output out."""
        jets = PackedJets.from_mask(mask)
        dtype = torch.bfloat16 if self.autocast_bf16 else torch.float32

        def law(z: dict[str, torch.Tensor], t: torch.Tensor) -> torch.Tensor:
            out = net.forward_packed(z["z_global"], PackedJets.pack(z["z_local"], mask), jets, dtype=dtype)
            return PackedJets.unpack(out, mask)

        return law

    def _sampling_network(self, device: torch.device) -> torch.nn.Module:
        net = self._sampling_generator(device)
        if self.autocast_bf16 and torch.device(device).type == "cuda":
            return _Bfloat16(net)
        return net

    def _sampling_generator(self, device: torch.device) -> torch.nn.Module:
        """The generator to sample with: a folded-weight-norm copy in eval mode (cached)."""
        gen = self.generator
        if self.training or not self.fast:
            return gen
        key = (str(device), tuple((p.data_ptr(), p._version) for p in gen.parameters()))
        cached_key, cached = self._fast_cache
        if cached_key != key:
            with torch.inference_mode(False), torch.no_grad():
                copy = EPiCGenerator(self.config.generator)
                copy.load_state_dict({k: v.detach().clone() for k, v in gen.state_dict().items()})
                cached = fold_weight_norm(copy).to(device).eval()
            object.__setattr__(self, "_fast_cache", (key, cached))
        return cached

    @torch.no_grad()
    def generate_points(
        self, counts: torch.Tensor, generator: torch.Generator, device: torch.device | str = "cpu"
    ) -> tuple[np.ndarray, np.ndarray]:
        """Jets with the given multiplicities ``[B]``: ``(x [B, P, 3] hepzoo order, mask [B, P])``.

        The core generation path with the one-shot sampler: one dense generator call per distinct
        multiplicity, in increasing order; for each, global then local noise is drawn from
        ``generator`` (on its device).
        """
        from hepzoo.training import generate_jets

        return generate_jets(self, counts, generator, device)


class _Bfloat16(torch.nn.Module):
    """Runs a generator under bfloat16 autocast (CUDA) and returns float32."""

    def __init__(self, net: torch.nn.Module) -> None:
        super().__init__()
        self.net = net

    def forward(self, *args):
        with torch.autocast("cuda", dtype=torch.bfloat16):
            out = self.net(*args)
        return out.float()
