"""``hepzoo train FAMILY``: the same options for every family, plus the family's own."""

from __future__ import annotations

import argparse
from collections.abc import Sequence

import attrs

from hepzoo.training.options import SCHEDULES, TrainOptions
from hepzoo.training.recipe import Recipe

__all__ = ["recipe_for", "build_train_parser", "options_from_args", "main_train", "parse_duration"]

_UNITS = {"s": 1.0, "m": 60.0, "h": 3600.0}


def parse_duration(text: str) -> float:
    """Seconds from ``3600``, ``90s``, ``45m`` or ``2.5h``."""
    text = str(text).strip().lower()
    scale = _UNITS.get(text[-1:], None)
    try:
        value = float(text[:-1] if scale else text) * (scale or 1.0)
    except ValueError:
        raise argparse.ArgumentTypeError(f"takes seconds or a duration like 45m or 2.5h, got {text!r}") from None
    return value


def recipe_for(family: str) -> Recipe:
    """The training recipe a family registered (``add_family(..., recipe="module:Class")``)."""
    from hepzoo.plugins.manager import get_registry
    from hepzoo.registry import import_target

    return import_target(get_registry().family_tool(family, "recipe"))()


def build_train_parser(recipe: Recipe, prog: str | None = None) -> argparse.ArgumentParser:
    """The engine's options (defaults from the recipe) followed by the family's own."""
    d = {**{f.name: f.default for f in attrs.fields(TrainOptions)}, **recipe.defaults}
    p = argparse.ArgumentParser(prog=prog or f"hepzoo train {recipe.family}", parents=[_family_parser(recipe)],
                                description=f"Train the {recipe.family} family with hepzoo's training engine.")
    p.add_argument("--data", required=True, help="training file, or a registered dataset name")
    p.add_argument("--out", required=True, help="run folder: checkpoints, log, best/ and model/; "
                   "the same command on the same folder resumes")
    p.add_argument("--epochs", type=int, help=f"default {d['epochs']}")
    p.add_argument("--steps", type=int, help="stop after this many steps in total")
    p.add_argument("--time-limit", type=parse_duration, help="stop cleanly, checkpointed, before this wall time "
                   "(seconds, or 45m, 2.5h)")
    p.add_argument("--batch-size", type=int, help=f"default {d['batch_size']}")
    p.add_argument("--lr", type=float, help=f"learning rate (default {d['lr']}); may change on resume")
    p.add_argument("--lr-schedule", choices=SCHEDULES, help=f"default {d['lr_schedule']}")
    p.add_argument("--warmup-steps", type=int, help="linear warm-up steps")
    p.add_argument("--min-lr-ratio", type=float, help="cosine: final lr / lr")
    p.add_argument("--clip-grad", type=float, help="clip each network's gradient norm to this")
    p.add_argument("--ema", type=float, help="EMA decay of the model, e.g. 0.999 (validated and exported)")
    p.add_argument("--bf16", action=argparse.BooleanOptionalAction, default=None,
                   help="bfloat16 autocast (default: on for CUDA, off for CPU)")
    p.add_argument("--compile", action="store_true", default=None,
                   help="torch.compile the networks the step calls (dynamic shapes; the first steps compile, "
                   "seconds to minutes); whether it pays depends on the family: see its training-speed table")
    p.add_argument("--threads", type=int, help="torch CPU threads (on a CPU shared with other jobs, 1 thread or "
                   "OMP_WAIT_POLICY=PASSIVE: spinning threads slow each other down many times over)")
    p.add_argument("--device", help="cpu, cuda, cuda:N (default: cuda if available)")
    p.add_argument("--seed", type=int, help=f"default {d['seed']}")
    p.add_argument("--checkpoint-every", type=int, help=f"steps (default {d['checkpoint_every']})")
    p.add_argument("--checkpoint-every-minutes", type=float,
                   help=f"wall-clock minutes (default {d['checkpoint_every_minutes']})")
    p.add_argument("--valid-every", type=int, help="also validate every N steps (always after each epoch)")
    p.add_argument("--log-every", type=int, help=f"steps (default {d['log_every']})")
    p.add_argument("--no-resume", action="store_true", help="start over even if --out holds a run")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    return p


def _family_parser(recipe: Recipe) -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(add_help=False)
    recipe.add_arguments(p.add_argument_group(f"{recipe.family} options"))
    return p


def options_from_args(recipe: Recipe, args: argparse.Namespace) -> TrainOptions:
    """The recipe's defaults, overridden by every option given on the command line."""
    values = dict(recipe.defaults)
    for field in attrs.fields(TrainOptions):
        given = getattr(args, field.name, None)
        if given is not None and not (field.name == "quiet" and given is False):
            values[field.name] = given
    return TrainOptions(**values)


def main_train(recipe: Recipe, argv: Sequence[str] | None = None, prog: str | None = None) -> int:
    """Parse ``argv``, load the data the recipe reads, train (or resume) into ``--out``."""
    from hepzoo.training.engine import check_run_folder, train

    parser = build_train_parser(recipe, prog)
    args = parser.parse_args(argv)
    family_names = set(vars(_family_parser(recipe).parse_args([])))
    recipe.args.update({k: v for k, v in vars(args).items() if k in family_names})
    options = options_from_args(recipe, args)
    check_run_folder(args.out)
    train_set, valid_set = recipe.load_data(args.data)
    print(f"training {recipe.family} on {len(train_set)} events, validating on {len(valid_set)}", flush=True)
    folder = train(recipe, train_set, valid_set, args.out, options, resume=not args.no_resume)
    print(f"best model written to {folder}", flush=True)
    return 0

