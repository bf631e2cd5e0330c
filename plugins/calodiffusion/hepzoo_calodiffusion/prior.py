"""Incident-energy priors: log-uniform (CaloChallenge datasets 2 and 3) and discrete (dataset 1's fifteen energies)."""

from __future__ import annotations

import math

import numpy as np
import torch

from hepzoo.errors import InvalidDataError
from hepzoo.prior import ConditionPrior

__all__ = ["LogUniformPrior", "DiscreteEnergyPrior", "DS1_ENERGIES_MEV"]

# CaloChallenge dataset 1 (photons and pions): incident energies 2^8 .. 2^22 MeV (256 MeV - 4.2 TeV),
# Krause et al., arXiv:2410.21611.
DS1_ENERGIES_MEV = tuple(2.0**k for k in range(8, 23))


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


class DiscreteEnergyPrior(ConditionPrior):
    """Energies drawn from a list with weights (``values``, ``weights`` in the state dict): dataset 1's.

    Built on the fifteen energies with equal weights; :meth:`fit` sets the training showers' own
    energies and frequencies. Given values of the column pass through, as in :class:`LogUniformPrior`.
    """

    _resizable_buffers = ("values", "weights")

    def __init__(self, column: str, values: tuple[float, ...] = DS1_ENERGIES_MEV) -> None:
        super().__init__()
        self.columns = (column,)
        self.register_buffer("values", torch.tensor(values, dtype=torch.float64))
        self.register_buffer("weights", torch.full((len(values),), 1.0 / len(values), dtype=torch.float64))

    def fit(self, energies) -> DiscreteEnergyPrior:
        """The distinct training energies and how often each occurs."""
        energies = np.asarray(energies, dtype=np.float64).reshape(-1)
        if not len(energies) or not np.isfinite(energies).all() or (energies <= 0).any():
            raise InvalidDataError("the training energies must be positive finite numbers (MeV); check the file's incident_energies")
        values, counts = np.unique(energies, return_counts=True)
        self.values = torch.from_numpy(values)
        self.weights = torch.from_numpy(counts / counts.sum())
        return self

    def sample(self, n, generator, given=None):
        column = self.columns[0]
        if given and column in given:
            value = torch.as_tensor(given[column], dtype=torch.float64).reshape(-1)
            return {column: value.expand(n).float().clone()}
        edges = self.weights.cpu().cumsum(0)
        u = torch.rand(n, generator=generator, device=generator.device, dtype=torch.float64).cpu() * edges[-1]
        index = torch.searchsorted(edges, u, right=True).clamp_max(len(edges) - 1)
        return {column: self.values.cpu()[index].float()}
