"""Runs the CaloChallenge's own feature and histogram code (CaloChallenge/homepage, ``code/``) on two files.

For comparisons only: the official code is imported from a folder outside hepzoo (never copied
or shipped), found through ``$HEPZOO_CALOCHALLENGE_CODE``, /work/control/calochallenge/code or
../shared/calochallenge/code beside the checkout.
"""

from __future__ import annotations

import os
import re
import sys
import types
from pathlib import Path

import numpy as np

__all__ = ["official_code_dir", "official_separation_powers", "official_features"]

_ROOT = Path(__file__).resolve().parents[3]
_FILES = ("HighLevelFeatures.py", "XMLHandler.py", "evaluate_plotting_helper.py", "binning_dataset_2.xml")
# the helpers' labels in histogram_chi2_<dataset>.txt -> hepzoo's feature names
_LABELS = {
    "Etot / Einc": "E_ratio",
    "E layer": "E_layer",
    "EC Eta layer": "EC_eta",
    "EC Phi layer": "EC_phi",
    "Width Eta layer": "width_eta",
    "Width Phi layer": "width_phi",
    "Sparsity layer": "sparsity",
    "EC r layer": "EC_r",
    "Width r layer": "width_r",
    "Voxel distribution": "voxel_energy",
}


def official_code_dir() -> Path | None:
    """The folder holding the challenge's ``code/`` files, or None when none of the usual places has it."""
    for c in (os.environ.get("HEPZOO_CALOCHALLENGE_CODE", ""), "/work/control/calochallenge/code",
              str(_ROOT.parent / "shared" / "calochallenge" / "code")):
        if c and all((Path(c) / f).is_file() for f in _FILES):
            return Path(c)
    return None


class _Pyplot:
    """matplotlib.pyplot for the challenge's helpers without drawing: ``hist`` is np.histogram, the rest no-ops.

    ``plt.hist(x, bins=edges, density=True)`` on one array returns np.histogram's values and
    edges, so the helpers' binning, densities and separation powers run unchanged, in seconds.
    """

    @staticmethod
    def hist(x, bins=None, density=False, **_):
        counts, edges = np.histogram(x, bins=bins, density=density)
        return counts, edges, None

    def __getattr__(self, name):
        return lambda *args, **kwargs: None


def _modules(code: Path):
    sys.path.insert(0, str(code))
    try:
        import evaluate_plotting_helper as helper
        import HighLevelFeatures as hlf_module
    finally:
        sys.path.remove(str(code))
    helper.plt = _Pyplot()
    return hlf_module, helper


def official_features(code: Path, path: str | Path, min_energy: float = 0.5e-3 / 0.033):
    """(HighLevelFeatures object with features computed, thresholded showers) of a DS2 file, as evaluate.py makes them."""
    import h5py

    hlf_module, _ = _modules(code)
    with h5py.File(path, "r") as f:
        shower, energy = f["showers"][:], f["incident_energies"][:]
    shower = np.where(shower < min_energy, np.zeros_like(shower), shower)
    hlf = hlf_module.HighLevelFeatures("electron", filename=str(code / "binning_dataset_2.xml"))
    hlf.CalculateFeatures(shower)
    hlf.Einc = energy
    return hlf, shower


def official_separation_powers(code: Path, reference: str | Path, gen: str | Path, out: str | Path) -> dict[str, float]:
    """Every DS2 separation power of the challenge's helpers ('hist-chi' mode, plus sparsity, EC_r, width_r).

    Writes the helpers' ``histogram_chi2_2.txt`` into ``out`` and returns it keyed by hepzoo's names.
    """
    _, helper = _modules(code)
    arg = types.SimpleNamespace(mode="hist-chi", dataset="2", output_dir=str(out), x_scale="log",
                                min_energy=0.5e-3 / 0.033)
    hlf, shower = official_features(code, gen, arg.min_energy)
    ref_hlf, ref_shower = official_features(code, reference, arg.min_energy)
    for plot in ("plot_Etot_Einc", "plot_E_layers", "plot_ECEtas", "plot_ECPhis", "plot_ECWidthEtas",
                 "plot_ECWidthPhis", "plot_sparsity", "plot_ECR", "plot_ECWidthR"):
        getattr(helper, plot)(hlf, ref_hlf, arg)
    helper.plot_cell_dist(shower, ref_shower, arg)
    text = (Path(out) / "histogram_chi2_2.txt").read_text()
    result = {}
    for label, value in re.findall(r"^(.*?):\s*\n(\S+)\s*$", text, flags=re.M):
        m = re.fullmatch(r"(.*?)(?: (\d+))?", label.strip())
        result[_LABELS[m.group(1)] + (f"_{m.group(2)}" if m.group(2) else "")] = float(value)
    return result
