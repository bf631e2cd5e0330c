"""``hepzoo`` commands: plugins, list, info, sample, evaluate, data, train, convert, publish, mirror."""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from pathlib import Path

from hepzoo.errors import ConfigError, HepzooError, OutputError, PluginError

__all__ = ["main", "build_parser"]


def _parse_cond(items: list[str]) -> dict[str, str]:
    """``KEY=VALUE`` pairs as text; the model parses each by its declared kind (label, integer, number)."""
    cond = {}
    for item in items or []:
        key, sep, value = item.partition("=")
        key, value = key.strip(), value.strip()
        if not sep or not key or not value:
            raise ConfigError(f"--cond takes key=value (e.g. --cond type=top --cond pt=1000), got {item!r}")
        if key in cond:
            raise ConfigError(f"--cond {key} given twice; give each condition once")
        cond[key] = value
    return cond


def _output_named(output: str) -> None:
    """Refuse an empty ``-o`` (the shell's ``-o ''``) by name, before any work."""
    if not output.strip():
        raise OutputError("-o is empty; give a file or folder name such as out/jets.h5")


HDF5_SUFFIXES = (".h5", ".hdf5")
MODEL_HELP = "family/tag (see 'hepzoo list'), hf-hub:org/repo[@rev], or a model folder: ./my-model, /abs/path, ~/m"


def _h5_named(output: str) -> None:
    """Refuse an ``-o`` whose suffix would mislabel the HDF5 file written to it, before any work."""
    _suffix_named(output, HDF5_SUFFIXES, "an HDF5 file")


def _suffix_named(output: str, suffixes: tuple[str, ...], what: str) -> None:
    """Refuse an empty ``-o``, or one whose suffix would mislabel ``what`` (e.g. "a JSON file") written to it.

    So a command never writes over a file of another kind (``-o jets.h5`` for a JSON result).
    """
    _output_named(output)
    suffix = Path(output).suffix
    if suffix.lower() not in suffixes and not Path(output).is_dir():  # a folder: refused as such later
        others = f" (or {', '.join(suffixes[1:])})" if len(suffixes) > 1 else ""
        raise OutputError(
            f"-o {output} would hold {what} under a {suffix or 'missing'} suffix; name it "
            f"{Path(output).stem or 'out'}{suffixes[0]}{others}"
        )


_DISK_MARGIN = 1.25  # the file's chunk index and metadata, and batches that compress worse than the first


def _check_disk(output: str, n: int, first) -> None:
    """Refuse, after the first batch, ``n`` events whose file would not fit on the disk.

    The files are gzip-compressed (level 4, h5py's default), so the first batch's arrays are
    compressed the same way to estimate bytes per event; only a run whose estimate (with a margin)
    exceeds the free space is refused.
    """
    import zlib

    import numpy as np

    stored = sum(len(zlib.compress(np.ascontiguousarray(a).tobytes(), 4)) for a in first.numpy().values())
    per_event = _DISK_MARGIN * stored / max(len(first), 1)
    folder = Path(output).resolve().parent
    free = shutil.disk_usage(folder).free
    if per_event * n > free:
        raise OutputError(
            f"-n {n} events take about {per_event * n / 1e9:,.1f} GB ({per_event:,.0f} bytes each as the file "
            f"stores them) and {folder} has {free / 1e9:,.1f} GB free; ask for fewer events or write elsewhere"
        )


def cmd_plugins(args) -> int:
    from hepzoo.plugins.manager import plugin_report

    infos = plugin_report()
    if args.json:
        print(json.dumps([_info_dict(i) for i in infos], indent=2))
        return 0
    for info in infos:
        status = f"FAILED: {info.error}" if info.error else "ok"
        print(f"{info.name}  ({info.distribution} {info.version})  {status}")
        for kind, names in sorted(info.registered.items()):
            print(f"    {kind}: {', '.join(sorted(names))}")
    return 0


def _info_dict(info) -> dict:
    return {
        "name": info.name,
        "distribution": info.distribution,
        "version": info.version,
        "module": info.module,
        "error": info.error,
        "registered": info.registered,
    }


def cmd_list(args) -> int:
    from hepzoo.plugins.manager import get_registry

    entries = get_registry().list_pretrained(args.pattern)
    if args.json:
        print(json.dumps([{"id": e.id, "dataset": e.dataset, "repo_id": e.repo_id, "license": e.license,
                           "description": e.description} for e in entries], indent=2))
        return 0
    if not entries:
        print("no models match" if args.pattern else "no models registered (install a plugin: hepzoo plugins)")
    width = max((len(e.id) for e in entries), default=0)
    for e in entries:
        print(f"{e.id:<{width}}  {e.description}")
    return 0


def cmd_info(args) -> int:
    from hepzoo.api import info
    from hepzoo.conditions import Condition

    data = info(args.model)
    if args.json:
        print(json.dumps(data, indent=2, default=str))
        return 0
    for key in ("id", "description", "family_description", "repo_id", "revision", "license", "dataset"):
        print(f"{key:>18}: {data.get(key)}")
    print(f"{'papers':>18}: {', '.join('arXiv:' + p for p in data['papers'])}")
    print(f"{'law':>18}: {data['law']}  (samplers: {', '.join(data['samplers']) or '?'})")
    for fname, sha in data["files"].items():
        print(f"{'file':>18}: {fname}  sha256={sha[:16]}...")
    for name, value in data["metrics"].items():
        print(f"{'metric':>18}: {name} = {value}")
    if data.get("conditions") is None:
        print(f"{'conditions':>18}: unknown ({data.get('conditions_error')})")
    elif not data["conditions"]:
        print(f"{'conditions':>18}: none (unconditional)")
    pinned = data.get("pinned_conditions") or {}
    for c in data.get("conditions") or ():
        allowed = f"pinned to {pinned[c['name']]}" if c["name"] in pinned else Condition(**c).describe()
        print(f"{'condition':>18}: {c['name']} ({c['kind']}): {allowed}"
              + (f"  -- {c['description']}" if c.get("description") else ""))
    if pinned:
        print(f"{'pinned':>18}: {', '.join(f'{k}={v}' for k, v in pinned.items())}  (this id fixes them)")
    return 0


def cmd_sample(args) -> int:
    """Sample batch by batch straight into the file: it is opened (location checked) before any sampling."""
    import hepzoo
    from hepzoo.data.formats import write_samples

    _h5_named(args.output)
    model = hepzoo.load(args.model)
    batches = model.sample_batches(
        args.n,
        cond=_parse_cond(args.cond) or None,
        sampler=args.sampler,
        steps=args.steps,
        seed=args.seed,
        batch_size=args.batch_size,
        device=args.device,
        progress=not args.quiet,
    )
    last: dict = {}

    def recorded():
        for i, batch in enumerate(batches):
            if i == 0:
                _check_disk(args.output, args.n, batch)
            last.update(batch.meta)
            yield batch

    path = write_samples(recorded(), args.output, representation=model.representation)
    seconds = last.get("seconds", 0.0)
    rate = f" ({args.n / seconds:,.0f} events/s on {last['device']})" if seconds else ""
    print(f"wrote {args.n} events to {path}{rate}")
    return 0


def _reference(spec: str):
    """A file path, or a registered dataset ``name[:split]`` (default split: test)."""
    from hepzoo.data.datasets import load_dataset
    from hepzoo.evaluation import load_samples
    from hepzoo.plugins.manager import get_registry

    if Path(spec).exists():
        return load_samples(spec)
    name, _, split = spec.partition(":")
    if name in get_registry().names("dataset"):
        return load_dataset(name, split or "test")
    raise ConfigError(f"--reference {spec!r} is neither a file nor a dataset (see 'hepzoo data list')")


def _evaluator_options(kind: str) -> tuple[str, ...]:
    """The options the evaluator of this representation takes."""
    from hepzoo.plugins.manager import get_registry

    return get_registry().evaluator(kind).options


def cmd_evaluate(args) -> int:
    from hepzoo.config import positive_int
    from hepzoo.evaluation import check_samples, evaluate, format_report, load_samples

    limit = None if args.max_events is None else positive_int("--max-events", args.max_events)
    if args.output:
        from hepzoo.atomic import check_writable_folder

        check_writable_folder(args.output)  # a bad -o is refused before any metric runs
    gen = load_samples(args.generated)[:limit]
    check_samples(gen, "generated")  # a broken or tiny file is refused before the reference is read
    ref = _reference(args.reference)[:limit]
    options = {"classifier": None if args.classifier == "none" else args.classifier} if args.classifier else {}
    if options:
        from hepzoo.plugins.manager import get_registry

        registry = get_registry()
        if "classifier" not in registry.evaluator(gen.representation.kind).options:
            takes = [n for n in registry.names("evaluator") if "classifier" in registry.evaluator(n).options]
            raise ConfigError(
                f"--classifier applies to {' and '.join(takes) or 'no'} samples, not {gen.representation.kind}"
            )
    if "progress" in _evaluator_options(gen.representation.kind):
        options["progress"] = not args.quiet
    metrics = evaluate(gen, ref, output_dir=args.output, seed=args.seed, generated_checked=True, **options)
    print(format_report(metrics))
    if args.output:
        print(f"metrics and plots in {args.output}")
    return 0


def _parse_set(dataset: str, items: list[str]) -> dict:
    """``--set KEY=VALUE`` pairs, each parsed as the type of the generator option's default (no guessing)."""
    import inspect
    import math

    from hepzoo.data.datasets import get_dataset

    maker = get_dataset(dataset).maker
    defaults = {} if maker is None else {
        name: p.default for name, p in inspect.signature(maker).parameters.items() if p.default is not p.empty
    }
    options: dict = {}
    for item in items or []:
        key, sep, value = (part.strip() for part in item.partition("="))
        if not sep or not key:
            raise ConfigError(f"--set takes key=value (e.g. --set e_min=1e4), got {item!r}")
        default = defaults.get(key)
        kind = type(default) if isinstance(default, (bool, int, float)) else str
        try:
            if kind is bool:
                if value.lower() not in ("true", "false"):
                    raise ValueError
                options[key] = value.lower() == "true"
            else:
                options[key] = kind(value)
        except ValueError:
            shown = {int: "an integer", float: "a number", bool: "true or false"}[kind]
            raise ConfigError(f"--set {key} takes {shown} (default {default!r}), got {value!r}") from None
        if kind is float and not math.isfinite(options[key]):
            raise ConfigError(f"--set {key} takes a finite number, got {value!r}")
    return options


def cmd_data_make(args) -> int:
    from hepzoo.config import positive_int
    from hepzoo.data.datasets import make_dataset

    options = _parse_set(args.dataset, args.set)
    workers = positive_int("--workers", args.workers)
    if args.output is not None:
        _output_named(args.output)
    path = make_dataset(args.dataset, args.n, args.output, seed=args.seed, workers=workers,
                        progress=not args.quiet, **options)
    print(f"wrote {args.n} events of {args.dataset} to {path}")
    return 0


def cmd_data_list(args) -> int:
    from hepzoo.plugins.manager import get_registry

    for name in get_registry().names("dataset"):
        print(name)
    return 0


def cmd_data_merge(args) -> int:
    from hepzoo.data.merge import merge_files

    path = merge_files(args.inputs, args.output)
    print(f"merged {len(args.inputs)} files into {path}")
    return 0


def cmd_data(args) -> int:
    return {"make": cmd_data_make, "list": cmd_data_list, "merge": cmd_data_merge}[args.data_command](args)


def _family_tool(family: str, tool: str):
    from hepzoo.plugins.manager import get_registry
    from hepzoo.registry import import_target

    return import_target(get_registry().family_tool(family, tool))


def cmd_train(args, rest: list[str]) -> int:
    from hepzoo.training import main_train, recipe_for

    return main_train(recipe_for(args.family), rest)


def cmd_convert(args, rest: list[str]) -> int:
    """The family's converter, after the checks every family needs: a real input file, a writable -o."""
    from hepzoo.atomic import check_folder_target
    from hepzoo.hub.local import is_model_folder

    source = Path(args.checkpoint)
    if not source.exists():
        raise ConfigError(f"{source} does not exist; pass the authors' checkpoint file")
    if not source.is_file():
        raise ConfigError(f"{source} is not a regular file (a folder or a device); pass the checkpoint file")
    if source.stat().st_size == 0:
        raise ConfigError(f"{source} is empty (0 bytes); download the checkpoint again")
    _output_named(args.output)
    check_folder_target(args.output, is_model_folder, what="hepzoo model folder")
    return int(_family_tool(args.family, "convert")([args.checkpoint, "-o", args.output, *rest]) or 0)


def cmd_publish(args) -> int:
    from hepzoo.hub.local import load_pretrained
    from hepzoo.hub.publish import publish

    load_pretrained(args.directory)  # refuse to publish a folder that does not load
    card = Path(args.directory) / "README.md"
    if card.is_file():
        try:
            card.read_bytes().decode("utf-8")
        except UnicodeDecodeError as exc:
            raise ConfigError(
                f"{card} is not UTF-8 text (byte {exc.start}); the Hub shows model cards as UTF-8: "
                "write the card again (hepzoo release) or fix its encoding"
            ) from None
    url = publish(args.directory, args.repo_id, revision=args.revision, private=args.private,
                  dry_run=args.dry_run)
    print(url)
    return 0


def _read_notes(path: str) -> str:
    """The ``--notes`` markdown file as text; a missing or non-UTF-8 file is one line naming the fix."""
    try:
        return Path(path).read_bytes().decode("utf-8")
    except (FileNotFoundError, IsADirectoryError):
        raise ConfigError(f"--notes {path} is not a file; pass a markdown file with the training details") from None
    except UnicodeDecodeError as exc:
        raise ConfigError(f"--notes {path} is not UTF-8 text (byte {exc.start}); save it as UTF-8") from None


def cmd_release(args) -> int:
    """One reference file (the model's own prior), or ``NAME=VALUE:FILE`` per value: an id per value of a condition."""
    from hepzoo.hub.card import ModelCard
    from hepzoo.hub.condition_release import parse_references, release_by_condition
    from hepzoo.hub.fidelity import parse_fidelity
    from hepzoo.hub.release import release

    reference = parse_references(args.reference)  # the syntax of every input first, before any work
    fidelity = {}
    if args.fidelity is not None:
        from hepzoo.config import positive_int

        fidelity = {"fidelity": parse_fidelity(args.fidelity), "fidelity_device": args.fidelity_device,
                    "fidelity_n": positive_int("--fidelity-n", args.fidelity_n)}
    card = ModelCard(
        title=args.title or "",
        description=args.description or "",
        license=args.license,
        datasets=tuple(args.dataset or ()),
        papers=tuple(args.paper or ()),
        body=_read_notes(args.notes) if args.notes else "",
    )
    run = release if isinstance(reference, str) else release_by_condition
    out = run(args.directory, args.output, reference, tag=args.tag, n=args.n, seed=args.seed,
              card=card, reference_command=args.reference_command or "", repo_id=args.repo_id or "",
              plots=not args.no_plots, train_log=args.train_log, **fidelity)
    print(json.dumps({k: v for k, v in out.items() if k != "registry"}, indent=2))
    print("registry entry:\n" + out["registry"])
    return 0


def cmd_mirror(args) -> int:
    """Verify every id and check every target folder first; copy only when all of them pass."""
    from hepzoo.atomic import atomic_folder, check_folder_target
    from hepzoo.hub.local import is_model_folder
    from hepzoo.hub.mirror import mirror_sources

    out = Path(args.output)
    sources = mirror_sources(args.models)  # every id registered and its files verified, once
    for model_id in sources:
        check_folder_target(out / model_id, is_model_folder, what="hepzoo model folder")
    for model_id, source in sources.items():
        target = out / model_id
        with atomic_folder(target, is_model_folder, what="hepzoo model folder") as tmp:
            shutil.copytree(source, tmp, dirs_exist_ok=True)
        print(f"{model_id} -> {target}")
    print(f"use it with: export HEPZOO_PATH={out.resolve()}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="hepzoo", description=__doc__)
    p.add_argument("--debug", action="store_true", help="show tracebacks (also accepted after the subcommand)")
    sub = p.add_subparsers(dest="command", required=True)

    s = sub.add_parser("plugins", help="list plugins, what they registered, or why they failed")
    s.add_argument("--json", action="store_true")
    s = sub.add_parser("list", help="list registered models")
    s.add_argument("pattern", nargs="?")
    s.add_argument("--json", action="store_true")
    s = sub.add_parser("info", help="show a model's registry entry")
    s.add_argument("model", help=MODEL_HELP)
    s.add_argument("--json", action="store_true")

    s = sub.add_parser("sample", help="sample events from a model into a file")
    s.add_argument("model", help=MODEL_HELP)
    s.add_argument("-n", type=int, required=True, help="number of events")
    s.add_argument("-o", "--output", required=True, help="output file (JetNet / CaloChallenge HDF5)")
    s.add_argument("--sampler")
    s.add_argument("--steps", type=int)
    s.add_argument("--batch-size", type=int)
    s.add_argument("--device")
    s.add_argument("--seed", type=int)
    s.add_argument(
        "--cond",
        action="append",
        metavar="KEY=VALUE",
        help="fix a condition, e.g. type=top or pt=1000 (each parsed by its declared kind)",
    )
    s.add_argument("-q", "--quiet", action="store_true")

    s = sub.add_parser("evaluate", help="metrics and plots of generated events against a reference")
    s.add_argument("generated")
    s.add_argument("--reference", required=True, help="a file, or a dataset name[:split] (default split test)")
    s.add_argument("-o", "--output", help="folder for metrics.json and plots")
    s.add_argument("--max-events", type=int)
    s.add_argument("--seed", type=int, default=0)
    s.add_argument("--classifier", choices=("auto", "full", "cpu", "small", "resnet", "none"),
                   help="showers: auto (default: the challenge's DNN on a GPU, the CPU preset with early "
                   "stopping otherwise), full (the challenge's), cpu, small, resnet (the challenge's ResNet "
                   "in place of the cls-low DNN), none")
    s.add_argument("-q", "--quiet", action="store_true", help="no progress bars")

    s = sub.add_parser("data", help="make, list or merge datasets")
    dsub = s.add_subparsers(dest="data_command", required=True)
    m = dsub.add_parser("make", help="generate a dataset file")
    m.add_argument("dataset")
    m.add_argument("-n", type=int, required=True)
    m.add_argument("-o", "--output")
    m.add_argument("--workers", type=int, default=1)
    m.add_argument("--seed", type=int, default=0)
    m.add_argument("--set", action="append", metavar="KEY=VALUE",
                   help="a generator option, e.g. e_min=1e4 e_max=1e4 (showers, MeV)")
    m.add_argument("-q", "--quiet", action="store_true")
    dsub.add_parser("list", help="list registered datasets")
    g = dsub.add_parser("merge", help="join files made in pieces (same recipe, distinct seeds) into one")
    g.add_argument("inputs", nargs="+")
    g.add_argument("-o", "--output", required=True)

    s = sub.add_parser("train", add_help=False,
                       help="train a family with the core engine ('hepzoo train FAMILY --help' lists the options)")
    s.add_argument("family")
    s = sub.add_parser("convert", help="convert an authors' checkpoint into a hepzoo model folder")
    s.add_argument("family")
    s.add_argument("checkpoint")
    s.add_argument("-o", "--output", required=True)

    s = sub.add_parser("publish", help="upload a model folder to the Hugging Face Hub")
    s.add_argument("directory")
    s.add_argument("--repo-id", required=True)
    s.add_argument("--revision")
    s.add_argument("--private", action="store_true")
    s.add_argument("--dry-run", action="store_true")
    s = sub.add_parser("release", help="evaluate a trained model on held-out data and write its Hub folder + card")
    s.add_argument("directory", help="the trained model folder (save_pretrained)")
    s.add_argument("--reference", required=True, action="append", metavar="FILE | NAME=VALUE:FILE",
                   help="held-out reference file; or, once per value of a categorical condition, NAME=VALUE:FILE "
                   "(e.g. --reference type=top:top.h5 --reference type=gluon:gluon.h5): the card holds each value's "
                   "metrics and the id TAG-VALUE pins it")
    s.add_argument("--tag", required=True)
    s.add_argument("-o", "--output", required=True, help="e.g. registry/FAMILY/TAG")
    s.add_argument("-n", type=int, default=10_000)
    s.add_argument("--seed", type=int, default=1)
    s.add_argument("--title")
    s.add_argument("--description")
    s.add_argument("--license", default="mit")
    s.add_argument("--dataset", action="append")
    s.add_argument("--paper", action="append", help="arXiv id")
    s.add_argument("--notes", help="markdown file with training details for the card")
    s.add_argument("--reference-command", help="the command that makes the reference file")
    s.add_argument("--repo-id")
    s.add_argument("--train-log", help="the run's train_log.jsonl (or run folder): training curves on the card")
    s.add_argument("--no-plots", action="store_true", help="a card without figures")
    s.add_argument("--fidelity", metavar="'SAMPLER:STEPS,... ...'",
                   help="time-vs-fidelity table, e.g. 'heun:5,10,20,50,100 dpmpp-2m:10,20' "
                   "(students: 'multistep-consistency:1,3,5'): events/s and W1M per point, on the first reference")
    s.add_argument("--fidelity-n", type=int, default=10_000, help="events per fidelity point (default 10000)")
    s.add_argument("--fidelity-device", default="cpu", help="device the fidelity points are timed on (default cpu)")
    s = sub.add_parser("mirror", help="copy verified models into a folder for offline clusters")
    s.add_argument("models", nargs="+")
    s.add_argument("-o", "--output", required=True)
    _add_plugin_commands(sub)
    return p


def _add_plugin_commands(sub) -> None:
    """Subcommands registered through the ``register_commands`` hook (the core's own are defined above)."""
    from hepzoo.plugins.manager import get_registry
    from hepzoo.registry import import_target

    for spec in get_registry().commands():
        if spec.name in sub.choices:
            continue
        s = sub.add_parser(spec.name, help=spec.help)
        if spec.arguments:
            try:
                import_target(spec.arguments)(s)
            except Exception as exc:  # one broken command must not take the command line down
                s.set_defaults(command_error=f"{spec.arguments}: {type(exc).__name__}: {exc}")


def main(argv: list[str] | None = None) -> int:
    from hepzoo.plugins.manager import get_registry

    parser = build_parser()
    argv = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in argv  # accepted anywhere, before or after the subcommand
    args, rest = parser.parse_known_args([a for a in argv if a != "--debug"])
    args.debug = debug
    try:
        entry = get_registry().get("command", args.command)
        spec = entry.extra["spec"]
        if rest and not spec.passthrough:
            parser.error(f"unrecognized arguments: {' '.join(rest)}")
        try:
            if getattr(args, "command_error", None):
                raise ImportError(args.command_error)
            run = spec.load()
        except (ImportError, AttributeError) as exc:
            raise PluginError(
                f"command {spec.name!r} of {entry.distribution} does not load ({exc}); "
                "reinstall that plugin, or see 'hepzoo plugins'"
            ) from exc
        return int((run(args, rest) if spec.passthrough else run(args)) or 0)
    except (HepzooError, FileNotFoundError, PermissionError) as exc:
        if args.debug:
            raise
        print(f"hepzoo: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("hepzoo: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
