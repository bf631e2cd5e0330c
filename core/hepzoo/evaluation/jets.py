"""Evaluate generated jets against a reference: JetNet's five metrics (from ``hepzoo.metrics.jets``),
truth-vs-truth, plots. This module only orchestrates; it computes no metric itself.
"""

from __future__ import annotations

import contextlib
import sys
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np

from hepzoo.data.jets.kinematics import jet_pt
from hepzoo.errors import InvalidDataError
from hepzoo.evaluation.checks import JET_METRICS, check_jets
from hepzoo.evaluation.plot_process import PlotProcess
from hepzoo.evaluation.report import write_metrics_json
from hepzoo.metrics import jets as jet_metrics
from hepzoo.metrics.jets import JetSample
from hepzoo.metrics.stats import cpu_threads, single_threaded_blas
from hepzoo.samples import Samples

__all__ = ["evaluate_jets", "JET_METRICS"]

_LONGEST_FIRST = ("kpd", "fpd", "w1p", "w1efp", "w1m")  # the order the metrics' tasks are queued in
_PLOTTED_EFPS = {1: "EFP d=1 (sum z_i z_j theta_ij)", 9: "EFP triangle", 17: "EFP square (n=4, d=4)"}


class _Jets(JetSample):
    """A JetSample with the sample's conditions (for plots) carried through ``take``."""

    def __init__(self, jets: Any, cond: dict[str, np.ndarray]):
        super().__init__(jets)
        self.cond = cond

    def take(self, idx: np.ndarray) -> _Jets:
        out = super().take(idx)
        out.cond = {k: v[idx] for k, v in self.cond.items()}
        return out


def _metric_calls(opts: dict[str, Any], seed: int) -> dict[str, Callable[[JetSample, JetSample], tuple]]:
    """Each metric of ``hepzoo.metrics.jets`` with the evaluation's settings bound."""
    n_eval = opts.get("num_eval_samples", 50_000)
    n_batches = opts.get("num_batches", 5)
    fpd_opts = {k: opts[k] for k in ("min_samples", "max_samples", "num_points") if k in opts}
    fpd_opts["num_batches"] = opts.get("fpd_num_batches", 20)
    kpd_opts = {"batch_size": opts.get("kpd_batch_size", 5_000), "num_batches": opts.get("kpd_num_batches", 10)}
    return {
        "w1m": lambda r, g: jet_metrics.w1m(r, g, n_eval, n_batches, seed),
        "w1p": lambda r, g: jet_metrics.w1p(r, g, True, n_eval, n_batches, seed),
        "w1efp": lambda r, g: jet_metrics.w1efp(r, g, n_eval, n_batches, seed),
        "fpd": lambda r, g: jet_metrics.fpd(r, g, **fpd_opts),
        "kpd": lambda r, g: jet_metrics.kpd(r, g, **kpd_opts),
    }


def _metric(real: _Jets, gen: _Jets, name: str, opts: dict[str, Any], seed: int) -> dict[str, Any]:
    """One metric of ``gen`` vs ``real`` as its metrics.json entry; a non-finite result is refused."""
    calls = _metric_calls(opts, seed)
    if name not in calls:
        raise InvalidDataError(f"unknown jet metric {name!r}; use some of {JET_METRICS}")
    v, e = calls[name](real, gen)
    if not (np.isfinite(v).all() and np.isfinite(e).all()):
        raise InvalidDataError(
            f"{name} could not be computed on these samples (value {v}, error {e}); nothing is written. "
            "Check the samples (empty jets?) and evaluate more events"
        )
    out = {"value": np.asarray(v).tolist(), "error": np.asarray(e).tolist()}
    if np.ndim(v):
        out["mean"] = float(np.mean(v))
    return out


def _derive(jets: _Jets, efps: bool) -> None:
    """Compute a sample's masses (and its 36 EFPs) once, before the metrics share it across threads."""
    jets.mass  # noqa: B018
    if efps:
        jets.efps  # noqa: B018


class _Steps:
    """A tqdm bar on stderr counting the evaluation's steps, named as each one ends (thread-safe)."""

    def __init__(self, total: int, enabled: bool):
        from tqdm.auto import tqdm

        self._bar = tqdm(total=total, desc="evaluating jets", unit="step", file=sys.stderr, mininterval=0,
                         disable=not enabled, leave=False, dynamic_ncols=True)  # a dozen steps: show each
        self._lock = threading.Lock()

    def done(self, stage: str) -> None:
        with self._lock:
            self._bar.set_postfix_str(f"{stage} done", refresh=False)
            self._bar.update(1)

    def close(self) -> None:
        self._bar.close()


@contextlib.contextmanager
def _one_thread_per_task(torch_needed: bool) -> Iterator[None]:
    """Torch and BLAS on one thread each while the evaluation runs its steps side by side.

    The steps themselves fill the cores; a second torch or BLAS thread per step only spins (the
    EFPs cost 2.7 times the CPU time with two torch threads on two cores). The floats are the same:
    every batch, product and sum is computed in the same order whatever the thread count.
    """
    before = None
    if torch_needed:
        import torch

        before = torch.get_num_threads()
        torch.set_num_threads(1)
    try:
        with single_threaded_blas():
            yield
    finally:
        if before is not None:
            torch.set_num_threads(before)


def _histograms(real: _Jets, gen: _Jets, out_dir: Path) -> list[dict[str, Any]]:
    """The report's nine histograms (reference vs generated) as ``PlotProcess.draw`` takes them."""
    plots = []

    def plot(name, a, b, label, logy=False):
        plots.append({"path": out_dir / f"{name}.png", "reference": a, "gen": b, "xlabel": label, "logy": logy})

    for i, feat in enumerate(("eta_rel", "phi_rel", "pt_rel")):
        plot(
            f"particle_{feat}",
            real.x[..., i][real.mask],
            gen.x[..., i][gen.mask],
            f"particle {feat}",
            feat == "pt_rel",
        )
    plot("jet_mass_rel", real.mass, gen.mass, "relative jet mass m/pT")
    if "pt" in real.cond and "pt" in gen.cond:
        plot("jet_pt", real.cond["pt"], gen.cond["pt"], "jet pT [GeV]")
    else:
        plot(
            "jet_pt_rel",
            jet_pt(real.x, real.mask),
            jet_pt(gen.x, gen.mask),
            "relative jet pT (sum of constituents)",
        )
    plot("multiplicity", real.mask.sum(1), gen.mask.sum(1), "particle multiplicity")
    for idx, label in _PLOTTED_EFPS.items():
        plot(f"efp_{idx}", real.efps[:, idx], gen.efps[:, idx], label, logy=True)
    return plots


def evaluate_jets(
    gen: Samples | Any,
    reference: Samples | Any,
    output_dir: str | Path | None = None,
    metrics: tuple[str, ...] = JET_METRICS,
    truth_split: bool = True,
    seed: int = 0,
    plots: bool = True,
    checked: bool = False,
    progress: bool = False,
    **opts: Any,
) -> dict[str, Any]:
    """JetNet's metrics for ``gen`` vs ``reference`` and, beside them, two disjoint reference halves.

    ``opts`` pass metric settings (num_eval_samples, num_batches, min_samples, max_samples,
    num_points, fpd_num_batches, kpd_batch_size, kpd_num_batches; jetnet's defaults otherwise).
    With ``output_dir``, writes metrics.json and PNG histograms (with ratio panels) there.
    Samples that are degenerate or smaller than each metric's minimum (``MIN_JET_EVENTS``;
    ``min_events`` replaces it, for tests) are refused before any work (``check_jets``), unless
    ``checked`` says ``hepzoo.evaluate`` has run that check already. ``progress``: a bar on stderr
    naming each step as it ends (features, each metric of both comparisons, plots). The steps run
    side by side in threads, with one torch and one BLAS thread each; the numbers are those of
    running them one after another.
    """
    start = time.perf_counter()
    unknown = set(metrics) - set(JET_METRICS)
    if unknown:
        raise InvalidDataError(f"unknown jet metrics {sorted(unknown)}; use some of {JET_METRICS}")
    if "fpd" in metrics and opts.get("num_points", 10) < 3:
        raise InvalidDataError("num_points must be at least 3: a line fitted through 2 points has no error")
    min_events = opts.pop("min_events", None)
    real, fake = (_Jets(obj, dict(getattr(obj, "cond", {}) or {})) for obj in (reference, gen))
    for what, jets in (("generated", fake), ("reference", real)) if not checked else ():
        check_jets(jets, what, tuple(metrics), truth_split, min_events)
    names, drawing = tuple(metrics), output_dir is not None and plots
    efps = drawing or bool({"fpd", "kpd"} & set(names))  # all 36 needed anyway: derived once, first
    result: dict[str, Any] = {"representation": "point_cloud", "n_gen": len(fake.x), "n_reference": len(real.x)}
    timings: dict[str, float] = {}  # each step's own wall seconds (steps overlap), so a slow one shows
    steps = _Steps(2 + len(names) * (2 if truth_split else 1) + int(drawing), progress)

    def run(step: str, label: str, fn: Callable, *args: Any) -> Any:
        t0 = time.perf_counter()
        value = fn(*args)
        timings[step] = round(time.perf_counter() - t0, 2)
        steps.done(label)
        return value

    # Every metric of both comparisons is its own task, longest first, on as many threads as cores:
    # numpy and torch release the GIL, so the cores stay busy. The plots (Python-bound matplotlib)
    # draw in a second process meanwhile. Metrics draw from their own seeded generators, so the
    # order in which the tasks run changes no number.
    order = sorted(names, key=_LONGEST_FIRST.index)
    pool = ThreadPoolExecutor(max(2, cpu_threads()), thread_name_prefix="hepzoo-evaluate")
    drawer = PlotProcess() if drawing else None  # started first: its imports overlap the features
    tasks: dict[tuple[str, str], Any] = {}

    def compare(part: str, label: str, a: _Jets, b: _Jets, part_seed: int) -> None:
        for name in order:
            tasks[part, name] = pool.submit(
                run, f"{part}.{name}", f"{name} ({label})", _metric, a, b, name, opts, part_seed
            )

    try:
        with _one_thread_per_task(efps):
            features = {
                what: pool.submit(run, f"features_{what}", f"features ({what})", _derive, jets, efps)
                for what, jets in (("reference", real), ("generated", fake))
            }
            features["reference"].result()
            if truth_split:  # halves of the reference: they keep the features it has derived
                perm = np.random.default_rng(seed).permutation(len(real.x))
                half = len(perm) // 2
                a, b = real.take(np.sort(perm[:half])), real.take(np.sort(perm[half : 2 * half]))
                result["truth_split_size"] = half
                compare("truth_vs_truth", "truth floor", a, b, seed + 1)
            features["generated"].result()
            compare("gen_vs_reference", "gen vs reference", real, fake, seed)
            if drawer is not None:
                drawn_from = time.perf_counter()
                drawer.draw(_histograms(real, fake, Path(output_dir)))
            done = {key: task.result() for key, task in tasks.items()}
            if drawer is not None:
                done["plots", ""] = drawer.wait()
                timings["plots"] = round(time.perf_counter() - drawn_from, 2)  # until the last metric ends, at least
                steps.done("plots")
    except BaseException:
        pool.shutdown(wait=True, cancel_futures=True)
        if drawer is not None:
            drawer.stop()
        raise
    finally:
        steps.close()
    pool.shutdown()
    for part in ("gen_vs_reference", "truth_vs_truth") if truth_split else ("gen_vs_reference",):
        result[part] = {name: done[part, name] for name in names}
    result = {key: result[key] for key in ("representation", "n_gen", "n_reference", "gen_vs_reference",
                                           "truth_vs_truth", "truth_split_size") if key in result}
    result["seconds_by_step"] = timings
    if output_dir is not None:
        result["plots"] = done.get(("plots", ""), [])
        result["seconds"] = round(time.perf_counter() - start, 2)
        result["metrics_json"] = str(write_metrics_json(result, Path(output_dir) / "metrics.json"))
    else:
        result["seconds"] = round(time.perf_counter() - start, 2)
    return result
