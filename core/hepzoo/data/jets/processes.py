"""Pythia 8 settings per JetNet jet type (g, t, q, w, z) and what the leading jet is matched to.

JetNet (arXiv:2106.11535; R. Kansal's dissertation section 9.2) used 13 TeV pp collisions,
MadGraph (LO, hard-process pT within 1% of 1 TeV) + Pythia 8.212 with the Monash 2013 tune and
underlying event. Here Pythia's own 2 -> 2 matrix elements with the same pTHat window stand in for
MadGraph; MPI, ISR, FSR and hadronisation stay at Pythia's (Monash) defaults.
"""

from __future__ import annotations

import attrs

from hepzoo.conditions import JET_TYPE
from hepzoo.errors import InvalidDataError

__all__ = ["JetProcess", "PROCESSES", "JET_TYPES", "COMMON_SETTINGS", "get_process"]

# JetNet's type index (the loader's "type" jet feature), from the one table: ``JET_TYPE``'s labels.
JET_TYPES = {label: index for index, label in enumerate(JET_TYPE.labels)}

COMMON_SETTINGS = (
    "Beams:eCM = 13000.",
    "Tune:pp = 14",  # Monash 2013 (Pythia's default, stated explicitly)
    # JetNet: parton / undecayed boson pT in a window dpT/pT = 0.01 centred at 1 TeV (R. Kansal's
    # dissertation, JetNet chapter). For these 2 -> 2 processes pTHat is the pT of the outgoing
    # parton, top, W or Z before showering, so the same window applies to it here.
    "PhaseSpace:pTHatMin = 995.",
    "PhaseSpace:pTHatMax = 1005.",
    "Next:numberCount = 0",
    "Print:quiet = on",
    "Random:setSeed = on",
)
_W_HADRONIC = ("24:onMode = off", "24:onIfAny = 1 2 3 4 5")
_Z_HADRONIC = ("23:onMode = off", "23:onIfAny = 1 2 3 4 5")


@attrs.define(frozen=True)
class JetProcess:
    """One jet type: its Pythia settings and the hard-process ids its jet must match (dR < R)."""

    name: str
    settings: tuple[str, ...]
    match_ids: frozenset[int]

    @property
    def type_index(self) -> int:
        return JET_TYPES[self.name]


PROCESSES = {
    "gluon": JetProcess("gluon", ("HardQCD:gg2gg = on", "HardQCD:qqbar2gg = on"), frozenset({21})),
    "quark": JetProcess(
        "quark",
        ("HardQCD:qg2qg = on", "HardQCD:qq2qq = on", "HardQCD:qqbar2qqbarNew = on"),
        frozenset({1, 2, 3, 4}),  # light quarks (u, d, s, c), as MadGraph's default jet
    ),
    "top": JetProcess("top", ("Top:gg2ttbar = on", "Top:qqbar2ttbar = on", *_W_HADRONIC), frozenset({6})),
    "w": JetProcess(
        "w",
        ("WeakBosonAndParton:qqbar2Wg = on", "WeakBosonAndParton:qg2Wq = on", *_W_HADRONIC),
        frozenset({24}),
    ),
    "z": JetProcess(
        "z",
        (
            "WeakBosonAndParton:qqbar2gmZg = on",
            "WeakBosonAndParton:qg2gmZq = on",
            "WeakZ0:gmZmode = 2",
            *_Z_HADRONIC,
        ),
        frozenset({23}),
    ),
}
_ALIASES = {"g": "gluon", "q": "quark", "t": "top", "W": "w", "Z": "z"}


def get_process(jet_type: str) -> JetProcess:
    """The process for a jet type (``gluon``/``g``, ``quark``/``q``, ``top``/``t``, ``w``, ``z``)."""
    name = _ALIASES.get(jet_type, jet_type)
    if name not in PROCESSES:
        raise InvalidDataError(f"unknown jet type {jet_type!r}; use one of {sorted(PROCESSES)}")
    return PROCESSES[name]
