"""MdmaModel (GAN, family ``mdma``) and MdmaFmModel (flow matching, ``mdma-fm``): mean-field attention jets."""

from __future__ import annotations

from typing import ClassVar

import numpy as np
import torch

from hepzoo.conditions import Condition
from hepzoo.data import PackedJets, dense_by_multiplicity
from hepzoo.errors import ConfigError, InvalidDataError
from hepzoo.masking import apply_mask
from hepzoo.model import Model
from hepzoo.objectives import FlowMatching, GeneratorObjective, Latent
from hepzoo.preprocessing import Standardize
from hepzoo.prior import EmpiricalPrior
from hepzoo.representations import PointCloud
from hepzoo.samples import Samples
from hepzoo_mdma.config import FEATURES, MdmaConfig, MdmaFmConfig
from hepzoo_mdma.networks import MDMAGenerator, MDMAVelocity

__all__ = ["MdmaBase", "MdmaModel", "MdmaFmModel"]

PT_REL = FEATURES.index("pt_rel")


class MdmaBase(Model):
    """What both MDMA families share: standardised (eta_rel, phi_rel, pt_rel), ``n_particles`` from a KDE prior.

    Particles are standardised on real entries to mean 0, std 1 (the authors' StandardScaler,
    arXiv:2305.15254); generated particles are clipped to the training range in that space before
    the inverse. The multiplicity prior is EPiC-GAN's rounded KDE of the training multiplicities
    (``discrete="kde-round"``, stored as arrays). In eval mode on the CPU (``fast``) the network
    runs once on all jets' real particles packed back to back when padding is common, else on the
    padded batch with its mask; ``autocast_bf16`` runs it in bfloat16.
    State dict: ``objective.backbone.*`` (network, incl. ``avg_n``), ``preprocessing.*``,
    ``low``/``high`` (network-space range), ``prior.*``.
    """

    config_cls: ClassVar[type]
    default_batch_size = 10_000

    def __init__(self, config) -> None:
        if tuple(config.features) != FEATURES:
            raise ConfigError(f"MDMA features must be {FEATURES}, got {tuple(config.features)}")
        super().__init__(config)
        self.representation = PointCloud(config.max_particles, FEATURES)
        self.objective = self.make_objective(config)
        self.preprocessing = Standardize(len(FEATURES))
        self.register_buffer("low", torch.full((len(FEATURES),), -torch.inf))
        self.register_buffer("high", torch.full((len(FEATURES),), torch.inf))
        self.conditions = (
            Condition("n_particles", kind="integer", low=1, high=config.max_particles, description="multiplicity"),
        )
        self.prior = EmpiricalPrior(("n_particles",), integer=("n_particles",), discrete="kde-round")
        self.fast = True
        self.autocast_bf16 = False

    def make_objective(self, config):
        """The family's objective wrapping its network (GAN generator or velocity field)."""
        raise NotImplementedError

    @property
    def network(self) -> torch.nn.Module:
        """The published network (generator or velocity field)."""
        return self.objective.backbone

    # -- building from data ----------------------------------------------------------------------
    @classmethod
    def from_training_data(cls, samples: Samples, config=None):
        """A fresh (untrained) model: standardisation, range, ``<n>`` and multiplicity prior fitted on ``samples``."""
        if tuple(samples.representation.features) != FEATURES or samples.mask is None:
            raise InvalidDataError(
                f"MDMA trains on point clouds with features {FEATURES} and a mask; got "
                f"{tuple(samples.representation.features)} (mask {'absent' if samples.mask is None else 'present'})"
            )
        config = config or cls.config_cls(max_particles=int(samples.x.shape[1]))
        counts = samples.mask.sum(1)
        if (counts < 1).any():
            raise InvalidDataError(f"{int((counts < 1).sum())} jets have no particles; drop them before training")
        if counts.max() > config.max_particles:
            raise InvalidDataError(f"jets have up to {counts.max()} particles > max_particles={config.max_particles}")
        if not np.isfinite(samples.x[samples.mask]).all():
            raise InvalidDataError("the training jets hold non-finite particle features; drop those jets")
        model = cls(config)
        x, mask = torch.from_numpy(samples.x.astype(np.float32)), torch.from_numpy(samples.mask)
        model.preprocessing.fit(x, mask)
        points = model.preprocessing(x, mask)[mask]
        model.low.copy_(points.min(0).values)
        model.high.copy_(points.max(0).values)
        model.network.avg_n.fill_(float(counts.mean()))
        model.prior.fit(torch.as_tensor(counts, dtype=torch.float64).reshape(-1, 1))
        return model

    def training_points(self, samples: Samples) -> dict[int, torch.Tensor]:
        """``{n: [jets, n, 3]}``: the real particles of ``samples`` in network space, one tensor per multiplicity."""
        x = self.preprocessing(torch.from_numpy(samples.x.astype(np.float32)), torch.from_numpy(samples.mask))
        return {n: torch.from_numpy(a) for n, a in dense_by_multiplicity(x.numpy(), samples.mask).items()}

    # -- sampling ----------------------------------------------------------------------------------
    def event_shape(self, cond: dict[str, torch.Tensor]) -> tuple[int, ...]:
        return (self.config.max_particles, len(FEATURES))

    def postprocess(self, x, mask, cond):
        """Network space -> physical jets: clip to the training range, undo the standardisation."""
        x = torch.maximum(torch.minimum(x.float(), self.high.to(x.device)), self.low.to(x.device))
        out = self.preprocessing.to(x.device).inverse(x, mask)
        # the training minimum pt_rel ~1e-16 inverts to ~-1e-9 in float32; a fraction cannot be negative
        out[..., PT_REL] = out[..., PT_REL].clamp_min(0.0)
        return apply_mask(out, mask).cpu().numpy(), None if mask is None else mask.cpu().numpy()

    # Packing pays when padding is common (JetNet150 tops fill 42% of 150 slots: 3.8x faster); on
    # nearly full jets (JetNet30) its gathers cost more than the padding (benchmarks/bench_mdma.py).
    pack_below_fill = 0.75

    def fast_path(self, mask: torch.Tensor | None, device: torch.device) -> str | None:
        """How eval-mode sampling runs: "packed" (CPU, jets filling < 75% of their slots), "padded", or None (reference)."""
        if mask is None or not self.fast or self.training:
            return None
        cpu = torch.device(device).type == "cpu"
        return "packed" if cpu and float(mask.float().mean()) < self.pack_below_fill else "padded"

    def bf16(self, device: torch.device):
        """bfloat16 autocast on ``device`` when ``autocast_bf16`` is set."""
        return torch.autocast(torch.device(device).type, dtype=torch.bfloat16, enabled=self.autocast_bf16)


class MdmaModel(MdmaBase):
    """MDMA GAN (Käch, Melzer-Pellmann et al., arXiv:2305.15254): ``G(z)`` with per-particle noise ``z [B, n, 3]``.

    Samples through the core path with the one-shot sampler; ``z`` is drawn per multiplicity
    bucket (increasing n), so the packed CPU path and the dense per-bucket path give the same jets.
    """

    family: ClassVar[str] = "mdma"
    config_cls: ClassVar[type] = MdmaConfig
    default_sampler = "one-shot"
    default_steps = 1

    def __init__(self, config: MdmaConfig | None = None) -> None:
        super().__init__(config or MdmaConfig())

    def make_objective(self, config: MdmaConfig) -> GeneratorObjective:
        latents = (Latent("z", (config.generator.features,), per_particle=True),)
        return GeneratorObjective(MDMAGenerator(config.generator), loss="lsgan", latents=latents, by_multiplicity=True)

    def sampling_law(self, c, mask, device):
        """Reference: one dense call per multiplicity; fast: one padded call, or packed real particles."""
        path, net = self.fast_path(mask, device), self.network
        if path is None:
            return self.objective.law_fn(c, mask)
        jets = PackedJets.from_mask(mask) if path == "packed" else None

        def law(z: dict[str, torch.Tensor], t: torch.Tensor) -> torch.Tensor:
            with self.bf16(device):
                if jets is None:
                    return net(z["z"], mask=mask).float()
                out = net.forward_packed(PackedJets.pack(z["z"], mask), jets)
            return PackedJets.unpack(out.float(), mask)

        return law


class MdmaFmModel(MdmaBase):
    """MDMA-FM (arXiv:2408.04997): the mean-field velocity field of conditional flow matching (t=0 noise, t=1 data).

    Trained with the core's ``FlowMatching`` (exact OT pairing by default, Tong et al.,
    arXiv:2302.00482); sampled with any core ODE sampler, by default midpoint with 100 steps (the
    authors integrate with midpoint over 200; 100 is EPiC-FM's evaluation setting, arXiv:2310.00049).
    """

    family: ClassVar[str] = "mdma-fm"
    config_cls: ClassVar[type] = MdmaFmConfig
    default_sampler = "midpoint"
    default_steps = 100
    default_batch_size = 2000

    def __init__(self, config: MdmaFmConfig | None = None) -> None:
        super().__init__(config or MdmaFmConfig())

    def make_objective(self, config: MdmaFmConfig) -> FlowMatching:
        return FlowMatching(MDMAVelocity(config.network), sigma_min=config.sigma_min, ot=config.ot)

    def sampling_law(self, c, mask, device):
        """Reference: the objective's law on the padded batch; fast: packed real particles on the CPU, bf16 optional."""
        path, net = self.fast_path(mask, device), self.network
        if path is None:
            return self.objective.law_fn(c, mask)
        jets = PackedJets.from_mask(mask) if path == "packed" else None

        def law(x: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
            t = torch.as_tensor(t, device=x.device, dtype=x.dtype).reshape(-1).expand(x.shape[0])
            with self.bf16(device):
                if jets is None:
                    return apply_mask(net(x, t, None, mask).to(x.dtype), mask)
                out = net.forward_packed(PackedJets.pack(x, mask), t, jets)
            return PackedJets.unpack(out.to(x.dtype), mask)

        return law
