"""``hepzoo adherence SOURCE``: how closely a model's jets follow the pT, mass and eta asked of them."""

from __future__ import annotations

import json
from pathlib import Path

from hepzoo.errors import ConfigError, OutputError

__all__ = ["configure", "cmd_adherence"]

FILE_BATCH = 10_000  # jets read from a file at a time when --batch-size is not given


def configure(parser) -> None:
    """The command's arguments (torch-free: built for every ``hepzoo`` call)."""
    parser.add_argument("source", help="a conditional jet model (family/tag, hf-hub:, a model folder such as "
                        "./my-model) or a generated jet file")
    parser.add_argument("--cond", action="append", default=[], metavar="KEY=VALUE[,KEY=VALUE]",
                        help="the jets to ask for, e.g. type=t,pt=1100,mass=175 (others drawn from the prior)")
    parser.add_argument("-n", type=int, default=1000, help="jets to generate (default 1000)")
    parser.add_argument("-o", "--output", help="write the result here as JSON (default: print it)")
    parser.add_argument("--sampler")
    parser.add_argument("--steps", type=int)
    parser.add_argument("--batch-size", type=int, help=f"jets generated, or read from a file, at a time (file "
                        f"default {FILE_BATCH})")
    parser.add_argument("--device")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress bar")


def cmd_adherence(args) -> int:
    """Generate (or read) jets, rebuild each jet from its constituents, compare with what was requested.

    ``-o`` is checked (a .json name in a writable folder, not the jet file itself) before any jet is
    drawn or read; an existing JSON file there is replaced, as ``sample -o`` replaces its file.
    """
    from hepzoo.cli.main import _parse_cond
    from hepzoo.evaluation import conditional_adherence, write_metrics_json

    cond = _parse_cond([part for item in args.cond for part in item.split(",") if part.strip()])
    path = Path(args.source)
    is_file = path.suffix in (".h5", ".hdf5") or path.is_file()
    if args.output is not None:
        _check_output(args.output, path if is_file else None)
    if is_file:
        if cond or args.sampler or args.steps:
            raise ConfigError(f"{path} holds generated jets with their own conditions; --cond, --sampler and "
                              "--steps apply to a model only")
        from hepzoo.config import positive_int
        from hepzoo.data.jetnet_io import read_jetnet_batches

        batch_size = FILE_BATCH if args.batch_size is None else positive_int("--batch-size", args.batch_size)
        samples, source = read_jetnet_batches(path, batch_size), {"file": str(path)}  # memory does not grow with the file
    else:
        import hepzoo

        model = hepzoo.load(args.source)
        if not model.conditions or "pt" not in {c.name for c in model.conditions}:
            raise ConfigError(f"{args.source} takes no jet pt condition, so there is nothing to adhere to; "
                              "pass a conditional jet model")
        batches = model.sample_batches(args.n, cond=cond or None, sampler=args.sampler, steps=args.steps,
                                       seed=args.seed, batch_size=args.batch_size, device=args.device,
                                       progress=not args.quiet)
        source = {"cond": cond}
        samples = _recording(batches, source)  # measured batch by batch: memory does not grow with -n
    result = {**conditional_adherence(samples), "source": source}
    if args.output is not None:
        write_metrics_json(result, args.output)
        pt = result["pt"]["relative"]
        print(f"wrote {args.output}: {pt['within']['0.3%']:.1%} of {result['n_jets']} jets within 0.3% of the "
              f"requested pT (median {pt['q50']:+.2%})")
    else:
        print(json.dumps(result, indent=2, sort_keys=True))
    return 0


def _check_output(output: str, jet_file: Path | None) -> None:
    """Refuse a bad ``-o`` before any work: not a .json name, not writable, or the jet file being measured."""
    from hepzoo.atomic import check_writable_file
    from hepzoo.cli.main import _suffix_named

    _suffix_named(output, (".json",), "a JSON file")
    target = check_writable_file(output)
    if jet_file is not None and target.exists() and jet_file.exists() and target.samefile(jet_file):
        raise OutputError(f"-o {output} is the jet file being measured; write the result to another file")


def _recording(batches, source: dict):
    """The batches as they come, copying where they came from (model, sampler, steps, seed) into ``source``."""
    for batch in batches:
        source.update({k: batch.meta[k] for k in ("model", "sampler", "steps", "seed") if k in batch.meta})
        yield batch
