"""``hepzoo adherence SOURCE``: how closely a model's jets follow the pT, mass and eta asked of them."""

from __future__ import annotations

import json
from pathlib import Path

from hepzoo.errors import ConfigError

__all__ = ["configure", "cmd_adherence"]


def configure(parser) -> None:
    """The command's arguments (torch-free: built for every ``hepzoo`` call)."""
    parser.add_argument("source", help="a conditional jet model (id, hf-hub:, local-dir:) or a generated jet file")
    parser.add_argument("--cond", action="append", default=[], metavar="KEY=VALUE[,KEY=VALUE]",
                        help="the jets to ask for, e.g. type=t,pt=1100,mass=175 (others drawn from the prior)")
    parser.add_argument("-n", type=int, default=1000, help="jets to generate (default 1000)")
    parser.add_argument("-o", "--output", help="write the result here as JSON (default: print it)")
    parser.add_argument("--sampler")
    parser.add_argument("--steps", type=int)
    parser.add_argument("--batch-size", type=int)
    parser.add_argument("--device")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress bar")


def cmd_adherence(args) -> int:
    """Generate (or read) jets, rebuild each jet from its constituents, compare with what was requested."""
    from hepzoo.cli.main import _parse_cond
    from hepzoo.evaluation import conditional_adherence, write_metrics_json

    cond = _parse_cond([part for item in args.cond for part in item.split(",") if part.strip()])
    path = Path(args.source)
    if path.suffix in (".h5", ".hdf5") or path.is_file():
        if cond or args.sampler or args.steps:
            raise ConfigError(f"{path} holds generated jets with their own conditions; --cond, --sampler and "
                              "--steps apply to a model only")
        from hepzoo.data.formats import read_samples

        samples, source = read_samples(path), {"file": str(path)}
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
    if args.output:
        write_metrics_json(result, args.output)
        pt = result["pt"]["relative"]
        print(f"wrote {args.output}: {pt['within']['0.3%']:.1%} of {result['n_jets']} jets within 0.3% of the "
              f"requested pT (median {pt['q50']:+.2%})")
    else:
        print(json.dumps(result, indent=2, sort_keys=True))
    return 0


def _recording(batches, source: dict):
    """The batches as they come, copying where they came from (model, sampler, steps, seed) into ``source``."""
    for batch in batches:
        source.update({k: batch.meta[k] for k in ("model", "sampler", "steps", "seed") if k in batch.meta})
        yield batch
