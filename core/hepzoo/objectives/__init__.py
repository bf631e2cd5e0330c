"""How a backbone is trained and what its output means: EDM, DDPM, flow matching, GANs."""

from __future__ import annotations

from hepzoo._lazy import lazy_exports

_EXPORTS = {
    "GenerativeObjective": "hepzoo.objectives.base",
    "Law": "hepzoo.objectives.base",
    "LawFn": "hepzoo.objectives.base",
    "EDMDenoiser": "hepzoo.objectives.edm",
    "DDPMNoisePredictor": "hepzoo.objectives.ddpm",
    "ConsistencyDenoiser": "hepzoo.objectives.consistency",
    "consistency_distillation_loss": "hepzoo.objectives.consistency",
    "distillation_sigmas": "hepzoo.objectives.consistency",
    "pf_ode_step": "hepzoo.objectives.consistency",
    "ODE_STEPS": "hepzoo.objectives.consistency",
    "FlowMatching": "hepzoo.objectives.flow_matching",
    "ot_pairing": "hepzoo.objectives.flow_matching",
    "GeneratorObjective": "hepzoo.objectives.gan",
    "AdversarialLossError": "hepzoo.objectives.gan",
    "lsgan_critic_loss": "hepzoo.objectives.gan",
    "lsgan_generator_loss": "hepzoo.objectives.gan",
    "wgan_critic_loss": "hepzoo.objectives.gan",
    "wgan_generator_loss": "hepzoo.objectives.gan",
    "gradient_penalty": "hepzoo.objectives.gan",
    "Latent": "hepzoo.objectives.latents",
    "draw_latents": "hepzoo.objectives.latents",
    "multiplicity_groups": "hepzoo.masking",  # kept here: plugins import it from objectives
    "karras_sigmas": "hepzoo.objectives.schedules",
    "cosine_alpha_bar": "hepzoo.objectives.schedules",
    "cosine_betas": "hepzoo.objectives.schedules",
    "discrete_cosine_alpha_bar": "hepzoo.objectives.schedules",
    "alpha_bar_to_sigma": "hepzoo.objectives.schedules",
    "sigma_to_alpha_bar": "hepzoo.objectives.schedules",
    "sigma_to_index": "hepzoo.objectives.schedules",
}
__all__ = list(_EXPORTS)
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
