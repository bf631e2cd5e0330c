"""PC-Droid models: one EDM denoiser for jets of every JetNet type, conditioned on type, pT, eta, mass, n."""

from __future__ import annotations

import math
from typing import ClassVar

import attrs
import numpy as np
import torch
from torch import nn

from hepzoo.conditions import JET_TYPE, Condition
from hepzoo.errors import ConfigError, InvalidDataError
from hepzoo.hub import load_state_strict
from hepzoo.masking import apply_mask, mask_from_counts
from hepzoo.model import Model
from hepzoo.objectives import ConsistencyDenoiser, EDMDenoiser
from hepzoo.preprocessing import Standardize
from hepzoo.prior import EmpiricalPrior
from hepzoo.representations import PointCloud
from hepzoo.samples import Samples
from hepzoo_pc_droid.backbone import PcDroidTransformer
from hepzoo_pc_droid.config import (
    CONDITION_NAMES,
    FEATURES,
    JET_COLUMNS,
    PcDroidCDConfig,
    PcDroidConfig,
    cae_backbone,
    full_backbone,
)

__all__ = ["PcDroidModel", "PcDroidCAE", "PcDroid", "PcDroidCAECD"]

PT = FEATURES.index("pt_rel")


class PcDroidModel(Model):
    """PC-Droid (Leigh et al., arXiv:2307.06836): EDM on (eta_rel, phi_rel, log(1 + pT [GeV])).

    Conditions: ``type`` (JetNet's five classes), jet ``pt`` and ``mass`` [GeV], ``eta`` and
    ``n_particles``; those not given come from an exact-on-type empirical prior of the training
    jets (``prior.*`` in the state dict). The network sees the four jet numbers standardised
    (``cond_scaler.*``) and the type one-hot. Each sampling batch is padded only to its own
    largest multiplicity and padded back to ``max_particles`` by ``postprocess``.
    State dict: ``objective.backbone.*``, ``preprocessing.*``, ``cond_scaler.*``, ``pt_min``/``pt_max``, ``prior.*``.
    """

    family: ClassVar[str] = "pc-droid"
    attention: ClassVar[str] = "full"
    config_cls: ClassVar[type] = PcDroidConfig
    default_sampler = "heun"
    default_steps = 50
    default_batch_size = 1000
    # The prior's KDE factor on pt/eta/mass when fitted: 0, draws are training rows. Scott's rule on
    # all five types at once smeared the W/Z/top mass peaks (docs/pc-droid.md); a loaded model
    # draws as it was fitted (the jitter is its ``prior.chol``).
    prior_bandwidth: ClassVar[float] = 0.0
    cpu_chunk = 128  # events per denoiser call when sampling on CPU (see sampling_law)

    @classmethod
    def default_config(cls, **changes) -> PcDroidConfig:
        """The authors' network for this family, with ``changes`` to the model config."""
        backbone = cae_backbone() if cls.attention == "cross" else full_backbone()
        return cls.config_cls(**{"backbone": backbone, **changes})

    def __init__(self, config: PcDroidConfig | None = None) -> None:
        config = config or self.default_config()
        if config.backbone.attention != self.attention:
            raise ConfigError(
                f"family {self.family!r} uses attention {self.attention!r}, the config asks for "
                f"{config.backbone.attention!r}; use the family that matches it"
            )
        if tuple(config.features) != FEATURES:
            raise ConfigError(f"PC-Droid features must be {FEATURES}, got {tuple(config.features)}")
        if config.preprocessing.n_features != len(FEATURES) or config.backbone.features != len(FEATURES):
            raise ConfigError(f"preprocessing and backbone must take {len(FEATURES)} features")
        if config.backbone.cond_dim != len(JET_COLUMNS) + len(JET_TYPE.labels):
            raise ConfigError(f"backbone cond_dim must be {len(JET_COLUMNS) + len(JET_TYPE.labels)} (4 jet numbers + type one-hot)")
        super().__init__(config)
        self.representation = PointCloud(config.max_particles, FEATURES)
        self.objective = EDMDenoiser(
            PcDroidTransformer(config.backbone),
            sigma_data=config.sigma_data,
            p_mean=config.p_mean,
            p_std=config.p_std,
            sigma_min=config.sigma_min,
            sigma_max=config.sigma_max,
            rho=config.rho,
            c_noise="sigma",
        )
        self.preprocessing = config.preprocessing.build()
        self.cond_scaler = Standardize(len(JET_COLUMNS))
        self.register_buffer("pt_min", torch.zeros(()))  # the training constituents' pT range [GeV]
        self.register_buffer("pt_max", torch.ones(()))
        self.conditions = (
            JET_TYPE,
            Condition("pt", "GeV", low=config.pt_range[0], high=config.pt_range[1], description="jet transverse momentum"),
            Condition("eta", low=config.eta_range[0], high=config.eta_range[1], description="jet pseudorapidity"),
            Condition("mass", "GeV", low=config.mass_range[0], high=config.mass_range[1], description="jet mass"),
            Condition("n_particles", kind="integer", low=1, high=config.max_particles, description="multiplicity"),
        )
        self.prior = EmpiricalPrior(
            CONDITION_NAMES, categorical=("type",), integer=("n_particles",), max_rows=config.prior_rows,
            bandwidth=self.prior_bandwidth,
        )

    # -- building from data ----------------------------------------------------------------------
    @classmethod
    def from_training_data(cls, samples: Samples, config: PcDroidConfig | None = None) -> PcDroidModel:
        """A fresh (untrained) model: preprocessing, condition scaling, ranges and prior fitted on ``samples``."""
        check_training_samples(samples)
        cond = {k: np.asarray(samples.cond[k], dtype=np.float64) for k in CONDITION_NAMES}
        config = config or cls.default_config(max_particles=int(samples.x.shape[1]))
        if samples.x.shape[1] != config.max_particles:
            raise InvalidDataError(
                f"jets hold {samples.x.shape[1]} particle slots, the config {config.max_particles}; read the file "
                "with max_particles equal to the model's"
            )
        config = attrs.evolve(
            config,
            pt_range=_outward(cond["pt"], 1.0),
            eta_range=_outward(cond["eta"], 0.01),
            mass_range=_outward(cond["mass"], 1.0),
        )
        model = cls(config)
        x = torch.as_tensor(samples.x, dtype=torch.float32)
        mask = torch.as_tensor(samples.mask)
        gev = to_gev(x, mask, torch.as_tensor(cond["pt"], dtype=torch.float32))
        model.preprocessing.fit(gev, mask)
        model.pt_min.fill_(float(gev[..., PT][mask].min()))
        model.pt_max.fill_(float(gev[..., PT][mask].max()))
        model.cond_scaler.fit(torch.as_tensor(np.stack([cond[k] for k in JET_COLUMNS], 1), dtype=torch.float32))
        table = np.stack([cond[k] for k in CONDITION_NAMES], 1)
        model.prior.fit(torch.as_tensor(table), max_rows=config.prior_rows)
        return model

    # -- what the network sees ---------------------------------------------------------------------
    def network_inputs(self, samples: Samples) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """``(x [J, P, 3], cond [J, 9], mask [J, P])`` of ``samples`` in the network's space (training, validation)."""
        check_training_samples(samples)
        x = torch.as_tensor(samples.x, dtype=torch.float32)
        mask = torch.as_tensor(samples.mask)
        cond = {k: torch.as_tensor(np.asarray(samples.cond[k], dtype=np.float32)) for k in CONDITION_NAMES}
        gev = to_gev(x, mask, cond["pt"])
        return self.preprocessing(gev, mask), self.condition_vector(cond, torch.device("cpu")), mask

    def condition_vector(self, cond, device):
        """Standardised (pt, eta, mass, n) and the type one-hot: ``[B, 9]``."""
        jet = torch.stack([torch.as_tensor(cond[k], dtype=torch.float32).to(device) for k in JET_COLUMNS], 1)
        types = torch.as_tensor(cond["type"]).to(device).round().long()
        one_hot = nn.functional.one_hot(types, len(JET_TYPE.labels)).float()
        return torch.cat([self.cond_scaler.to(device)(jet), one_hot], 1)

    # -- sampling ----------------------------------------------------------------------------------
    def draw_conditions(self, n, generator, given=None):
        """The core's draw, with prior draws clamped to the declared ranges (the KDE jitter can overstep them).

        The authors clamp their condition flow's output to the training range the same way (arXiv:2307.06836).
        """
        conds = super().draw_conditions(n, generator, given)
        for c in self.conditions:
            if c.kind == "continuous" and c.name in conds:
                conds[c.name] = conds[c.name].clamp(c.low, c.high)
        return conds

    def event_shape(self, cond):
        """Padded to this batch's largest multiplicity (``postprocess`` pads to ``max_particles``)."""
        n = cond.get("n_particles")
        width = self.config.max_particles if n is None or len(n) == 0 else int(torch.as_tensor(n).max().round())
        return (width, len(FEATURES))

    def sampling_law(self, c, mask, device):
        """The denoiser, run on CPU in chunks of ``cpu_chunk`` events of similar multiplicity, each cut to its jets.

        A batch is already padded only to its largest jet; sorting its events by multiplicity into
        chunks removes most of the rest (on CUDA one call over the whole batch keeps the GPU busy).
        """
        if mask is None or torch.device(device).type != "cpu" or len(mask) <= self.cpu_chunk:
            return self.objective.law_fn(c, mask)
        counts = mask.sum(1)
        chunks = [(idx, int(counts[idx].max())) for idx in torch.argsort(counts, stable=True).split(self.cpu_chunk)]

        def fn(x: torch.Tensor, sigma: torch.Tensor) -> torch.Tensor:
            out = torch.zeros_like(x)
            for idx, n in chunks:
                out[idx, :n] = self.objective.denoise(x[idx, :n], sigma[idx], c[idx], mask[idx, :n])
            return out

        return fn

    def postprocess(self, x, mask, cond):
        """Network space -> (eta_rel, phi_rel, pt_rel) ordered by pT; pT clamped to the training constituents' range."""
        pt_jet = torch.as_tensor(cond["pt"], dtype=torch.float32).to(x.device)
        gev = self.preprocessing.to(x.device).inverse(x.float(), mask)
        out = from_gev(gev, mask, pt_jet, self.pt_min.to(x.device), self.pt_max.to(x.device))
        full = x.new_zeros(len(x), self.config.max_particles, len(FEATURES))
        full[:, : out.shape[1]] = out
        return full.cpu().numpy(), mask_from_counts(mask.sum(1).cpu(), self.config.max_particles).numpy()


class PcDroidCAE(PcDroidModel):
    """PC-Droid's cross-attention encoder (16 global tokens, O(N M); arXiv:2307.06836)."""

    family: ClassVar[str] = "pc-droid-cae"
    attention: ClassVar[str] = "cross"


class PcDroid(PcDroidModel):
    """PC-Droid's full transformer (masked self-attention, O(N^2); arXiv:2307.06836)."""

    family: ClassVar[str] = "pc-droid"
    attention: ClassVar[str] = "full"


class PcDroidCAECD(PcDroidCAE):
    """The CAE consistency-distilled from a ``pc-droid-cae`` teacher: jets in 1 to 5 network calls.

    Same network, preprocessing and prior as the teacher; the denoiser is a consistency function
    (``hepzoo.objectives.ConsistencyDenoiser``, Song et al., arXiv:2303.01469), sampled by multistep
    consistency in ``config.sample_steps`` steps unless ``steps=`` says otherwise.
    """

    family: ClassVar[str] = "pc-droid-cae-cd"
    config_cls: ClassVar[type] = PcDroidCDConfig
    default_sampler = "multistep-consistency"

    def __init__(self, config: PcDroidCDConfig | None = None) -> None:
        super().__init__(config)
        edm = self.objective
        self.objective = ConsistencyDenoiser(
            edm.backbone, sigma_data=edm.sigma_data, p_mean=edm.p_mean, p_std=edm.p_std, sigma_min=edm.sigma_min,
            sigma_max=edm.sigma_max, rho=edm.rho, c_noise=edm.c_noise,
        )

    @property
    def default_steps(self) -> int:
        """The config's ``sample_steps`` (the authors': 3)."""
        return self.config.sample_steps

    @classmethod
    def from_teacher(cls, teacher: PcDroidModel, sample_steps: int = 3) -> PcDroidCAECD:
        """A student that starts as ``teacher`` (its EMA weights, preprocessing, ranges and prior)."""
        if type(teacher) is not PcDroidCAE:
            family = getattr(teacher, "family", type(teacher).__name__)
            raise ConfigError(
                f"a pc-droid-cae-cd student is distilled from a pc-droid-cae model, not from a {family} one; "
                "pass a trained pc-droid-cae model (id or folder) as the teacher"
            )
        fields = {f.name: getattr(teacher.config, f.name) for f in attrs.fields(PcDroidConfig)}
        student = cls(PcDroidCDConfig(**fields, sample_steps=sample_steps))
        load_state_strict(student, teacher.state_dict(), f"the {teacher.family} teacher")
        return student.to(next(teacher.parameters()).device)


def to_gev(x: torch.Tensor, mask: torch.Tensor, pt_jet: torch.Tensor) -> torch.Tensor:
    """(eta_rel, phi_rel, pt_rel) -> (eta_rel, phi_rel, pT [GeV]) with the jet pT ``[J]``; padding zero."""
    scale = torch.ones(len(FEATURES), dtype=x.dtype, device=x.device)
    out = x * torch.where(torch.arange(len(FEATURES), device=x.device) == PT, pt_jet[:, None], scale)[:, None, :]
    return apply_mask(out, mask)


def from_gev(gev: torch.Tensor, mask: torch.Tensor, pt_jet: torch.Tensor, pt_min: torch.Tensor,
             pt_max: torch.Tensor) -> torch.Tensor:
    """(eta_rel, phi_rel, pT [GeV]) -> (eta_rel, phi_rel, pt_rel), pT clamped to [pt_min, pt_max], ordered by pT."""
    pt = torch.minimum(gev[..., PT].nan_to_num(nan=0.0).clamp_min(pt_min), pt_max) / pt_jet[:, None]
    pt = torch.where(mask, pt, torch.full_like(pt, -math.inf))
    order = torch.argsort(pt, dim=1, descending=True, stable=True)
    out = torch.cat([gev[..., :PT], pt.unsqueeze(-1), gev[..., PT + 1 :]], dim=-1)
    out = torch.gather(out, 1, order.unsqueeze(-1).expand_as(out))
    return apply_mask(out, torch.gather(mask, 1, order))


def check_training_samples(samples: Samples) -> None:
    """One error naming what jets for PC-Droid lack: features, a mask, or one of the conditions."""
    if tuple(samples.representation.features) != FEATURES or samples.mask is None:
        raise InvalidDataError(
            f"PC-Droid trains on point clouds with features {FEATURES} and a mask; got "
            f"{tuple(samples.representation.features)} (mask {'absent' if samples.mask is None else 'present'})"
        )
    missing = [k for k in CONDITION_NAMES if k not in samples.cond]
    if missing:
        raise InvalidDataError(
            f"jets lack the conditions {missing}; PC-Droid needs jet_features (pt, eta, mass, n) and the jet type "
            "(a jet_type dataset, jet_type_index metadata, or TYPE=FILE on the command line)"
        )
    counts = samples.mask.sum(1)
    if (counts < 1).any():
        raise InvalidDataError(f"{int((counts < 1).sum())} jets have no particles; drop them before training")
    pt = np.asarray(samples.cond["pt"])
    if not (np.isfinite(pt).all() and (pt > 0).all()):
        raise InvalidDataError("jet pt must be positive and finite for every jet; fix jet_features[:, 0]")


def _outward(values: np.ndarray, step: float) -> tuple[float, float]:
    """``[min, max]`` of ``values`` rounded outward to multiples of ``step``."""
    return float(math.floor(values.min() / step) * step), float(math.ceil(values.max() / step) * step)
