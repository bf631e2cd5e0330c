"""Separation powers against the CaloChallenge's own code (CaloChallenge/homepage, code/) on the same files.

The official code is looked for in ``$HEPZOO_CALOCHALLENGE_CODE``, /work/control/calochallenge/code
and ../shared/calochallenge/code; without it the test skips. It is imported, never copied.
"""

from __future__ import annotations

import os
import re
import sys
import types
from pathlib import Path

import numpy as np
import pytest

from hepzoo.data.calochallenge_io import read_calochallenge, write_calochallenge
from hepzoo.data.showers.geometry import Geometry
from hepzoo.data.showers.gflash import simulate_showers
from hepzoo.metrics.shower_features import high_level_features, min_energy
from hepzoo.metrics.showers import apply_threshold, separation_powers
from hepzoo.representations.voxel import Voxel
from hepzoo.samples import Samples

ROOT = Path(__file__).resolve().parents[1]
CANDIDATES = [
    os.environ.get("HEPZOO_CALOCHALLENGE_CODE", ""),
    "/work/control/calochallenge/code",
    str(ROOT.parent / "shared" / "calochallenge" / "code"),
]


def _official_code() -> Path:
    for c in CANDIDATES:
        if c and (Path(c) / "HighLevelFeatures.py").is_file() and (Path(c) / "evaluate_plotting_helper.py").is_file():
            return Path(c)
    pytest.skip("the CaloChallenge code (CaloChallenge/homepage code/) is not present")


# the official helpers' file labels -> our feature names
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


def _official_separation_powers(code: Path, ref_path: Path, gen_path: Path, out: Path) -> dict[str, float]:
    """Run the challenge's feature and histogram code as evaluate.py's 'hist-chi' mode does; parse its file."""
    import h5py

    sys.path.insert(0, str(code))
    try:
        import evaluate_plotting_helper as helper
        import HighLevelFeatures as HLF
    finally:
        sys.path.remove(str(code))
    helper.plt = _Pyplot()
    arg = types.SimpleNamespace(mode="hist-chi", dataset="2", output_dir=str(out), x_scale="log",
                                min_energy=0.5e-3 / 0.033)
    sets = []
    for path in (gen_path, ref_path):
        with h5py.File(path, "r") as f:
            shower, energy = f["showers"][:], f["incident_energies"][:]
        shower = np.where(shower < arg.min_energy, np.zeros_like(shower), shower)
        hlf = HLF.HighLevelFeatures("electron", filename=str(code / "binning_dataset_2.xml"))
        hlf.CalculateFeatures(shower)
        hlf.Einc = energy
        sets.append((hlf, shower))
    (hlf, shower), (ref_hlf, ref_shower) = sets
    for plot in ("plot_Etot_Einc", "plot_E_layers", "plot_ECEtas", "plot_ECPhis", "plot_ECWidthEtas",
                 "plot_ECWidthPhis", "plot_sparsity", "plot_ECR", "plot_ECWidthR"):
        getattr(helper, plot)(hlf, ref_hlf, arg)
    helper.plot_cell_dist(shower, ref_shower, arg)
    text = (out / "histogram_chi2_2.txt").read_text()
    result = {}
    for label, value in re.findall(r"^(.*?):\s*\n(\S+)\s*$", text, flags=re.M):
        m = re.fullmatch(r"(.*?)(?: (\d+))?", label.strip())
        name = _LABELS[m.group(1)] + (f"_{m.group(2)}" if m.group(2) else "")
        result[name] = float(value)
    return result


@pytest.mark.slow
def test_separation_powers_equal_the_official_code(tmp_path):
    code = _official_code()
    g = Geometry.named("ds2")
    v = Voxel.from_geometry("ds2")
    paths = []
    for seed, scale in ((11, 1.0), (12, 1.05)):
        rng = np.random.default_rng(seed)
        e = np.exp(rng.uniform(np.log(1e3), np.log(1e6), 600))
        x = simulate_showers(g, e, rng) * scale
        paths.append(write_calochallenge(tmp_path / f"s{seed}.h5", Samples(x=x, representation=v, cond={"energy": e})))
    ref_path, gen_path = paths
    official = _official_separation_powers(code, ref_path, gen_path, tmp_path)
    cut = min_energy(g)
    ref, gen = read_calochallenge(ref_path), read_calochallenge(gen_path)
    rx, gx = apply_threshold(ref.x, cut), apply_threshold(gen.x, cut)
    ours = separation_powers(
        high_level_features(gx, gen.cond["energy"], g), high_level_features(rx, ref.cond["energy"], g), g, gx, rx
    )
    assert len(official) == 1 + 45 * 8 + 1
    assert set(official) <= set(ours)
    worst = max(abs(ours[k] - official[k]) for k in official)
    assert worst <= 1e-12, {k: (ours[k], official[k]) for k in official if abs(ours[k] - official[k]) > 1e-12}
