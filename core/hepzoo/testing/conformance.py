"""The conformance suite every family's tests inherit: subclass and provide a ``model`` fixture.

```python
from hepzoo.testing.conformance import ModelConformance

class TestMyFlow(ModelConformance):
    @pytest.fixture
    def model(self):
        return build_small_model()  # a Model with fitted preprocessing/prior, any weights
```
"""

from __future__ import annotations

import numpy as np
import pytest

from hepzoo.errors import ConfigError, HepzooError, IncompatibleSamplerError
from hepzoo.laws import Law

__all__ = ["ModelConformance"]


class ModelConformance:
    """Behaviour hepzoo promises for every model: shapes, determinism, persistence, errors."""

    n_events = 16
    sample_kwargs: dict = {}

    def _sample(self, model, **kwargs):
        return model.sample(self.n_events, **{"seed": 1, **self.sample_kwargs, **kwargs})

    def test_sample_is_valid(self, model):
        samples = self._sample(model)
        assert len(samples) == self.n_events
        model.representation.validate(samples.x, samples.mask)
        assert np.isfinite(samples.x).all()
        for value in samples.cond.values():
            assert len(value) == self.n_events

    def test_mask_matches_multiplicity(self, model):
        samples = self._sample(model)
        if samples.mask is None or "n_particles" not in samples.cond:
            pytest.skip("not a point-cloud model with multiplicities")
        np.testing.assert_array_equal(samples.mask.sum(1), samples.cond["n_particles"].astype(int))

    def test_same_seed_same_events(self, model):
        a, b = self._sample(model, seed=3), self._sample(model, seed=3)
        np.testing.assert_array_equal(a.x, b.x)
        c = self._sample(model, seed=4)
        assert not np.array_equal(a.x, c.x)

    def test_small_batches_are_deterministic(self, model):
        a = self._sample(model, seed=5, batch_size=5)
        b = self._sample(model, seed=5, batch_size=5)
        assert a.x.shape[0] == self.n_events
        np.testing.assert_array_equal(a.x, b.x)

    def test_save_load_round_trip(self, model, tmp_path):
        import hepzoo

        folder = model.save_pretrained(tmp_path / "model")
        for name in ("config.json", "model.safetensors", "README.md"):
            assert (folder / name).is_file()
        loaded = hepzoo.load(f"local-dir:{folder}")
        np.testing.assert_array_equal(self._sample(model).x, self._sample(loaded).x)

    def test_weights_load_strictly(self, model, tmp_path):
        from safetensors.torch import load_file, save_file

        from hepzoo.hub.local import load_pretrained

        folder = model.save_pretrained(tmp_path / "model")
        state = load_file(str(folder / "model.safetensors"))
        state.pop(sorted(state)[0])
        save_file(state, str(folder / "model.safetensors"))
        with pytest.raises(ConfigError, match="missing keys"):
            load_pretrained(folder)

    def test_bad_arguments_are_clear(self, model):
        with pytest.raises(ConfigError, match="positive"):
            model.sample(0)
        with pytest.raises(HepzooError, match="unknown sampler"):
            model.sample(2, sampler="no-such-sampler")

    def test_incompatible_sampler_is_refused(self, model):
        other = "heun" if model.law == Law.GENERATOR else "one-shot"
        with pytest.raises(IncompatibleSamplerError):
            model.sample(2, sampler=other)
