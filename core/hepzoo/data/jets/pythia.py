"""JetNet-like jets from Pythia 8 + FastJet: deterministic per (seed, chunk), parallel over processes.

Recipe (arXiv:2106.11535; R. Kansal's dissertation, JetNet chapter): 13 TeV pp, hard-process pT
within 1% of 1 TeV, Monash defaults (MPI, ISR, FSR, hadronisation on). By default the visible
final state stays at particle level and is clustered with anti-kT R = 0.4: that reproduces the
constituent widths, multiplicities and jet masses JetNet's files actually have (docs/jets.md),
although JetNet is documented as R = 0.8 through a simplified detector; ``detector="cms"``
(:mod:`hepzoo.data.jets.detector`, after Coleman et al., arXiv:1709.08705) with ``radius=0.8``
is that documented recipe. All constituents are massless, so clustering and features use the
same pseudorapidity. Of the two leading jets, the first with |eta| < 2.5, pT in [800, 1600] GeV
and within dR < 0.8 of the hard-process object (top/W/Z/parton) is kept. Its constituents with
(eta, phi) distance < R from the jet axis become (eta_rel, phi_rel, pt_rel), pT-ordered, the
leading ``n_particles`` kept, zero-padded with a mask.

Jets are made in chunks of ``chunk_size``; chunk ``i`` seeds Pythia from SeedSequence((seed, i))
and the detector from SeedSequence((seed, i, 1)), so a given (seed, n, chunk_size) gives the same
file whatever the number of workers.
"""

from __future__ import annotations

import concurrent.futures
import multiprocessing
import time
from importlib import metadata as importlib_metadata
from pathlib import Path
from typing import Any

import attrs
import numpy as np

from hepzoo.data.jets.detector import Detector, FinalState, detect, get_detector
from hepzoo.data.jets.kinematics import to_relative, wrap_phi
from hepzoo.data.jets.processes import COMMON_SETTINGS, get_process
from hepzoo.errors import DependencyError, InvalidDataError
from hepzoo.representations.point_cloud import PointCloud
from hepzoo.samples import Samples

__all__ = ["JetCuts", "make_jets", "generate_jets", "jet_recipe", "chunk_seed", "check_radius"]

_INSTALL_HINT = "install the generator with: pip install 'hepzoo[pythia]' (pythia8mc==8.317.2 and fastjet)"


@attrs.define(frozen=True)
class JetCuts:
    """Jet definition and selection (recorded in the file's metadata)."""

    radius: float = 0.4  # what JetNet's files show (docs/jets.md); 0.8 is its documented R
    eta_max: float = 2.5
    pt_min: float = 800.0
    pt_max: float = 1600.0
    match_dr: float = 0.8
    leading: int = 2  # how many of the hardest jets are candidates


def _require() -> tuple[Any, Any]:
    try:
        import fastjet
        import pythia8mc
    except ImportError as err:
        raise DependencyError(
            f"Pythia jet generation needs pythia8mc and fastjet ({err}); {_INSTALL_HINT}"
        ) from err
    return pythia8mc, fastjet


def check_radius(radius: float) -> float:
    """The anti-kT R as a float, or one line naming the valid range (a typo must not make other jets)."""
    try:
        value = float(radius)
    except (TypeError, ValueError):
        value = float("nan")
    if not 0.1 <= value <= 1.5:
        raise InvalidDataError(
            f"radius must be an anti-kT R between 0.1 and 1.5 (e.g. --set radius=0.4), got {radius!r}"
        )
    return value


def chunk_seed(seed: int, chunk: int) -> int:
    """Pythia's Random:seed for one chunk, in [1, 900_000_000] (0 would mean 'use the clock')."""
    state = np.random.SeedSequence([int(seed), int(chunk)]).generate_state(1, dtype=np.uint64)[0]
    return int(state % 899_999_999) + 1


def _hard_objects(process, ids: frozenset[int]) -> list[tuple[float, float]]:
    """(eta, phi) of the outgoing hard-process particles whose |id| is in ``ids``."""
    out = []
    for i in range(process.size()):
        p = process[i]
        if p.idAbs() in ids and p.statusAbs() in (22, 23):
            out.append((p.eta(), p.phi()))
    return out


def _constituents(event, detector: Detector | None, rng: np.random.Generator) -> tuple[np.ndarray, ...]:
    """Massless constituents (pt, eta, phi) of one event: detector-level, or every visible particle."""
    rows = []
    for i in range(event.size()):
        p = event[i]
        if p.isFinal() and p.isVisible():
            rows.append((p.px(), p.py(), p.pz(), p.e(), p.idAbs(), p.charge()))
    fs = FinalState.from_rows(rows)
    if detector is None:
        return fs.pt_eta_phi()
    return detect(fs, detector, rng)


def _pseudojets(fastjet, pt: np.ndarray, eta: np.ndarray, phi: np.ndarray) -> list:
    """FastJet inputs from massless (pt, eta, phi): E = |p|, so rapidity is pseudorapidity."""
    px, py, pz, e = pt * np.cos(phi), pt * np.sin(phi), pt * np.sinh(eta), pt * np.cosh(eta)
    return [fastjet.PseudoJet(*v) for v in zip(px.tolist(), py.tolist(), pz.tolist(), e.tolist())]


def _silence_fastjet_banner(fastjet) -> None:
    """Send FastJet's banner (printed by the C++ library to stdout, once per process) to /dev/null.

    The banner comes with the first ClusterSequence of a process, so one throwaway clustering runs
    with file descriptor 1 pointed at /dev/null (C buffers flushed before it is restored).
    """
    import ctypes
    import os
    import sys

    sys.stdout.flush()
    saved = os.dup(1)
    try:
        with open(os.devnull, "w") as null:
            os.dup2(null.fileno(), 1)
            jet_def = fastjet.JetDefinition(fastjet.antikt_algorithm, 0.4)
            fastjet.ClusterSequence([fastjet.PseudoJet(1.0, 0.0, 0.0, 1.0)], jet_def)
            try:
                ctypes.CDLL(None).fflush(None)
            except (OSError, AttributeError):  # no C library handle here: std::endl flushed the banner anyway
                pass
    finally:
        os.dup2(saved, 1)
        os.close(saved)


def _generate_chunk(
    jet_type: str,
    n: int,
    seed: int,
    chunk: int,
    n_particles: int,
    cuts: JetCuts,
    detector_name: str = "none",
    quiet: bool = False,
) -> dict[str, Any]:
    """Generate ``n`` accepted jets for one chunk (runs in a worker process); ``quiet``: no FastJet banner."""
    pythia8mc, fastjet = _require()
    if quiet:
        _silence_fastjet_banner(fastjet)
    proc = get_process(jet_type)
    pythia = pythia8mc.Pythia("", False)
    for setting in (*COMMON_SETTINGS, *proc.settings, f"Random:seed = {chunk_seed(seed, chunk)}"):
        if not pythia.readString(setting):
            raise InvalidDataError(f"Pythia rejected the setting {setting!r}; check the pythia8mc version")
    if not pythia.init():
        raise InvalidDataError(f"Pythia failed to initialise for {jet_type!r} jets")
    jet_def = fastjet.JetDefinition(fastjet.antikt_algorithm, cuts.radius)
    detector = get_detector(detector_name)
    rng = np.random.default_rng(np.random.SeedSequence([int(seed), int(chunk), 1]))
    x = np.zeros((n, n_particles, 3), dtype=np.float32)
    mask = np.zeros((n, n_particles), dtype=bool)
    jet = np.zeros((n, 3), dtype=np.float64)
    n_constituents = np.zeros(n, dtype=np.int64)
    tried = accepted = failed = outside = 0
    while accepted < n:
        if tried > 1000 * n + 1000:
            raise InvalidDataError(f"acceptance for {jet_type!r} jets is below 0.1%; check the cuts {cuts}")
        tried += 1
        if not pythia.next():
            failed += 1
            continue
        objects = _hard_objects(pythia.process, proc.match_ids)
        const_pt, const_eta, const_phi = _constituents(pythia.event, detector, rng)
        sequence = fastjet.ClusterSequence(_pseudojets(fastjet, const_pt, const_eta, const_phi), jet_def)
        for candidate in fastjet.sorted_by_pt(sequence.inclusive_jets(cuts.pt_min))[: cuts.leading]:
            pt, eta, phi = candidate.pt(), candidate.eta(), candidate.phi_std()
            if not (cuts.pt_min <= pt <= cuts.pt_max and abs(eta) < cuts.eta_max):
                continue
            if not any(np.hypot(eta - oe, wrap_phi(phi - op)) < cuts.match_dr for oe, op in objects):
                continue
            consts = np.array([(c.eta(), c.phi_std(), c.pt()) for c in candidate.constituents()])
            # Convention: constituents lie within (eta, phi) distance R of the jet axis.
            inside = np.hypot(consts[:, 0] - eta, wrap_phi(consts[:, 1] - phi)) < cuts.radius
            outside += int((~inside).sum())
            consts = consts[inside]
            consts = consts[np.argsort(-consts[:, 2], kind="stable")]
            kept = consts[:n_particles]
            x[accepted, : len(kept)] = to_relative(kept[:, 0], kept[:, 1], kept[:, 2], eta, phi, pt)
            mask[accepted, : len(kept)] = True
            jet[accepted] = (pt, eta, candidate.m())
            n_constituents[accepted] = len(consts)
            accepted += 1
            break
    sigma_mb = float(pythia.infoPython().sigmaGen())
    return dict(
        x=x,
        mask=mask,
        jet=jet,
        n_constituents=n_constituents,
        tried=tried,
        failed=failed,
        sigma_mb=sigma_mb,
        outside=outside,
    )


def _versions() -> dict[str, str]:
    out = {}
    for dist in ("pythia8mc", "fastjet", "numpy"):
        try:
            out[dist] = importlib_metadata.version(dist)
        except importlib_metadata.PackageNotFoundError:
            out[dist] = "unknown"
    return out


def jet_recipe(jet_type: str, cuts: JetCuts | None = None, detector: str = "none", radius: float | None = None) -> dict:
    """The recipe part of a jet file's metadata (``hepzoo.data.merge.RECIPE_KEYS``), without generating: what a cache is checked against."""
    proc = get_process(jet_type)
    det = get_detector(detector)
    cuts = cuts or JetCuts()
    if radius is not None:
        cuts = attrs.evolve(cuts, radius=check_radius(radius))
    return {
        "generator": "hepzoo.data.jets.pythia",
        "jet_type": proc.name,
        "pythia_settings": [*COMMON_SETTINGS, *proc.settings],
        "cuts": attrs.asdict(cuts),
        "detector": attrs.asdict(det) if det is not None else {"name": "none"},
        "constituent_convention": "massless; (eta, phi) distance to the jet axis < cuts.radius",
    }


def generate_jets(
    jet_type: str,
    n: int,
    seed: int = 0,
    workers: int = 1,
    progress: bool = True,
    n_particles: int = 150,
    chunk_size: int = 100,
    cuts: JetCuts | None = None,
    detector: str = "none",
    radius: float | None = None,
) -> Samples:
    """Generate ``n`` JetNet-like jets of ``jet_type`` as Samples (cond: pt, eta, mass, n_particles, type).

    ``detector`` is ``"none"`` (particle level, default) or ``"cms"`` (the simplified detector of
    arXiv:1709.08705). ``radius`` replaces the anti-kT R of ``cuts`` (default 0.4: with particle level
    it reproduces JetNet's files, docs/jets.md; ``detector="cms", radius=0.8`` is JetNet's documented
    recipe).
    Without ``progress`` FastJet's banner is not printed either (``-q``).
    """
    _require()
    proc = get_process(jet_type)
    get_detector(detector)  # a bad name fails before any generation
    if n <= 0 or chunk_size <= 0 or n_particles <= 0:
        raise InvalidDataError(
            f"n, chunk_size and n_particles must be positive; got {n}, {chunk_size}, {n_particles}"
        )
    cuts = cuts or JetCuts()
    if radius is not None:
        cuts = attrs.evolve(cuts, radius=check_radius(radius))
    sizes = [min(chunk_size, n - start) for start in range(0, n, chunk_size)]
    args = [(proc.name, size, seed, i, n_particles, cuts, detector, not progress) for i, size in enumerate(sizes)]
    from tqdm.auto import tqdm

    bar = tqdm(total=n, desc=f"{proc.name} jets", unit="jet", disable=not progress)
    start = time.perf_counter()
    results: list[dict[str, Any] | None] = [None] * len(args)
    try:
        if workers <= 1:
            for i, a in enumerate(args):
                results[i] = _generate_chunk(*a)
                bar.update(sizes[i])
        else:
            ctx = multiprocessing.get_context("spawn")
            with concurrent.futures.ProcessPoolExecutor(max_workers=workers, mp_context=ctx) as pool:
                futures = {pool.submit(_generate_chunk, *a): i for i, a in enumerate(args)}
                for future in concurrent.futures.as_completed(futures):
                    results[futures[future]] = future.result()
                    bar.update(sizes[futures[future]])
    finally:
        bar.close()
    elapsed = time.perf_counter() - start
    x = np.concatenate([r["x"] for r in results])
    mask = np.concatenate([r["mask"] for r in results])
    jet = np.concatenate([r["jet"] for r in results])
    n_const = np.concatenate([r["n_constituents"] for r in results])
    tried = sum(r["tried"] for r in results)
    meta = {
        **jet_recipe(jet_type, cuts, detector),
        "versions": _versions(),
        "jet_type_index": proc.type_index,
        "seed": int(seed),
        "chunk_size": int(chunk_size),
        "chunk_seeds": "Random:seed = SeedSequence([seed, chunk]).generate_state(1)[0] % 899999999 + 1",
        "fraction_outside_radius_dropped": float(
            sum(r["outside"] for r in results)
            / max(1, int(n_const.sum()) + sum(r["outside"] for r in results))
        ),
        "events_tried": int(tried),
        "acceptance": float(n / tried),
        "sigma_gen_mb": float(np.mean([r["sigma_mb"] for r in results])),
        "fraction_truncated": float(np.mean(n_const > n_particles)),
        "mean_constituents": float(n_const.mean()),
        "cpu_seconds_per_jet_wall": float(elapsed / n),
    }
    cond = {
        "pt": jet[:, 0].astype(np.float32),
        "eta": jet[:, 1].astype(np.float32),
        "mass": jet[:, 2].astype(np.float32),
        "n_particles": mask.sum(1).astype(np.int64),
        "type": np.full(n, proc.type_index, dtype=np.int64),
    }
    return Samples(x=x, representation=PointCloud(max_particles=n_particles), mask=mask, cond=cond, meta=meta)


def make_jets(
    jet_type: str,
    n: int,
    path: str | Path,
    seed: int = 0,
    workers: int = 1,
    progress: bool = True,
    n_particles: int = 150,
    chunk_size: int = 100,
    detector: str = "none",
    radius: float = 0.4,
) -> Path:
    """Generate ``n`` jets and write them atomically as a JetNet HDF5 file with metadata; return the path.

    Defaults (particle level, anti-kT R = 0.4) reproduce what JetNet's files show (docs/jets.md);
    ``--set detector=cms --set radius=0.8`` is JetNet's documented recipe (simplified CMS-like
    detector, R = 0.8), whose constituent widths are 1.6-2.1x JetNet's.
    """
    from hepzoo.data.jetnet_io import write_jetnet

    get_detector(detector)  # a bad name fails before any generation
    check_radius(radius)
    samples = generate_jets(
        jet_type, n, seed, workers, progress, n_particles, chunk_size, detector=detector, radius=radius
    )
    return write_jetnet(path, samples)
