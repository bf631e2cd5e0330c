"""MDMA's training recipes for hepzoo's engine: the GAN (``mdma``) and flow matching (``mdma-fm``).

GAN (Käch, Melzer-Pellmann et al., arXiv:2305.15254; kaechb/MDMA NeurIPS ``default_jet.yaml``):
LSGAN (WGAN-GP with ``--gan wgan-gp``, penalty between clouds of one multiplicity), one critic step
per generator step, the mean-field matching loss ``mean((mf(G(z)) - mf(x))^2)`` on the critic's
last mean field during the first 50k steps, Adam lr 1e-4 betas (0, 0.999) eps 1e-14, linear
warm-up over 2000 steps then cosine, batches of up to 128 jets of one multiplicity.
Flow matching (arXiv:2408.04997; ``main`` ``default_jet_fm.yaml``): the core's conditional flow
matching with exact OT pairing, AdamW lr 1e-3 weight decay 0.01, warm-up then cosine, batch 1536
(here of one multiplicity). Both select the model on W1M + W1P + W1EFP (each over its first value).
Run as ``hepzoo train mdma --data FILE --out DIR`` or ``hepzoo train mdma-fm ...``.
"""

from __future__ import annotations

from collections.abc import Sequence

import attrs
import torch

from hepzoo.data import epoch_batches, load_jet_training_data
from hepzoo.errors import ConfigError
from hepzoo.objectives import gradient_penalty
from hepzoo.samples import Samples
from hepzoo.training import (
    MODEL,
    AdversarialStep,
    JetValidator,
    LossStep,
    Metric,
    Recipe,
    StepContext,
    TrainOptions,
    default_optimizer,
)
from hepzoo_mdma.config import MdmaConfig, MdmaFmConfig
from hepzoo_mdma.model import MdmaBase, MdmaFmModel, MdmaModel
from hepzoo_mdma.networks import MDMACritic

__all__ = ["MdmaRecipe", "MdmaFmRecipe", "MdmaStep", "mean_field_loss"]

GAN_LOSSES = ("lsgan", "wgan-gp")


def mean_field_loss(fake_mean_field: torch.Tensor, real_mean_field: torch.Tensor) -> torch.Tensor:
    """``mean((mf_fake - mf_real)^2)``, the real mean field detached (MDMA's mean-field matching, arXiv:2305.15254)."""
    return ((fake_mean_field.float() - real_mean_field.detach().float()) ** 2).mean()


class MdmaStep(AdversarialStep):
    """A critic update, then a generator update on fresh noise, on dense ``[b, n, 3]`` jets of one multiplicity.

    The critic returns ``(score, mean field)``; while ``step < mean_field_steps`` the generator
    loss adds :func:`mean_field_loss` against the real batch's mean field from the critic update.
    The step counter is saved with checkpoints, so a resumed run switches it off at the same step.
    LSGAN here is the core's ``0.5 (D(x)-1)^2 + 0.5 D(G(z))^2``; the authors' critic loss is twice
    that, which Adam's scale invariance makes the same update.
    """

    def __init__(self, model: MdmaModel, mean_field_steps: int = 50_000, gp_weight: float = 10.0) -> None:
        super().__init__(model.objective, critic_steps=1, fresh_noise=True, gp_weight=gp_weight)
        self.mean_field_steps = mean_field_steps
        self.step = 0

    def score(self, critic, x, batch):
        return critic(x)[0]

    def __call__(self, batch: torch.Tensor, ctx: StepContext) -> dict[str, torch.Tensor]:
        critic = ctx.networks[self.critic]
        real = batch
        with ctx.autocast(), torch.no_grad():
            fake = self.fake(batch, ctx)
        with ctx.autocast():
            real_scores, real_mean_field = critic(real)
            fake_scores, _ = critic(fake)
            d_loss = self.objective.critic_loss(real_scores.float(), fake_scores.float())
        if self.objective.loss_name == "wgan-gp":  # real and fake: clouds of one multiplicity, one shape
            d_loss = d_loss + gradient_penalty(lambda x: critic(x)[0], real, fake.float(), ctx.generator, self.gp_weight)
        ctx.update(self.critic, d_loss)
        out = {"d_loss": d_loss.detach()}
        with ctx.frozen(self.critic), ctx.autocast():
            scores, fake_mean_field = critic(self.fake(batch, ctx))
            g_loss = self.objective.generator_loss(scores.float())
            if self.step < self.mean_field_steps:
                mf = mean_field_loss(fake_mean_field, real_mean_field)
                g_loss = g_loss + mf
                out["mean_field"] = mf.detach()
        ctx.update(MODEL, g_loss)
        self.step += 1
        out["g_loss"] = g_loss.detach()
        return out

    def state_tensors(self) -> dict[str, torch.Tensor]:
        return {"step": torch.tensor(self.step, dtype=torch.int64)}

    def load_state_tensors(self, tensors: dict[str, torch.Tensor]) -> None:
        self.step = int(tensors["step"])


class _MdmaRecipeBase(Recipe):
    """Data, multiplicity buckets and W1 validation shared by both MDMA recipes."""

    metrics = (Metric("w1m"), Metric("w1p"), Metric("w1efp"))
    model_cls: type[MdmaBase]

    def __init__(self, **args) -> None:
        base = {"max_particles": 150, "max_jets": None, "valid_runs": 1, "valid_efp_jets": 2000, "valid_jets": None}
        super().__init__(**{**base, **args})
        self._validator: tuple[Samples, JetValidator] | None = None

    def add_arguments(self, parser) -> None:
        parser.add_argument("--max-particles", type=int, default=150, help="particle slots per jet (30 or 150)")
        parser.add_argument("--max-jets", type=int, default=None, help="use only the first N jets")
        parser.add_argument("--valid-runs", type=int, default=1,
                            help="generated sets per validation, each as large as the validation jets used")
        parser.add_argument("--valid-efp-jets", type=int, default=2000,
                            help="jets whose EFPs W1EFP compares (EFPs are slow: ~1 s per 1000 jets)")
        parser.add_argument("--valid-jets", type=int, default=None,
                            help="validate on the first N validation jets (default all; flow matching samples "
                                 "each validation jet with --valid-steps solver steps)")

    def run_options(self) -> dict:
        """``args``, without ``valid_jets`` while unset: runs recorded before the option existed still resume."""
        return {k: v for k, v in self.args.items() if not (k == "valid_jets" and v is None)}

    def check_validation_args(self) -> None:
        """Validation options are refused before any training, not at the first validation an epoch later."""
        n = self.args["valid_jets"]
        if n is not None and n < 1:
            raise ConfigError(f"--valid-jets must be >= 1, got {n}; leave it out to validate on every jet")

    def load_data(self, data: str) -> tuple[Samples, Samples]:
        return load_jet_training_data(data, self.args["max_particles"], self.args["max_jets"])

    def prepare(self, model: MdmaBase, train: Samples, device: torch.device) -> dict[int, torch.Tensor]:
        """The training jets in network space on the device: one dense tensor per multiplicity."""
        return {n: t.to(device) for n, t in model.training_points(train).items()}

    def epoch_batches(self, prepared: dict[int, torch.Tensor], batch_size: int,
                      generator: torch.Generator) -> Sequence[torch.Tensor]:
        return epoch_batches(prepared, batch_size, generator)

    def validate(self, model: MdmaBase, valid: Samples, device: torch.device, seed: int,
                 steps: int | None = None) -> dict[str, float]:
        if self._validator is None or self._validator[0] is not valid:
            self.check_validation_args()
            n = self.args["valid_jets"]
            subset = valid if n is None else valid[:n]
            self._validator = (valid, JetValidator(subset, efp_jets=self.args["valid_efp_jets"]))
        return self._validator[1](model, device, seed, runs=self.args["valid_runs"], steps=steps)


class MdmaRecipe(_MdmaRecipeBase):
    """The MDMA GAN for :func:`hepzoo.training.train`; family options: loss, mean-field steps, sizes, data."""

    family = "mdma"
    model_cls = MdmaModel
    defaults = {"lr": 1e-4, "betas": (0.0, 0.999), "eps": 1e-14, "batch_size": 128, "epochs": 2000,
                "lr_schedule": "cosine", "warmup_steps": 2000}

    def __init__(self, **args) -> None:
        super().__init__(**{"gan": "lsgan", "gp_weight": 10.0, "mean_field_steps": 50_000, "hidden": None,
                            "critic_hidden": None, "adamw": False, **args})

    def add_arguments(self, parser) -> None:
        super().add_arguments(parser)
        parser.add_argument("--gan", choices=GAN_LOSSES, default="lsgan", help="adversarial loss (authors: lsgan)")
        parser.add_argument("--gp-weight", type=float, default=10.0, help="WGAN-GP penalty weight")
        parser.add_argument("--mean-field-steps", type=int, default=50_000,
                            help="steps with the mean-field matching loss (0: never)")
        parser.add_argument("--hidden", type=int, default=None, help="generator hidden width (default 48)")
        parser.add_argument("--critic-hidden", type=int, default=None, help="critic hidden width (default 64)")
        parser.add_argument("--adamw", action="store_true",
                            help="AdamW with weight decay 0.01 (the authors' shipped top-jet checkpoint) instead of Adam")

    def make_optimizer(self, name: str, params: list, options: TrainOptions) -> torch.optim.Optimizer:
        """Adam with the run's lr/betas/eps, or with ``--adamw`` AdamW at weight decay 0.01."""
        if self.args["adamw"]:
            options = attrs.evolve(options, optimizer="adamw", weight_decay=0.01)
        return default_optimizer(params, options)

    def build_model(self, train: Samples) -> MdmaModel:
        if self.args["gan"] not in GAN_LOSSES:
            raise ConfigError(f"--gan must be one of {', '.join(GAN_LOSSES)}, got {self.args['gan']!r}")
        if self.args["mean_field_steps"] < 0:
            raise ConfigError(f"--mean-field-steps must be >= 0, got {self.args['mean_field_steps']}")
        self.check_validation_args()
        config = MdmaConfig(max_particles=int(train.x.shape[1]))
        if self.args["hidden"] is not None:
            config = attrs.evolve(config, generator=attrs.evolve(config.generator, hidden=self.args["hidden"]))
        if self.args["critic_hidden"] is not None:
            config = attrs.evolve(config, critic=attrs.evolve(config.critic, hidden=self.args["critic_hidden"]))
        model = MdmaModel.from_training_data(train, config)
        model.objective.loss_name = self.args["gan"]
        return model

    def networks(self, model: MdmaModel) -> dict:
        critic = MDMACritic(model.config.critic)
        critic.avg_n.copy_(model.network.avg_n)
        return {"critic": critic}

    def make_step(self, model: MdmaModel, networks: dict) -> MdmaStep:
        model.objective.loss_name = self.args["gan"]
        return MdmaStep(model, self.args["mean_field_steps"], self.args["gp_weight"])


class MdmaFmRecipe(_MdmaRecipeBase):
    """MDMA-FM for :func:`hepzoo.training.train`: the core's flow matching (OT pairing) on multiplicity buckets."""

    family = "mdma-fm"
    model_cls = MdmaFmModel
    defaults = {"lr": 1e-3, "optimizer": "adamw", "weight_decay": 0.01, "batch_size": 1536, "epochs": 1000,
                "lr_schedule": "cosine", "warmup_steps": 1000}

    def __init__(self, **args) -> None:
        super().__init__(**{"hidden": None, "layers": None, "no_ot": False, "valid_steps": 100, **args})

    def add_arguments(self, parser) -> None:
        super().add_arguments(parser)
        parser.add_argument("--hidden", type=int, default=None, help="velocity network hidden width (default 512)")
        parser.add_argument("--layers", type=int, default=None, help="mean-field blocks (default 10)")
        parser.add_argument("--no-ot", action="store_true", help="independent noise-data pairs (plain CFM)")
        parser.add_argument("--valid-steps", type=int, default=100, help="midpoint steps when validating")

    def check_validation_args(self) -> None:
        super().check_validation_args()
        if self.args["valid_steps"] < 1:
            raise ConfigError(f"--valid-steps must be >= 1, got {self.args['valid_steps']}")

    def build_model(self, train: Samples) -> MdmaFmModel:
        self.check_validation_args()
        config = MdmaFmConfig(max_particles=int(train.x.shape[1]), ot=not self.args["no_ot"])
        sizes = {k: self.args[k] for k in ("hidden", "layers") if self.args[k] is not None}
        if sizes:
            config = attrs.evolve(config, network=attrs.evolve(config.network, **sizes))
        return MdmaFmModel.from_training_data(train, config)

    def make_step(self, model: MdmaFmModel, networks: dict) -> LossStep:
        return LossStep(model.objective, unpack=lambda batch: (batch, None, None))

    def validate(self, model: MdmaFmModel, valid: Samples, device: torch.device, seed: int) -> dict[str, float]:
        """W1 metrics of jets sampled with ``--valid-steps`` midpoint steps (the model's own default is kept)."""
        return super().validate(model, valid, device, seed, steps=self.args["valid_steps"])
