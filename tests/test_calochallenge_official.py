"""Separation powers against the CaloChallenge's own code (CaloChallenge/homepage, code/) on the same files.

The official code is looked for where ``hepzoo.testing.calochallenge_official`` looks; without
it the test skips. It is imported, never copied.
"""

from __future__ import annotations

import numpy as np
import pytest

from hepzoo.data.calochallenge_io import read_calochallenge, write_calochallenge
from hepzoo.data.showers.geometry import Geometry
from hepzoo.data.showers.gflash import simulate_showers
from hepzoo.metrics.shower_features import high_level_features, min_energy
from hepzoo.metrics.showers import apply_threshold, separation_powers
from hepzoo.representations.voxel import Voxel
from hepzoo.samples import Samples
from hepzoo.testing.calochallenge_official import official_code_dir, official_separation_powers


@pytest.mark.slow
def test_separation_powers_equal_the_official_code(tmp_path):
    code = official_code_dir()
    if code is None:
        pytest.skip("the CaloChallenge code (CaloChallenge/homepage code/) is not present")
    g = Geometry.named("ds2")
    v = Voxel.from_geometry("ds2")
    paths = []
    for seed, scale in ((11, 1.0), (12, 1.05)):
        rng = np.random.default_rng(seed)
        e = np.exp(rng.uniform(np.log(1e3), np.log(1e6), 600))
        x = simulate_showers(g, e, rng) * scale
        paths.append(write_calochallenge(tmp_path / f"s{seed}.h5", Samples(x=x, representation=v, cond={"energy": e})))
    ref_path, gen_path = paths
    official = official_separation_powers(code, ref_path, gen_path, tmp_path)
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
