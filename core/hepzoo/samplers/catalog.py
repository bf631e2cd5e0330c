"""The core's shared samplers and objectives, by registered name, for the built-in plugin."""

from __future__ import annotations

from hepzoo.laws import Law
from hepzoo.samplers.base import SamplerSpec

__all__ = ["SAMPLERS", "OBJECTIVES"]

_ODE = (Law.DENOISER, Law.VELOCITY)
_M = "hepzoo.samplers"

SAMPLERS: list[SamplerSpec] = [
    SamplerSpec("euler", f"{_M}.euler:euler", _ODE, 50, "first-order ODE solver", "arXiv:2206.00364"),
    SamplerSpec(
        "heun",
        f"{_M}.heun:heun",
        _ODE,
        25,
        "EDM 2nd-order (Alg. 1; s_churn/s_tmin/s_tmax/s_noise for Alg. 2)",
        "arXiv:2206.00364",
    ),
    SamplerSpec("midpoint", f"{_M}.midpoint:midpoint", _ODE, 25, "explicit midpoint ODE solver", ""),
    SamplerSpec("rk4", f"{_M}.rk4:rk4", _ODE, 12, "classical 4th-order Runge-Kutta", ""),
    SamplerSpec(
        "ddim", f"{_M}.ddim:ddim", (Law.DENOISER,), 50, "DDIM (eta=0 deterministic)", "arXiv:2010.02502"
    ),
    SamplerSpec(
        "ddpm", f"{_M}.ddpm:ddpm", (Law.DENOISER,), 200, "DDPM ancestral sampling", "arXiv:2006.11239"
    ),
    SamplerSpec(
        "euler-maruyama",
        f"{_M}.euler_maruyama:euler_maruyama",
        (Law.DENOISER,),
        200,
        "Euler-Maruyama on the reverse-time VE SDE",
        "arXiv:2011.13456",
    ),
    SamplerSpec(
        "dpmpp-2m", f"{_M}.dpmpp:dpmpp_2m", (Law.DENOISER,), 25, "DPM-Solver++(2M)", "arXiv:2211.01095"
    ),
    SamplerSpec(
        "multistep-consistency",
        f"{_M}.consistency:multistep_consistency",
        (Law.CONSISTENCY, Law.DENOISER),
        2,
        "consistency-model multistep sampling (steps sigmas of the objective's steps+1 grid, then 0)",
        "arXiv:2303.01469",
        grid=f"{_M}.consistency:consistency_grid",
    ),
    SamplerSpec(
        "one-shot",
        f"{_M}.one_shot:one_shot",
        (Law.GENERATOR,),
        1,
        "one generator pass (GANs)",
        "arXiv:1406.2661",
        takes_steps=False,
    ),
]

OBJECTIVES: list[tuple[str, str, Law]] = [
    ("edm", "hepzoo.objectives.edm:EDMDenoiser", Law.DENOISER),
    ("ddpm", "hepzoo.objectives.ddpm:DDPMNoisePredictor", Law.DENOISER),
    ("flow-matching", "hepzoo.objectives.flow_matching:FlowMatching", Law.VELOCITY),
    ("gan", "hepzoo.objectives.gan:GeneratorObjective", Law.GENERATOR),
    ("consistency", "hepzoo.objectives.consistency:ConsistencyDenoiser", Law.CONSISTENCY),
]
