"""The meaning of a trained network's output; torch-free so registration never imports torch."""

from __future__ import annotations

import enum

__all__ = ["Law"]


class Law(str, enum.Enum):
    """The meaning of a trained network's output, which decides the samplers it can use.

    DENOISER: D(x; sigma), the denoised estimate (Karras et al. 2022, arXiv:2206.00364), also the
    form noise predictors are exposed in. VELOCITY: dx/dt of a flow, t=0 noise, t=1 data.
    GENERATOR: G(z), one network evaluation (GANs). CONSISTENCY: f(x, sigma), a consistency
    model's jump from any noise level straight to data (Song et al. 2023, arXiv:2303.01469); only
    multistep consistency sampling uses it, ODE solvers would misread it as a denoiser.
    """

    DENOISER = "denoiser"
    VELOCITY = "velocity"
    GENERATOR = "generator"
    CONSISTENCY = "consistency"
