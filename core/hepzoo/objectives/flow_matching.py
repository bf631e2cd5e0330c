"""Conditional flow matching: a backbone regressed onto straight-path velocities, noise at t=0."""

from __future__ import annotations

import numpy as np
import torch
from scipy.optimize import linear_sum_assignment
from torch import nn

from hepzoo.errors import ConfigError
from hepzoo.masking import apply_mask, broadcast_mask
from hepzoo.objectives._common import masked_mean, normal, positive_int, uniform
from hepzoo.objectives.base import GenerativeObjective, Law, LawFn

__all__ = ["FlowMatching", "ot_pairing"]


def ot_pairing(x0: torch.Tensor, x1: torch.Tensor) -> torch.Tensor:
    """Permutation ``p`` so that ``x0[p]`` pairs with ``x1`` minimising the summed squared distance.

    For equal batch sizes with uniform weights this is the exact optimal-transport plan
    (Tong et al. 2023, arXiv:2302.00482, OT-CFM), solved with the Hungarian algorithm.
    """
    cost = torch.cdist(x1.detach().flatten(1).double(), x0.detach().flatten(1).double()) ** 2
    rows, cols = linear_sum_assignment(cost.cpu().numpy())
    perm = np.empty(len(rows), dtype=np.int64)
    perm[rows] = cols
    return torch.from_numpy(perm).to(x0.device)


class FlowMatching(GenerativeObjective):
    """``x_t = (1 - (1 - sigma_min) t) x0 + t x1``, target ``u = x1 - (1 - sigma_min) x0``.

    Lipman et al. 2022, arXiv:2210.02747 (eqs. 20-23): t=0 is noise, t=1 data. With ``ot=True``
    noise and data are paired in each batch by exact optimal transport (Tong et al. 2023,
    arXiv:2302.00482). The law is the velocity ``dx/dt``.
    """

    law = Law.VELOCITY

    def __init__(self, backbone: nn.Module, sigma_min: float = 0.0, ot: bool = False) -> None:
        super().__init__(backbone)
        if not 0.0 <= sigma_min < 1.0:
            raise ConfigError(f"sigma_min must lie in [0, 1), got {sigma_min}")
        self.sigma_min, self.ot = float(sigma_min), bool(ot)

    def loss(
        self,
        x: torch.Tensor,
        cond: torch.Tensor | None = None,
        mask: torch.Tensor | None = None,
        generator: torch.Generator | None = None,
    ) -> torch.Tensor:
        m = broadcast_mask(mask, x)
        x1 = x if m is None else x * m
        x0 = normal(tuple(x.shape), generator, x)
        if self.ot:
            x0 = x0[ot_pairing(x0 if m is None else x0 * m, x1)]
        if m is not None:
            x0 = x0 * m
        t = uniform((x.shape[0],), generator, x)
        tv = t.view((-1,) + (1,) * (x.dim() - 1))
        x_t = (1 - (1 - self.sigma_min) * tv) * x0 + tv * x1
        target = x1 - (1 - self.sigma_min) * x0
        return masked_mean((self.backbone(x_t, t, cond, mask) - target) ** 2, mask)

    def law_fn(self, cond: torch.Tensor | None = None, mask: torch.Tensor | None = None) -> LawFn:
        def fn(x: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
            t = torch.as_tensor(t, device=x.device, dtype=x.dtype).reshape(-1).expand(x.shape[0])
            out = self.backbone(x, t, cond, mask)
            return apply_mask(out, mask)

        return fn

    def schedule(self, steps: int, device: torch.device | str | None = None) -> torch.Tensor:
        steps = positive_int("steps", steps)
        return torch.linspace(0.0, 1.0, steps + 1, device=device)

