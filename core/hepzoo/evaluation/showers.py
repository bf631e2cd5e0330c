"""``evaluate_showers``: the CaloChallenge metrics of generated vs reference showers, with plots.

Beside every gen-vs-reference number sits the same number for two disjoint halves of the
reference (truth vs truth): the noise floor of the metric at this sample size.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import attrs
import numpy as np

from hepzoo.data.showers.geometry import Geometry
from hepzoo.errors import InvalidDataError
from hepzoo.evaluation.checks import check_showers
from hepzoo.evaluation.report import ratio_histogram, save_figure, write_metrics_json
from hepzoo.metrics.classifier import ClassifierSettings
from hepzoo.metrics.shower_features import cls_high_inputs, high_level_features, min_energy
from hepzoo.metrics.showers import (
    CLASSIFIER_INPUTS,
    apply_threshold,
    classifier_scores,
    separation_powers,
    shower_fpd,
    shower_kpd,
)
from hepzoo.samples import Samples

__all__ = ["evaluate_showers", "SEPARATION_GROUPS"]

SEPARATION_GROUPS = (
    "E_ratio",
    "E_layer",
    "EC_eta",
    "EC_phi",
    "width_eta",
    "width_phi",
    "sparsity",
    "EC_r",
    "width_r",
    "voxel_energy",
)


class _Set:
    """Thresholded showers, their energies and high-level features."""

    def __init__(self, x: np.ndarray, energy: np.ndarray, geometry: Geometry):
        self.x, self.energy = x, energy
        self.features = high_level_features(x, energy, geometry)
        self.high = cls_high_inputs(self.features, geometry)

    def take(self, idx: np.ndarray, geometry: Geometry) -> _Set:
        return _Set(self.x[idx], self.energy[idx], geometry)


def _group(name: str) -> str:
    if name in ("E_ratio", "voxel_energy", "E_tot"):
        return name
    return name.rpartition("_")[0]


def _compute(
    ref: _Set,
    gen: _Set,
    geometry: Geometry,
    settings: dict[str, ClassifierSettings] | None,
    kinds,
    opts: dict,
    seed: int,
    progress: bool = False,
    label: str = "",
) -> tuple[dict[str, dict[str, Any]], dict[str, float]]:
    seps = separation_powers(gen.features, ref.features, geometry, gen.x, ref.x)
    out: dict[str, dict[str, Any]] = {}
    for group in SEPARATION_GROUPS:
        values = [v for k, v in seps.items() if _group(k) == group]
        if values:
            out[f"sep_{group}"] = {"value": values if len(values) > 1 else values[0], "error": 0.0}
    if settings is not None and kinds:
        scores = classifier_scores(
            (gen.x, gen.energy, gen.features),
            (ref.x, ref.energy, ref.features),
            geometry,
            tuple(kinds),
            settings,
            progress=progress,
            label=label,
        )
        for kind, res in scores.items():
            out[f"auc_{kind}"] = {"value": res["auc"], "error": 0.0, "settings": res["settings"]}
            out[f"jsd_{kind}"] = {"value": res["jsd"], "error": 0.0, "settings": res["settings"]}
    if opts.get("fpd_kpd", True):
        fpd, fpd_err = shower_fpd(
            gen.high, ref.high, seed, opts.get("fpd_num_batches", 20), opts.get("fpd_num_points", 10)
        )
        kpd, kpd_err = shower_kpd(gen.high, ref.high, seed)
        for name, pair in (("fpd", (fpd, fpd_err)), ("kpd", (kpd, kpd_err))):
            if not np.isfinite(pair).all():
                raise InvalidDataError(
                    f"{name} could not be computed on these showers (value {pair[0]}, error {pair[1]}); "
                    "nothing is written. Check the samples and evaluate more events"
                )
        out["fpd_x1e3"] = {"value": 1e3 * fpd, "error": 1e3 * fpd_err}
        out["kpd_x1e3"] = {"value": 1e3 * kpd, "error": 1e3 * kpd_err}
    return out, seps


CLASSIFIER_PRESETS = ("auto", "full", "challenge", "cpu", "small", "resnet", "none")


def _settings(
    classifier: str | ClassifierSettings | None, kinds: tuple[str, ...], seed: int
) -> tuple[dict[str, ClassifierSettings] | None, tuple[str, ...]]:
    """Settings per classifier kind for a preset name; ``'resnet'`` runs cls-resnet in place of cls-low."""
    if classifier is None or classifier == "none":
        return None, kinds
    if classifier == "resnet":
        kinds = tuple(dict.fromkeys("cls-resnet" if k == "cls-low" else k for k in kinds))
        classifier = "auto"
    if isinstance(classifier, ClassifierSettings):
        return dict.fromkeys(kinds, classifier), kinds
    presets = {
        "auto": ClassifierSettings.default,
        "full": ClassifierSettings.challenge,
        "challenge": ClassifierSettings.challenge,
        "cpu": ClassifierSettings.cpu,
        "small": lambda seed, network: attrs.evolve(ClassifierSettings.small(seed), network=network),
    }
    if classifier not in presets:
        raise InvalidDataError(
            f"classifier must be one of {CLASSIFIER_PRESETS} or ClassifierSettings; got {classifier!r}"
        )
    make = presets[classifier]
    return {k: make(seed=seed, network="resnet" if k == "cls-resnet" else "dnn") for k in kinds}, kinds


def _settings_lines(metrics: dict[str, dict[str, Any]]) -> list[str]:
    lines = []
    for name, entry in metrics.items():
        if name.startswith("auc_") and "settings" in entry:
            u = entry["settings"]
            lines.append(
                f"{name[4:]}: {u['network']} {u['dtype']} on {u['device']}, lr {u['lr']:g}, batch {u['batch_size']}, "
                f"{u['epochs_run']}/{u['max_epochs']} epochs (best {u['best_epoch']}; {u['selection']}), "
                f"train/test/val {u['n_train']}/{u['n_test']}/{u['n_val']}, seed {u['seed']}"
            )
    return lines


def evaluate_showers(
    gen: Samples,
    reference: Samples,
    output_dir: str | Path | None = None,
    classifier: str | ClassifierSettings | None = "auto",
    classifiers: tuple[str, ...] = ("cls-low", "cls-high"),
    truth_split: bool = True,
    seed: int = 0,
    plots: bool = True,
    progress: bool = False,
    checked: bool = False,
    **opts: Any,
) -> dict[str, Any]:
    """CaloChallenge metrics of ``gen`` vs ``reference`` (voxel Samples with ``cond["energy"]``, MeV).

    Separation powers of every high-level feature (grouped: one list entry per layer), the
    classifier AUC/JSD for ``classifiers`` (``classifier='auto'``: the challenge's DNN on a GPU,
    the CPU preset with early stopping otherwise; ``'full'``/``'challenge'``, ``'cpu'``,
    ``'small'``; ``'resnet'``: the challenge's ResNet in place of the cls-low DNN; ``None``:
    skip), each with the settings it was trained with, and FPD/KPD x1e3 on the ``cls-high``
    features (``fpd_kpd=False`` skips them; ``fpd_num_batches``/``fpd_num_points`` trade accuracy
    for time). ``progress``: a bar with the time left per classifier on stderr. With
    ``output_dir``: metrics.json and PNG plots there. ``checked``: ``hepzoo.evaluate``
    has run ``check_showers`` on both samples already.
    """
    start = time.perf_counter()
    if opts.get("fpd_kpd", True) and opts.get("fpd_num_points", 10) < 3:
        raise InvalidDataError("fpd_num_points must be at least 3: a line fitted through 2 points has no error")
    geometry = _check(gen, reference)
    min_events = opts.pop("min_events", None)
    for what, s in (("generated", gen), ("reference", reference)) if not checked else ():
        check_showers(s, what, truth_split, min_events)
    bad = set(classifiers) - set(CLASSIFIER_INPUTS)
    if bad:
        raise InvalidDataError(f"unknown classifiers {sorted(bad)}; use some of {CLASSIFIER_INPUTS}")
    settings, classifiers = _settings(classifier, tuple(classifiers), seed)
    cut = min_energy(geometry)
    sets = [
        _Set(apply_threshold(s.x, cut), np.asarray(s.cond["energy"], dtype=np.float64).reshape(-1), geometry)
        for s in (reference, gen)
    ]
    ref, fake = sets
    metrics, seps = _compute(ref, fake, geometry, settings, classifiers, opts, seed, progress, "gen vs ref ")
    result: dict[str, Any] = {
        "representation": "voxel",
        "geometry": geometry.name,
        "n_gen": len(fake.x),
        "n_reference": len(ref.x),
        "min_energy_mev": cut,
        "gen_vs_reference": metrics,
        "separation_power": seps,
    }
    if truth_split:
        perm = np.random.default_rng(seed).permutation(len(ref.x))
        half = len(perm) // 2
        a, b = ref.take(np.sort(perm[:half]), geometry), ref.take(np.sort(perm[half : 2 * half]), geometry)
        result["truth_vs_truth"], _ = _compute(
            a, b, geometry, settings, classifiers, opts, seed + 1, progress, "truth vs truth "
        )
        result["truth_split_size"] = half
    notes = _settings_lines(metrics)
    if notes:
        result["classifier_settings"] = notes
    if output_dir is not None:
        out = Path(output_dir)
        out.mkdir(parents=True, exist_ok=True)
        result["plots"] = _plots(ref, fake, geometry, out) if plots else []
    result["seconds"] = round(time.perf_counter() - start, 2)
    if output_dir is not None:
        result["metrics_json"] = str(write_metrics_json(result, Path(output_dir) / "metrics.json"))
    return result


def _check(gen: Samples, reference: Samples) -> Geometry:
    for what, s in (("generated", gen), ("reference", reference)):
        if getattr(s.representation, "kind", None) != "voxel":
            raise InvalidDataError(
                f"the {what} samples are not voxel showers; evaluate_showers needs Voxel samples"
            )
        if "energy" not in s.cond:
            raise InvalidDataError(f"the {what} showers lack cond['energy'] (incident energy, MeV)")
    if gen.x.shape[1] != reference.x.shape[1]:
        raise InvalidDataError(
            f"generated showers have {gen.x.shape[1]} voxels, the reference {reference.x.shape[1]}; "
            "compare showers of the same geometry"
        )
    return reference.representation


# ---------------------------------------------------------------------------------------- plots
def _plots(ref: _Set, gen: _Set, geometry: Geometry, out: Path) -> list[str]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    files = []
    f = ref.features
    files.append(
        ratio_histogram(
            f["E_ratio"],
            gen.features["E_ratio"],
            out / "E_ratio.png",
            r"$E_\mathrm{tot}/E_\mathrm{inc}$",
            bins=np.linspace(0.5, 1.5, 101),
        )
    )
    ids = geometry.layer_ids
    # longitudinal profile
    prof_r = np.array([f[f"E_layer_{i}"].mean() for i in ids])
    prof_g = np.array([gen.features[f"E_layer_{i}"].mean() for i in ids])
    fig, ax = plt.subplots(figsize=(7, 4.5))
    ax.step(ids, prof_r, where="mid", color="black", label="reference")
    ax.step(ids, prof_g, where="mid", color="tab:red", label="generated")
    ax.set(xlabel="layer", ylabel="mean energy per layer [MeV]", yscale="log")
    ax.legend()
    fig.tight_layout()
    save_figure(fig, out / "layer_profile.png", dpi=120)
    files.append(out / "layer_profile.png")
    # radial profile (per layer-mean of the radial bins)
    fig, ax = plt.subplots(figsize=(7, 4.5))
    for s, colour, label in ((ref, "black", "reference"), (gen, "tab:red", "generated")):
        mean = s.x.mean(axis=0)
        r = geometry.r_centres
        rb = np.unique(r)
        ax.step(rb, [mean[r == v].sum() for v in rb], where="mid", color=colour, label=label)
    ax.set(xlabel="r [mm]", ylabel="mean energy per radial bin [MeV]", yscale="log", xscale="symlog")
    ax.legend()
    fig.tight_layout()
    save_figure(fig, out / "radial_profile.png", dpi=120)
    files.append(out / "radial_profile.png")
    # average shower images: energy in (layer, r), summed over alpha
    files.append(
        _average_images(ref.x.mean(axis=0), gen.x.mean(axis=0), geometry, out / "average_shower.png")
    )
    # a few per-layer feature histograms at the layer with most energy
    peak = ids[int(np.argmax(prof_r))]
    for key in ("E_layer", "EC_eta", "width_eta", "sparsity"):
        name = f"{key}_{peak}"
        if name in f:
            log = key == "E_layer"  # log-spaced over both samples' positive energies
            files.append(ratio_histogram(f[name], gen.features[name], out / f"{name}.png", name,
                                         bins=40 if log else 50, logx=log))
    return [str(p) for p in files]


def _average_images(ref_mean: np.ndarray, gen_mean: np.ndarray, geometry: Geometry, path: Path) -> Path:
    import matplotlib.pyplot as plt
    from matplotlib.colors import LogNorm

    def image(mean: np.ndarray) -> np.ndarray:
        n_r = max(geometry.n_r)
        img = np.full((geometry.n_layers, n_r), np.nan)
        for i in range(geometry.n_layers):
            layer = mean[geometry.layer_slice(i)].reshape(geometry.n_alpha[i], geometry.n_r[i]).sum(axis=0)
            img[i, : geometry.n_r[i]] = layer
        return img

    ir, ig = image(ref_mean), image(gen_mean)
    vmax = np.nanmax(ir) if np.isfinite(ir).any() else 1.0
    norm = LogNorm(vmin=max(vmax * 1e-5, 1e-6), vmax=vmax)
    fig, axes = plt.subplots(1, 3, figsize=(13, 4.5))
    for ax, img, title in ((axes[0], ir, "reference"), (axes[1], ig, "generated")):
        im = ax.imshow(np.clip(img, norm.vmin, None), aspect="auto", origin="lower", norm=norm)
        ax.set(title=f"{title}: mean energy [MeV]", xlabel="radial bin", ylabel="layer index")
        fig.colorbar(im, ax=ax)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = ig / ir
    im = axes[2].imshow(ratio, aspect="auto", origin="lower", cmap="RdBu_r", vmin=0.5, vmax=1.5)
    axes[2].set(title="generated / reference", xlabel="radial bin", ylabel="layer index")
    fig.colorbar(im, ax=axes[2])
    fig.tight_layout()
    save_figure(fig, path, dpi=120)
    return path
