"""The incident-energy prior of CaloChallenge datasets 2 and 3: log-uniform between two energies."""

from __future__ import annotations

import math

import torch

from hepzoo.prior import ConditionPrior

__all__ = ["LogUniformPrior"]


class LogUniformPrior(ConditionPrior):
    """``log E`` uniform in ``[log low, log high]``: how the challenge drew its electrons (1 GeV-1 TeV).

    Given values of the column (checked against the model's declared range before) pass through.
    """

    def __init__(self, column: str, low: float, high: float) -> None:
        super().__init__()
        self.columns = (column,)
        self.low, self.high = float(low), float(high)

    def sample(self, n, generator, given=None):
        column = self.columns[0]
        if given and column in given:
            value = torch.as_tensor(given[column], dtype=torch.float64).reshape(-1)
            return {column: value.expand(n).float().clone()}
        u = torch.rand(n, generator=generator, dtype=torch.float64)
        log_e = math.log(self.low) + u * (math.log(self.high) - math.log(self.low))
        return {column: log_e.exp().float()}
