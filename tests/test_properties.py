"""Property tests of every parser of outside input: whatever it is given, it loads correctly or raises
one HepzooError (a one-line message), never another exception.

Covered: model ids (parse and locate), ``--cond`` values (text, numbers, arrays), ``--set`` generator
options, model-card front matter, a model folder's config.json, JetNet and CaloChallenge HDF5 files
(random datasets, shapes, dtypes and attributes written with h5py). Each example that once broke a
parser is kept as an explicit ``@example`` (and a plain regression test where it reads better).
The number of examples is bounded by the hypothesis profile in conftest.py.
"""

from __future__ import annotations

import json
import math
import tempfile
from pathlib import Path

import h5py
import numpy as np
import pytest
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from hepzoo.conditions import JET_TYPE, Condition, check_given
from hepzoo.errors import HepzooError
from hepzoo.hub.card import ModelCard, parse_front_matter
from hepzoo.hub.resolve import ModelRef, parse_model_id

FIXTURES_OK = settings(suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


def _one_line(exc: BaseException) -> None:
    assert isinstance(exc, HepzooError), f"{type(exc).__name__}: {exc}"
    assert str(exc) and "\n" not in str(exc), repr(str(exc))


# -- model ids ----------------------------------------------------------------------------------------

PREFIXES = st.sampled_from(["", "hf-hub:", "hf_hub:", "local-dir:", "epic-gan/", "hf-hub:org/repo@", "s3:"])
MODEL_IDS = st.one_of(st.text(max_size=40), st.builds(str.__add__, PREFIXES, st.text(max_size=30)))


@given(MODEL_IDS)
@example("hf-hub:org/repo@")
@example("hf-hub:org/repo@..")
@example("hf-hub:org/repo@a b")
@example("local-dir:")
@example("local-dir:\0")
def test_any_model_id_parses_or_is_refused_in_one_line(text):
    try:
        ref = parse_model_id(text)
    except Exception as exc:  # noqa: BLE001 - the property: only HepzooError
        _one_line(exc)
        return
    assert isinstance(ref, ModelRef) and ref.kind in ("registered", "hf-hub", "local-dir")
    assert ref.name
    if ref.kind == "hf-hub":
        assert ref.revision and " " not in ref.revision and ".." not in ref.revision
    if ref.kind == "registered":
        family, tag = ref.name.split("/")
        assert family and tag


def test_revision_and_local_dir_regressions():
    for bad in ("hf-hub:org/repo@a b", "hf-hub:org/repo@../x", "local-dir:", "local-dir:a\0b"):
        with pytest.raises(HepzooError):
            parse_model_id(bad)
    assert parse_model_id("hf-hub:org/repo@refs/pr/1").revision == "refs/pr/1"
    assert parse_model_id("hf-hub:org/repo@").revision == "main"


@FIXTURES_OK
@given(text=MODEL_IDS)
@example(text="local-dir:\0")
@example(text="local-dir:\n0")
@example(text="local-dir:/dev/null")
def test_any_model_id_locates_or_is_refused_in_one_line(text, registry, tmp_path, monkeypatch):
    import hepzoo

    monkeypatch.setenv("HF_HUB_OFFLINE", "1")  # an hf-hub: id must not reach the network here
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "empty-cache"))
    monkeypatch.setattr("huggingface_hub.constants.HF_HUB_CACHE", str(tmp_path / "empty-cache"))
    monkeypatch.chdir(tmp_path)
    try:
        path = hepzoo.locate(text)
    except Exception as exc:  # noqa: BLE001
        _one_line(exc)
        return
    assert (path / "config.json").is_file()


# -- conditions: --cond text, Python values, per-event arrays ------------------------------------------

CONDITIONS = [
    Condition("pt", "GeV", low=100.0, high=3000.0),
    Condition("n_particles", kind="integer", low=1, high=150),
    JET_TYPE,
    Condition("free"),
]
VALUES = st.one_of(
    st.text(max_size=12),
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.booleans(),
    st.none(),
    st.binary(max_size=8),
    st.sampled_from(["٣", "²", "1e400", "-0", "0x10", "1_000", "top", "T", "", " nan "]),
)


def _check_parsed(cond: Condition, value) -> None:
    assert isinstance(value, (int, float)) and not isinstance(value, bool)
    assert math.isfinite(value)
    if cond.kind == "categorical":
        assert isinstance(value, int) and 0 <= value < len(cond.labels)
    elif cond.discrete:
        assert isinstance(value, int)
    if cond.low is not None and cond.kind != "categorical":
        assert cond.low <= value <= cond.high


@given(st.sampled_from(CONDITIONS), VALUES)
@example(JET_TYPE, "٣")
@example(JET_TYPE, "²")
def test_any_condition_value_parses_or_is_refused(cond, value):
    try:
        parsed = cond.parse(value)
    except Exception as exc:  # noqa: BLE001
        _one_line(exc)
        return
    _check_parsed(cond, parsed)


ARRAY_DTYPES = st.sampled_from(["f4", "f8", "i1", "i8", "u8", "?", "c8", "S3", "U3", "M8[s]", "O"])


@given(st.sampled_from(CONDITIONS), ARRAY_DTYPES.flatmap(
    lambda dt: hnp.arrays(np.dtype(dt) if dt != "O" else np.dtype("f8"), hnp.array_shapes(min_dims=0, max_dims=2,
                                                                                          max_side=4))
    .map(lambda a, dt=dt: a.astype(object) if dt == "O" else a)))
@example(JET_TYPE, np.array([b"top"]))
@example(CONDITIONS[0], np.array([1 + 1j]))
@example(CONDITIONS[0], np.array([True]))
def test_any_condition_array_parses_or_is_refused(cond, values):
    try:
        out = check_given((cond,), {cond.name: values}, n=values.size if values.ndim else None)
    except Exception as exc:  # noqa: BLE001
        _one_line(exc)
        return
    for v in np.atleast_1d(out[cond.name]).tolist():
        _check_parsed(cond, int(v) if cond.discrete else v)


@given(st.lists(st.text(max_size=15), max_size=4))
def test_any_cond_option_text_parses_or_is_refused(items):
    from hepzoo.cli.main import _parse_cond

    try:
        parsed = _parse_cond(items)
    except Exception as exc:  # noqa: BLE001
        _one_line(exc)
        return
    assert all(k and v and "=" not in k for k, v in parsed.items())


# -- --set generator options ---------------------------------------------------------------------------

SET_VALUES = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True), st.integers(-(10**30), 10**30), st.text(max_size=8)
)


@settings(max_examples=15, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(e_min=SET_VALUES, e_max=SET_VALUES)
@example(e_min="abc", e_max=1e4)
@example(e_min=float("inf"), e_max=float("inf"))
@example(e_min=1e300, e_max=1e300)
def test_any_shower_generator_option_makes_a_file_or_is_refused(e_min, e_max, tmp_path):
    import uuid

    from hepzoo.data.calochallenge_io import read_calochallenge
    from hepzoo.data.datasets import make_dataset

    out = tmp_path / f"s-{uuid.uuid4().hex}.h5"  # tmp_path is shared by every example of one run
    try:
        make_dataset("calochallenge-ds2", 1, out, seed=0, progress=False, e_min=e_min, e_max=e_max)
    except Exception as exc:  # noqa: BLE001
        _one_line(exc)
        assert not out.exists()
        return
    samples = read_calochallenge(out)
    assert np.isfinite(samples.x).all() and e_min <= samples.cond["energy"][0] <= e_max


# -- model-card front matter ---------------------------------------------------------------------------


@given(st.text(max_size=200))
@example("---")
@example("---\n---")
@example("---\n- orphan\nkey: [1, 2\n---\nbody")
def test_any_card_text_gives_front_matter_or_is_refused(text):
    try:
        out = parse_front_matter(text)
    except Exception as exc:  # noqa: BLE001
        _one_line(exc)
        return
    assert isinstance(out, dict)


CARD_TEXT = st.text(st.characters(exclude_categories=("Cs",)), max_size=20)


@given(
    tags=st.lists(CARD_TEXT, max_size=3),
    datasets=st.lists(CARD_TEXT, max_size=2),
    metrics=st.dictionaries(CARD_TEXT.filter(bool), st.floats(allow_nan=False, allow_infinity=False), max_size=3),
    body=CARD_TEXT,
)
@example(tags=["a---b"], datasets=[], metrics={}, body="")
@example(tags=[], datasets=["x"], metrics={}, body="---\nlicense: stolen\n---")
def test_rendered_card_front_matter_round_trips(tags, datasets, metrics, body):
    card = ModelCard(tags=tuple(tags), datasets=tuple(datasets), metrics=metrics, body=body)
    front = parse_front_matter(card.render("fam", "tag"))
    assert front["library_name"] == "hepzoo" and front["license"] == "mit"
    assert front["tags"][:4] == ["hepzoo", "high-energy-physics", "fast-simulation", "fam"]
    assert set(tags) <= set(front["tags"])
    assert front.get("datasets", []) == list(datasets)
    assert front.get("hepzoo_metrics", {}) == metrics


# -- HDF5 event files: random datasets, shapes, dtypes and attributes ----------------------------------

H5_DTYPES = st.sampled_from(["f4", "f8", "i4", "u1", "?", "c8", "S4"])
SHAPES = hnp.array_shapes(min_dims=0, max_dims=4, min_side=0, max_side=5)
ELEMENTS = st.sampled_from([0.0, 1.0, 0.5, -1.0, 2.0, 150.0, 1e3, np.nan, np.inf, -np.inf, 1e30, 3.0])


@st.composite
def datasets(draw, shape=SHAPES):
    dtype = np.dtype(draw(H5_DTYPES))
    data = draw(hnp.arrays("f8", shape, elements=ELEMENTS))
    if dtype.kind == "S":
        return data.astype(str).astype(dtype)
    with np.errstate(invalid="ignore", over="ignore"):
        return np.nan_to_num(data, nan=0, posinf=255, neginf=0).astype(dtype) if dtype.kind in "iu?" else data.astype(dtype)


ATTR_TEXT = st.text(st.characters(exclude_characters="\0", exclude_categories=("Cs",)), max_size=10)  # h5py's limit
ATTR_VALUES = st.one_of(ATTR_TEXT, st.integers(-5, 5), st.floats(), st.just("[1, 2"), st.just('["a", "b"]'))


def _attrs(draw, obj) -> None:
    for key, value in draw(st.dictionaries(st.sampled_from(["labels", "columns", "unknown", "_json_keys", "x"]),
                                           ATTR_VALUES, max_size=3)).items():
        obj.attrs[key] = value


@st.composite
def jetnet_like_files(draw):
    """A dict of dataset name -> array (or 'group'), drawn around the JetNet layout."""
    n = draw(st.integers(0, 4))
    p = draw(st.integers(1, 4))
    shape = st.one_of(st.just((n, p, 4)), st.just((n, p, 3)), SHAPES)
    layout = {"particle_features": draw(st.one_of(datasets(shape), st.none()))}
    layout["jet_features"] = draw(st.one_of(datasets(st.one_of(st.just((n, 4)), SHAPES)), st.none()))
    layout["jet_type"] = draw(st.one_of(st.none(), datasets(st.one_of(st.just((n,)), SHAPES))))
    layout["conditions/pt"] = draw(st.one_of(st.none(), datasets(st.one_of(st.just((n,)), SHAPES))))
    return layout


@st.composite
def calochallenge_like_files(draw):
    n = draw(st.integers(0, 3))
    voxels = draw(st.sampled_from([368, 533, 6480, 7, 0]))
    layout = {
        "incident_energies": draw(st.one_of(datasets(st.one_of(st.just((n, 1)), st.just((n,)), SHAPES)), st.none())),
        "showers": draw(st.one_of(datasets(st.one_of(st.just((n, voxels)), SHAPES)), st.none())),
        "conditions/x": draw(st.one_of(st.none(), datasets(st.one_of(st.just((n,)), SHAPES)))),
    }
    return layout


def _write(path: Path, layout: dict, draw_attrs) -> None:
    with h5py.File(path, "w") as f:
        for name, data in layout.items():
            if data is None:
                continue
            ds = f.create_dataset(name, data=data)
            draw_attrs(ds)
        group = f.create_group("metadata")
        draw_attrs(group)


def _read_any(reader, layout: dict, data) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "events.h5"
        _write(path, layout, lambda obj: _attrs(data.draw, obj))
        try:
            samples = reader(path)
        except Exception as exc:  # noqa: BLE001
            _one_line(exc)
            event("refused")
            return
        event("read")
        assert np.isfinite(samples.x).all()
        assert all(len(np.atleast_1d(v)) == len(samples.x) for v in samples.cond.values())
        json.dumps(samples.meta, default=str)


@given(jetnet_like_files(), st.data())
def test_any_jetnet_like_file_reads_or_is_refused(layout, data):
    from hepzoo.data.jetnet_io import read_jetnet

    _read_any(read_jetnet, layout, data)


@given(calochallenge_like_files(), st.data())
def test_any_calochallenge_like_file_reads_or_is_refused(layout, data):
    from hepzoo.data.calochallenge_io import read_calochallenge

    _read_any(read_calochallenge, layout, data)


@given(st.one_of(jetnet_like_files(), calochallenge_like_files()), st.data())
def test_any_event_file_reads_through_the_format_registry_or_is_refused(layout, data):
    from hepzoo.data.formats import read_samples

    _read_any(read_samples, layout, data)


@given(st.binary(max_size=64))
@example(b"")
@example(b"\x89HDF\r\n\x1a\n")
def test_any_bytes_as_an_event_file_are_refused_in_one_line(blob):
    from hepzoo.data.formats import read_samples

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "events.h5"
        path.write_bytes(blob)
        with pytest.raises(HepzooError) as info:
            read_samples(path)
        _one_line(info.value)


# -- the files the property tests found, as explicit regressions ---------------------------------------


def _jetnet_file(path: Path, **extra) -> Path:
    particles = np.zeros((2, 3, 4), np.float32)
    particles[:, :2] = [0.1, -0.1, 0.5, 1.0]
    jets = np.array([[1000.0, 0.1, 80.0, 2.0]] * 2, np.float32)
    with h5py.File(path, "w") as f:
        f["particle_features"], f["jet_features"] = particles, jets
        for name, value in extra.items():
            if name.startswith("attr:"):
                f.require_group("metadata").attrs[name[5:]] = value
            else:
                f[name] = value
    return path


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"jet_type": np.array([0.5, 1.0])}, "not one integer class per jet"),  # was read as 0: quietly wrong
        ({"jet_type": np.array([7, 1])}, "outside 0..4"),  # was accepted
        ({"jet_type": np.int64(1)}, "not one integer class"),  # scalar: ValueError from h5py
        ({"conditions/pt": np.float64(3.0)}, "not one finite number per event"),  # scalar: ValueError
        ({"conditions/pt": np.array([1.0, np.nan])}, "not one finite number per event"),
        ({"conditions/pt": np.array([b"a", b"b"])}, "not numbers"),
        ({"particle_features": None}, "not numbers"),
    ],
)
def test_jetnet_reader_regressions(tmp_path, extra, message):
    from hepzoo.data.jetnet_io import read_jetnet

    if extra.get("particle_features", 0) is None:
        path = tmp_path / "s.h5"
        with h5py.File(path, "w") as f:
            f["particle_features"] = np.array([[[b"x"] * 4]])
            f["jet_features"] = np.zeros((1, 4), np.float32)
    else:
        path = _jetnet_file(tmp_path / "j.h5", **extra)
    with pytest.raises(HepzooError, match=message) as info:
        read_jetnet(path)
    _one_line(info.value)


def test_foreign_metadata_attributes_are_kept_not_fatal(tmp_path):
    from hepzoo.data.jetnet_io import read_jetnet

    path = _jetnet_file(tmp_path / "j.h5", **{"attr:_json_keys": "[1, 2", "attr:note": "[not json"})
    assert read_jetnet(path).meta["note"] == "[not json"  # was a JSONDecodeError
    path = _jetnet_file(tmp_path / "k.h5", **{"attr:_json_keys": '["note"]', "attr:note": "[not json"})
    assert read_jetnet(path).meta["note"] == "[not json"


@pytest.mark.parametrize(
    ("energies", "showers", "message"),
    [
        (np.float64(1e4), np.ones((1, 368)), "must be"),  # scalar energies: IndexError
        (np.full((1, 1), 1e4), np.full((1, 368), np.nan), "NaN/inf voxels"),  # were read as they are
        (np.full((1, 1), 1e4), np.array([[b"x"] * 368]), "not numbers"),
    ],
)
def test_calochallenge_reader_regressions(tmp_path, energies, showers, message):
    from hepzoo.data.calochallenge_io import read_calochallenge

    path = tmp_path / "c.h5"
    with h5py.File(path, "w") as f:
        f["incident_energies"], f["showers"] = energies, showers
    with pytest.raises(HepzooError, match=message) as info:
        read_calochallenge(path)
    _one_line(info.value)


# -- a model folder's config.json ----------------------------------------------------------------------

# config.json is read strictly by hepzoo.config.read_model_json (no coercion, no missing or unknown
# keys, UTF-8 and a JSON object checked first).

JSON_LEAVES = st.one_of(
    st.none(), st.booleans(), st.integers(-(2**40), 2**40), st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=8), st.sampled_from([0, -1, 1, 2**31, 150.9, "150", "nan", True, [], {}]),
)
JSON_VALUES = st.recursive(JSON_LEAVES, lambda inner: st.one_of(st.lists(inner, max_size=3),
                                                                st.dictionaries(st.text(max_size=6), inner, max_size=3)),
                           max_leaves=6)
VALID_CONFIGS = {
    "epic-gan": Path(__file__).resolve().parents[1] / "registry" / "epic-gan" / "jetnet150-top" / "config.json",
    "calodiffusion-unet": Path(__file__).resolve().parents[1] / "plugins" / "calodiffusion" / "tests" / "data" / "config.json",
    "pc-droid-cae": Path(__file__).resolve().parents[1] / "plugins" / "pc-droid" / "tests" / "data" / "config.json",
}


def _paths(doc, prefix=()):
    """Every key path in a JSON document (to a leaf or a sub-object)."""
    if isinstance(doc, dict):
        for key, value in doc.items():
            yield (*prefix, key)
            yield from _paths(value, (*prefix, key))


@st.composite
def config_documents(draw, valid: dict):
    """A valid config.json with one or two edits: a value replaced, a key dropped or added; or any JSON at all."""
    doc = json.loads(json.dumps(valid))
    if draw(st.integers(0, 9)) == 0:
        return draw(JSON_VALUES)
    for _ in range(draw(st.integers(1, 2))):
        paths = list(_paths(doc))
        path = draw(st.sampled_from(paths))
        parent = doc
        for key in path[:-1]:
            parent = parent[key]
        action = draw(st.sampled_from(["replace", "drop", "add"]))
        if action == "replace":
            parent[path[-1]] = draw(JSON_VALUES)
        elif action == "drop":
            del parent[path[-1]]
        else:
            parent[draw(st.text(min_size=1, max_size=6))] = draw(JSON_VALUES)
    return doc


def _build(text: bytes):
    from hepzoo.hub.local import build_model

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "config.json"
        path.write_bytes(text)
        return build_model(path)


def _valid_tabular_config() -> dict:
    return {"schema_version": 1, "family": "test-tabular-edm", "tag": "unit", "hepzoo_version": "0.1.0",
            "config": {"columns": ["a", "b"], "hidden": 32, "prior_rows": 64}}


@FIXTURES_OK
@given(data=st.data())
@example(data=None)
def test_any_config_json_builds_a_model_or_is_refused_in_one_line(registry, data):
    valid = {"test-tabular-edm": _valid_tabular_config(),
             **{k: json.loads(p.read_text()) for k, p in VALID_CONFIGS.items()}}
    if data is None:  # the files as written build
        for doc in valid.values():
            assert _build(json.dumps(doc).encode()) is not None
        return
    family = data.draw(st.sampled_from(sorted(valid)))
    doc = data.draw(config_documents(valid[family]))
    try:
        model = _build(json.dumps(doc).encode())
    except Exception as exc:  # noqa: BLE001
        _one_line(exc)
        event("refused")
        return
    event("built")
    assert model.family in valid


@FIXTURES_OK
@given(blob=st.binary(max_size=40))
@example(blob=b"\xff\xfe{}")
@example(blob=b"[1, 2]")
@example(blob=b'{"schema_version": "1"}')
@example(blob=b'{"schema_version": 1, "family": "epic-gan", "config": {"norm_sigma": NaN}}')
def test_any_config_bytes_are_refused_in_one_line(registry, blob):
    with pytest.raises(HepzooError) as info:
        _build(blob)
    _one_line(info.value)


def test_an_error_quoting_a_line_break_stays_one_line():
    from hepzoo.errors import ConfigError

    assert str(ConfigError("local-dir:\n0\tx is not a folder")) == "local-dir:\\n0\\tx is not a folder"
    assert str(ConfigError("ünïcode stays")) == "ünïcode stays"
