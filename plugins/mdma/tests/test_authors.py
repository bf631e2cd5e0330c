"""Ours against the authors' MDMA ``Gen``/``Disc`` (kaechb/MDMA, NeurIPS branch) with the same random weights.

Needs their checkout: ``HEPZOO_MDMA_AUTHORS`` (default /work/control/mdma); skipped when absent.
"""

from __future__ import annotations

import os
import warnings
from pathlib import Path

import pytest

from hepzoo_mdma.config import CriticConfig, GeneratorConfig

AUTHORS = Path(os.environ.get("HEPZOO_MDMA_AUTHORS", "/work/control/mdma"))
pytestmark = pytest.mark.skipif(not (AUTHORS / "models.py").is_file(),
                                reason=f"the authors' MDMA checkout is not at {AUTHORS} (set HEPZOO_MDMA_AUTHORS)")


@pytest.mark.slow
@pytest.mark.parametrize("hidden", [(48, 64), (128, 128)])
def test_generator_and_critic_match_the_authors(hidden):
    from hepzoo_mdma.authors import compare_with_authors

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        diffs = compare_with_authors(AUTHORS, GeneratorConfig(hidden=hidden[0]), CriticConfig(hidden=hidden[1]),
                                     jets=32, max_particles=30)
    assert diffs["output_scale"] > 0.5
    assert diffs["gen_dense"] < 1e-5 * diffs["output_scale"] + 1e-5
    assert diffs["gen_masked"] < 1e-4 and diffs["critic_masked"] < 1e-5 and diffs["mean_field"] < 1e-5
    assert diffs["gen_authors_padded"] > 1e-3  # their padded batch starts the mean field from padding too


def test_a_wrong_folder_is_one_line(tmp_path):
    from hepzoo.errors import InvalidDataError
    from hepzoo_mdma.authors import load_authors_models

    with pytest.raises(InvalidDataError, match="models.py") as info:
        load_authors_models(tmp_path)
    assert "\n" not in str(info.value)
