"""``hepzoo release`` of one all-type model with a held-out file per jet type: per-type card sections,
pinned ids that reproduce them, the time-vs-fidelity table, and bad inputs refused before sampling."""

from __future__ import annotations

import contextlib
import hashlib
import os
import pprint
import re
from pathlib import Path

import numpy as np
import pytest

import hepzoo
from hepzoo.hub.card import card_metrics, parse_front_matter
from hepzoo.hub.condition_release import ConditionReference, release_by_condition
from hepzoo.hub.fidelity import parse_fidelity
from hepzoo.hub.publish import pretrained_entries, registry_snippet
from hepzoo.model import Model
from hepzoo_pc_droid.model import PcDroidCAE

N, SEED, TAG = 120, 3, "typed-release-test"
SMALL = {"metrics": ("w1m", "w1p"), "min_events": 20}  # tiny samples: two metrics, a lower minimum


def _reference(make_jets, path: Path, type_index: int, seed: int, n_jets: int = 1000) -> Path:
    """The jets of one type among ``n_jets`` synthetic jets of all five (a fifth of them)."""
    jets = make_jets(n_jets, 12, seed)
    jets[np.flatnonzero(jets.cond["type"] == type_index)].save(path)
    return path


@pytest.fixture(scope="module")
def released(tmp_path_factory, registry_module, make_jets, make_model):
    """A tiny all-type model released with a top and a gluon reference and a three-point fidelity table."""
    root = tmp_path_factory.mktemp("typed-release")
    make_model(PcDroidCAE, make_jets(200, 12, 0)).save_pretrained(root / "model")
    refs = [ConditionReference("type", "top", _reference(make_jets, root / "ref-top.h5", 1, 6)),
            ConditionReference("type", "g", _reference(make_jets, root / "ref-gluon.h5", 0, 7))]
    out = release_by_condition(root / "model", root / "reg" / "pc-droid-cae" / TAG, refs, tag=TAG, n=N, seed=SEED,
                               plots=False, fidelity=parse_fidelity("heun:2,4 dpmpp-2m:3"), fidelity_n=100, **SMALL)
    return {"root": root, "out": out, "refs": refs, "folder": Path(out["folder"])}


@pytest.fixture(scope="module")
def registry_module():
    from hepzoo.plugins.manager import get_registry

    return get_registry()


def test_the_card_holds_each_types_metrics_beside_its_truth_floor(released):
    folder = released["folder"]
    text = (folder / "README.md").read_text()
    front = parse_front_matter(text)
    by_type = released["out"]["metrics_by_condition"]["type"]
    assert list(by_type) == ["top", "gluon"]  # "g" is named by its label
    assert front["hepzoo_metrics_by_condition"] == {"type": by_type}
    assert card_metrics(front, {"type": "gluon"}) == by_type["gluon"]
    assert set(by_type["top"]) == {"w1m", "w1p"} and by_type["top"]["w1m"]["truth"] > 0
    assert by_type["top"]["w1m"]["value"] != by_type["gluon"]["w1m"]["value"]
    top = text.split("### type = top: `pc-droid-cae/typed-release-test-top`", 1)[1].split("### type = gluon", 1)[0]
    w1m = by_type["top"]["w1m"]
    assert f"| W1M ×10^3 | {w1m['value'] * 1e3:.3f} ± {w1m['error'] * 1e3:.3f} |" in top
    assert f"hepzoo sample pc-droid-cae/{TAG}-top -n {N} --seed {SEED} --device cpu -o generated-top.h5" in top
    assert "hepzoo evaluate generated-top.h5 --reference ref-top.h5" in top
    assert re.search(rf"^Generation speed: the {N} events above took [\d.]+ s with `model.sample` \(heun, \d+ steps?\)"
                     r": \*\*[\d,]+ events/s\*\* on CPU", top, re.M)  # each type's own sampling, timed
    assert "hepzoo_metrics:" not in text  # the all-type id has no one set of metrics
    truth = f"{w1m['truth'] * 1e3:.3f} ± "
    assert f"| top | {w1m['value'] * 1e3:.3f} ± {w1m['error'] * 1e3:.3f} | {truth}" in text  # the overview table


def test_each_pinned_id_is_a_link_to_the_same_files(released):
    folder = released["folder"]
    for label in ("top", "gluon"):
        link = folder.parent / f"{TAG}-{label}"
        assert link.is_symlink() and os.readlink(link) == TAG
        for name in ("config.json", "model.safetensors", "README.md"):
            assert (link / name).read_bytes() == (folder / name).read_bytes()
    entries = pretrained_entries(folder, "pc-droid-cae", TAG, "org/x", condition="type",
                                 metrics=released["out"]["metrics_by_condition"]["type"])
    assert [(e["tag"], e.get("pinned_conditions")) for e in entries] == [
        (TAG, None), (f"{TAG}-gluon", {"type": "gluon"}), (f"{TAG}-top", {"type": "top"})]
    assert len({str(e["files"]) for e in entries}) == 1
    assert "'pinned_conditions': {'type': 'top'}" in released["out"]["registry"]
    assert registry_snippet(folder, "org/x") == "PRETRAINED = " + pprint.pformat(entries, sort_dicts=True, width=110)


@pytest.fixture
def registered(released, registry_module, monkeypatch):
    """The release's ids registered as a plugin would, found through HEPZOO_PATH (offline)."""
    from hepzoo.registry import PretrainedEntry

    monkeypatch.setenv("HEPZOO_PATH", str(released["folder"].parent.parent))
    monkeypatch.setenv("HEPZOO_NO_CHECKOUT_REGISTRY", "1")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    entries = pretrained_entries(released["folder"], "pc-droid-cae", TAG, "hepzoo-test/typed",
                                 condition="type", metrics=released["out"]["metrics_by_condition"]["type"])
    with _registered(registry_module, [PretrainedEntry(**entry) for entry in entries]):
        yield released


class _Unregister(Exception):
    """Raised at the end of a test's registration: the registry's transaction undoes it."""


@contextlib.contextmanager
def _registered(registry, entries):
    """Register ``entries`` for one test only, so other tests' ``hepzoo list`` never sees them."""
    try:
        with registry.transaction("hepzoo-tests"):
            for entry in entries:
                registry.add_pretrained(entry)
            yield
            raise _Unregister
    except _Unregister:
        pass


def test_the_pinned_id_samples_the_all_type_models_jets_and_reproduces_its_card(registered, tmp_path):
    from hepzoo.cli.main import main
    from hepzoo.evaluation import evaluate, load_samples
    from hepzoo.hub.release import metric_summary

    generated = tmp_path / "generated-top.h5"
    assert main(["sample", f"pc-droid-cae/{TAG}-top", "-n", str(N), "--seed", str(SEED), "--device", "cpu",
                 "-o", str(generated), "-q"]) == 0
    every = hepzoo.load(f"pc-droid-cae/{TAG}").sample(N, cond={"type": "top"}, seed=SEED, device="cpu")
    pinned = load_samples(generated)  # the pinned id's jets, as the file holds them
    assert (pinned.cond["type"] == 1).all()
    for a, b in ((every.x, pinned.x), (every.mask, pinned.mask), (every.cond["pt"], pinned.cond["pt"])):
        assert hashlib.sha256(a.tobytes()).digest() == hashlib.sha256(b.tobytes()).digest()
    result = evaluate(str(generated), registered["refs"][0].path, seed=0, **SMALL)
    card = card_metrics(parse_front_matter((registered["folder"] / "README.md").read_text()), {"type": "top"})
    assert metric_summary(result) == card
    assert hepzoo.info(f"pc-droid-cae/{TAG}-top")["metrics"] == card


def test_the_fidelity_table_has_a_row_per_point_measured_as_evaluate_does(released):
    from hepzoo.evaluation import evaluate, load_samples

    fidelity = released["out"]["fidelity"]
    assert [(r["sampler"], r["steps"]) for r in fidelity["rows"]] == [("heun", 2), ("heun", 4), ("dpmpp-2m", 3)]
    assert fidelity["cond"] == {"type": "top"} and fidelity["n"] == 100
    assert fidelity["truth"]["value"] == released["out"]["metrics_by_condition"]["type"]["top"]["w1m"]["truth"]
    model = hepzoo.load(f"local-dir:{released['folder']}")
    jets = model.sample(100, cond={"type": "top"}, sampler="dpmpp-2m", steps=3, seed=SEED, device="cpu")
    again = evaluate(jets, load_samples(released["refs"][0].path), seed=0, metrics=("w1m",), truth_split=False,
                     min_events=20)
    assert fidelity["rows"][2]["value"] == again["gen_vs_reference"]["w1m"]["value"]
    text = (released["folder"] / "README.md").read_text()
    row = fidelity["rows"][1]
    assert f"| heun | 4 | {row['events_per_s']:,.0f} | {row['value'] * 1e3:.3f} ± {row['error'] * 1e3:.3f} |" in text
    assert parse_front_matter(text)["hepzoo_fidelity"]["rows"][0]["steps"] == 2


@pytest.fixture
def no_sampling(monkeypatch):
    """Bad input must be refused before the first event is drawn."""
    monkeypatch.setattr(Model, "sample_batches", lambda *a, **k: pytest.fail("sampled before refusing"))


@pytest.mark.parametrize(("args", "said"), [
    (["--reference", "type=charm:{top}"], "type=charm"),
    (["--reference", "type=gluon:{top}"], "holds type=top events, not gluon"),
    (["--reference", "type=top:{top}", "--reference", "type=t:{gluon}"], "gives type=top twice"),
    (["--reference", "type=top:{top}", "--reference", "type=top:{gluon}"], "given twice"),
    (["--reference", "pt=1000:{top}"], "categorical conditions: type"),
    (["--reference", "{top}", "--reference", "type=top:{top}"], "one file for every event"),
    (["--reference", "type=top:{top}", "--fidelity", "heun:"], "is not SAMPLER:STEPS"),
    (["--reference", "type=top:{top}", "--fidelity", "heun:0"], "positive"),
    (["--reference", "type=top:{top}", "--fidelity", "heun:5 heun:5"], "twice"),
    (["--reference", "type=top:{top}", "--fidelity", "one-shot:1"], "one-shot:1: sampler 'one-shot' integrates"),
    (["--reference", "type=top:{top}", "--fidelity", "no-such-solver:3"], "unknown sampler"),
    (["--reference", "type=top:{top}", "--fidelity-n", "0", "--fidelity", "heun:5"], "--fidelity-n"),
])
def test_bad_release_inputs_are_one_line_before_any_sampling(released, no_sampling, tmp_path, capsys, args, said):
    from hepzoo.cli.main import main

    files = {"top": released["refs"][0].path, "gluon": released["refs"][1].path}
    argv = ["release", str(released["root"] / "model"), "--tag", "x", "-o", str(tmp_path / "out"), "--no-plots",
            *(a.format(**files) for a in args)]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert said in err and err.count("\n") == 1 and "Traceback" not in err
    assert not (tmp_path / "out").exists()


def test_a_real_folder_where_a_pinned_id_goes_is_refused_before_sampling(released, no_sampling, tmp_path):
    from hepzoo.errors import OutputError

    (tmp_path / "x-top").mkdir()
    (tmp_path / "x-top" / "mine.txt").write_text("mine")
    with pytest.raises(OutputError, match="x-top exists and is not a link"):
        release_by_condition(released["root"] / "model", tmp_path / "x", released["refs"][:1], tag="x", n=N)
    assert (tmp_path / "x-top" / "mine.txt").read_text() == "mine"


def test_card_metrics_names_a_value_the_card_does_not_hold(released):
    from hepzoo.errors import ConfigError

    front = parse_front_matter((released["folder"] / "README.md").read_text())
    with pytest.raises(ConfigError, match="no metrics for type=w .*'type': \\['gluon', 'top'\\]"):
        card_metrics(front, {"type": "w"})


def test_a_single_reference_release_takes_the_fidelity_table_too(released, tmp_path):
    from hepzoo.hub.release import release

    out = release(released["root"] / "model", tmp_path / "one", released["refs"][0].path, tag="one", n=100, seed=1,
                  plots=False, fidelity=parse_fidelity("euler:3"), fidelity_n=50, **SMALL)
    text = (tmp_path / "one" / "README.md").read_text()
    front = parse_front_matter(text)
    assert front["hepzoo_fidelity"]["rows"][0]["sampler"] == "euler" and front["hepzoo_fidelity"]["cond"] == {}
    assert out["fidelity"]["rows"][0]["steps"] == 3 and front["hepzoo_metrics"] == out["metrics"]
    assert text.index("Reproduce with:") < text.index("## Time vs fidelity")


@pytest.mark.slow
def test_the_cli_release_and_hepzoo_evaluate_agree_on_every_metric(released, registry_module, make_jets, tmp_path,
                                                                     monkeypatch, capsys):
    """The published path end to end: hepzoo release -> hepzoo sample the pinned id -> hepzoo evaluate -o."""
    import json

    from hepzoo.cli.main import main
    from hepzoo.hub.release import metric_summary
    from hepzoo.registry import PretrainedEntry

    reference = _reference(make_jets, tmp_path / "test-top.h5", 1, 11, 5000)  # 1000 tops: FPD/KPD's minimum, halved
    folder = tmp_path / "reg" / "pc-droid-cae" / "cli-release-test"
    assert main(["release", str(released["root"] / "model"), "--reference", f"type=t:{reference}", "--tag",
                 "cli-release-test", "-o", str(folder), "-n", "500", "--seed", "2", "--no-plots"]) == 0
    capsys.readouterr()
    monkeypatch.setenv("HEPZOO_PATH", str(tmp_path / "reg"))
    monkeypatch.setenv("HEPZOO_NO_CHECKOUT_REGISTRY", "1")
    front = parse_front_matter((folder / "README.md").read_text())
    entries = pretrained_entries(folder, "pc-droid-cae", "cli-release-test", "hepzoo-test/cli",
                                 condition="type", metrics=front["hepzoo_metrics_by_condition"]["type"])
    generated, report = tmp_path / "generated-top.h5", tmp_path / "report"
    with _registered(registry_module, [PretrainedEntry(**entries[1])]):
        assert main(["sample", "pc-droid-cae/cli-release-test-top", "-n", "500", "--seed", "2", "--device", "cpu",
                     "-o", str(generated), "-q"]) == 0
    assert main(["evaluate", str(generated), "--reference", str(reference), "-o", str(report), "-q"]) == 0
    result = json.loads((report / "metrics.json").read_text())
    card = card_metrics(front, {"type": "top"})
    assert set(card) == {"w1m", "w1p", "w1efp", "fpd", "kpd"}
    assert metric_summary(result) == card  # JSON keeps every float exactly
