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

import functools
import math
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest

from hepzoo.conditions import Condition
from hepzoo.errors import ConfigError, HepzooError, IncompatibleSamplerError
from hepzoo.laws import Law

__all__ = ["ModelConformance"]


class ModelConformance:
    """Behaviour hepzoo promises for every model: shapes, determinism, persistence, errors,
    sampler options, declared conditions honoured exactly, and conditions kept in files."""

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

    # -- the generation path -------------------------------------------------------------------
    def test_sampler_options_reach_the_sampler(self, model, monkeypatch):
        from hepzoo.samplers.base import SamplerSpec

        seen: dict = {}
        original = SamplerSpec.load

        def spy_load(self_spec):
            fn = original(self_spec)

            @functools.wraps(fn)
            def spy(*args, **kwargs):
                seen.update(kwargs)
                return fn(*args, **kwargs)

            return spy

        monkeypatch.setattr(SamplerSpec, "load", spy_load)
        for sampler, option, value in _sampler_options(model):
            seen.clear()
            try:  # a value that is not the default
                out = self._sample(model, sampler=sampler, **{option: value})
            except ConfigError:  # the sampler refuses it for this model (e.g. churn on a velocity law)
                continue
            assert "generator" in seen
            assert seen.get(option) == value, f"{sampler}'s option {option}={value!r} did not reach the sampler"
            assert out.meta["sampler_options"] == {option: value}
            return
        pytest.skip(f"no sampler for {model.law.value} laws takes a numeric option this model accepts")

    def test_unknown_sampler_option_is_refused(self, model):
        with pytest.raises(ConfigError, match="accepts"):
            model.sample(2, seed=0, no_such_option=1.0)

    @pytest.mark.parametrize("bad", [0, -1, 1.5, "3", True])
    def test_bad_steps_batch_size_and_n_are_refused(self, model, bad):
        for kwargs in ({"steps": bad}, {"batch_size": bad}):
            with pytest.raises(ConfigError, match="positive integer"):
                model.sample(2, seed=0, **kwargs)
        with pytest.raises(ConfigError, match="positive integer"):
            model.sample(bad, seed=0)

    # -- declared conditions ---------------------------------------------------------------------
    def test_conditions_are_declared(self, model):
        assert all(isinstance(c, Condition) for c in model.conditions)
        samples = self._sample(model)
        assert set(samples.cond) == {c.name for c in model.conditions}
        for c in model.conditions:
            if c.discrete:
                assert samples.cond[c.name].dtype == np.int64, c.name

    def test_conditions_are_honoured_exactly(self, model):
        drawn = self._sample(model, seed=11)
        for c in model.conditions:
            value = drawn.cond[c.name][0].item()
            given = c.labels[int(value)] if c.kind == "categorical" else value
            out = self._sample(model, seed=12, cond={c.name: given})
            np.testing.assert_array_equal(out.cond[c.name], np.full(self.n_events, value, out.cond[c.name].dtype))

    def test_invalid_conditions_are_refused(self, model):
        for c in model.conditions:
            bad: list = [math.nan, math.inf]
            if c.kind == "categorical":
                bad += ["no-such-label", len(c.labels), -1, 0.5]
            else:
                if c.high is not None:
                    bad.append(c.high + abs(c.high) + 1)
                if c.low is not None:
                    bad.append(c.low - abs(c.low) - 1)
                if c.kind == "integer":
                    bad.append((c.low if c.low is not None else 0) + 0.5)
            for value in bad:
                with pytest.raises(ConfigError, match=c.name):
                    model.sample(2, seed=0, cond={c.name: value})
        with pytest.raises(ConfigError, match="unknown conditions"):
            model.sample(2, seed=0, cond={"no_such_condition": 1.0})

    def test_file_round_trip_keeps_conditions(self, model, tmp_path):
        from hepzoo.data import read_samples

        samples = self._sample(model)
        back = read_samples(samples.save(tmp_path / "samples.h5"))  # found by format, as hepzoo evaluate does
        assert back.representation.kind == model.representation.kind
        np.testing.assert_array_equal(back.x, samples.x.astype(back.x.dtype))
        for name, values in samples.cond.items():
            assert name in back.cond, f"condition {name!r} was not written"
            np.testing.assert_array_equal(back.cond[name], values)
        for key in ("seed", "batch_size", "sampler", "steps"):
            assert back.meta.get(key) == samples.meta[key], f"meta {key!r} was not kept"


def _sampler_options(model) -> Iterator[tuple[str, str, Any]]:
    """(sampler, option, a value other than its default) for the samplers that fit the model.

    The model's default sampler first, then the other compatible ones by name.
    """
    from hepzoo.plugins.manager import get_registry

    registry = get_registry()
    names = [model.default_sampler, *sorted(n for n in registry.names("sampler") if n != model.default_sampler)]
    for name in names:
        spec = registry.sampler_spec(name)
        if model.law not in spec.laws:
            continue
        for option, default in spec.options().items():
            if isinstance(default, bool):
                yield name, option, not default
            elif isinstance(default, int):
                yield name, option, default + 1
            elif isinstance(default, float) and math.isfinite(default):
                yield name, option, 0.5 if default == 0 else default / 2
