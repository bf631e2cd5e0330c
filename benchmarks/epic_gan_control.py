"""Control comparison: EPiC-GAN trained by the authors' code and by hepzoo's engine, same data and steps.

Either side runs in its own process (run the two side by side, one thread each)::

    python benchmarks/epic_gan_control.py ours    --train T.h5 --valid V.h5 --steps 4000 --out ours.json
    python benchmarks/epic_gan_control.py authors --authors-dir PATH/EPiC-GAN --workdir DIR \\
        --train T.h5 --valid V.h5 --steps 4000 --out authors.json
    python benchmarks/epic_gan_control.py report ours.json authors.json [...] --png curves.png

``ours`` trains through ``hepzoo.training.train`` with ``EpicGanRecipe`` (LSGAN, Adam 1e-4 (0.9, 0.999)
eps 1e-14, one critic step per generator step, multiplicity buckets of <= 128 jets, no EMA, constant
lr). ``authors`` imports ``training.py`` of uhh-pd-ml/EPiC-GAN from ``--authors-dir`` (never from this
repository) and runs its ``training(params)`` with the defaults of its ``start_training.py``; its
wandb / comet_ml / jetnet / energyflow imports get empty stand-ins, its training set is written
as the ``.npy`` its ``get_dataset`` reads ([jets, particles, (pT, eta, phi)], jets re-centred by its
own ``center_jets_tensor``; it computes the normalisation constants from that file itself), its per-epoch
validation (300k generated jets per epoch) is replaced by a constant, and its periodic
``save_model`` call (every ``--valid-every`` steps) is where the common evaluation runs.

The common evaluation is the same for both: at every ``--valid-every`` steps the generator (in
eval mode) makes as many jets as the validation set, with the multiplicities of a fixed draw from
the training multiplicities and the same noise (``torch.Generator`` seeded by ``--eval-seed``);
the output is de-normalised with that side's own constants, re-centred, ordered by pT and its
pT raised to the training minimum (the authors' post-processing), and compared with the
validation jets by ``hepzoo.metrics.w1m`` / ``w1p`` (bootstrap, jetnet's definitions). Steps/s
counts training steps only (evaluation time excluded).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import types
from pathlib import Path

import numpy as np
import torch

from hepzoo.atomic import atomic_path, atomic_write_text
from hepzoo.evaluation.report import save_figure
from hepzoo.metrics import w1m, w1p
from hepzoo.representations import PointCloud
from hepzoo.samples import Samples
from hepzoo_epic_gan.preprocessing import center_jets, from_authors, to_authors

EVAL_SAMPLES = 10_000
EVAL_BATCHES = 5


def load(path: str, max_particles: int) -> Samples:
    """A JetNet HDF5 file read with its ``max_particles`` leading constituents; empty jets dropped."""
    s = PointCloud(max_particles=max_particles).read(Path(path))
    keep = s.mask.sum(1) > 0
    return s if keep.all() else s[np.flatnonzero(keep)]


def eval_counts(train: Samples, n: int, seed: int) -> np.ndarray:
    """``n`` multiplicities drawn (with replacement) from the training multiplicities."""
    return np.random.default_rng(seed).choice(train.mask.sum(1), size=n)


def truth_floor(train: Samples, valid: Samples, seed: int) -> dict[str, float]:
    """The metrics of training jets against the validation jets (the floor a perfect model reaches)."""
    return score(valid, train.x, train.mask, seed)


def score(valid: Samples, x: np.ndarray, mask: np.ndarray, seed: int) -> dict[str, float]:
    ref, gen = (valid.x, valid.mask), (x, mask)
    kw = {"num_eval_samples": EVAL_SAMPLES, "num_batches": EVAL_BATCHES, "seed": seed}
    m, m_std = w1m(ref, gen, **kw)
    p, p_std = w1p(ref, gen, **kw)
    return {"w1m": m, "w1m_std": m_std, "w1p": float(np.mean(p)), "w1p_feats": [float(v) for v in p],
            "w1p_std": float(np.mean(p_std))}


@torch.no_grad()
def generate(generator, counts: np.ndarray, mean, std, pt_min: float, norm_sigma: float, seed: int,
             max_particles: int, latent: int = 10, latent_local: int = 3) -> tuple[np.ndarray, np.ndarray]:
    """Jets ``(x [B, P, (eta, phi, pt)], mask)`` from ``generator(z_global, z_local)`` (normalised, authors' order)."""
    gen = torch.Generator().manual_seed(seed)
    mean, std = torch.as_tensor(mean, dtype=torch.float32), torch.as_tensor(std, dtype=torch.float32)
    x = np.zeros((len(counts), max_particles, 3), np.float32)
    mask = np.zeros((len(counts), max_particles), bool)
    for n in np.unique(counts):
        idx = np.flatnonzero(counts == n)
        for lo in range(0, len(idx), 2048):
            part = idx[lo : lo + 2048]
            z_g = torch.randn((len(part), latent), generator=gen)
            z_l = torch.randn((len(part), int(n), latent_local), generator=gen)
            out = generator(z_g, z_l).float() * (std / norm_sigma) + mean
            out = center_jets(out)
            order = torch.argsort(out[..., 0], dim=1, descending=True)
            out = torch.gather(out, 1, order.unsqueeze(-1).expand_as(out))
            pt = out[..., 0]
            out[..., 0] = torch.where((pt < pt_min) & (pt != 0), torch.full_like(pt, pt_min), pt)
            x[part, : int(n)] = from_authors(out).numpy()
            mask[part, : int(n)] = True
    return x, mask


class Recorder:
    """Evaluates a generator at checkpoints and keeps the curve, timing training steps apart."""

    def __init__(self, args, train: Samples, valid: Samples, side: str) -> None:
        self.args, self.valid, self.side = args, valid, side
        self.counts = eval_counts(train, len(valid), args.eval_seed)
        self.rows: list[dict] = []
        self.start = time.perf_counter()
        self.eval_seconds = 0.0

    def __call__(self, step: int, generator, mean, std, pt_min: float, train_seconds: float | None = None) -> None:
        t0 = time.perf_counter()
        was_training = generator.training
        generator.eval()
        x, mask = generate(generator, self.counts, mean, std, pt_min, 5.0, self.args.eval_seed,
                           self.args.max_particles)
        generator.train(was_training)
        row = {"step": step, **score(self.valid, x, mask, self.args.eval_seed)}
        self.eval_seconds += time.perf_counter() - t0
        wall = time.perf_counter() - self.start
        row["train_seconds"] = round(train_seconds if train_seconds is not None else wall - self.eval_seconds, 2)
        row["steps_per_s"] = round(step / max(row["train_seconds"], 1e-9), 3)
        self.rows.append(row)
        print(f"[{self.side}] step {step}: W1M {row['w1m'] * 1e3:.3f}e-3  W1P {row['w1p'] * 1e3:.3f}e-3  "
              f"({row['steps_per_s']} steps/s)", flush=True)
        self.dump()

    def dump(self, **extra) -> None:
        out = {"side": self.side, "args": {k: v for k, v in vars(self.args).items() if k != "func"},
               "rows": self.rows, **extra}
        atomic_write_text(self.args.out, json.dumps(out, indent=1))


# -- hepzoo's side ---------------------------------------------------------------------------------
def run_ours(args) -> None:
    from hepzoo.training import TrainOptions
    from hepzoo.training import train as engine_train
    from hepzoo_epic_gan.train import EpicGanRecipe, EpicGanStep

    train, valid = load(args.train, args.max_particles), load(args.valid, args.max_particles)
    rec = Recorder(args, train, valid, "ours")
    holder: dict = {"step": 0, "seconds": 0.0, "last": None}

    class TimedStep(EpicGanStep):
        def __call__(self, batch, ctx):
            t0 = time.perf_counter()
            out = super().__call__(batch, ctx)
            holder["seconds"] += time.perf_counter() - t0
            holder["step"] += 1
            return out

    class ControlRecipe(EpicGanRecipe):
        def make_step(self, model, networks):
            holder["model"] = model
            return TimedStep(model)

        def validate(self, model, valid_set, device, seed):
            step = holder["step"]
            if step % args.valid_every == 0 and (holder["last"] is None or holder["last"][0] != step):
                nm = model.normaliser
                rec(step, model.generator, nm.mean.clone(), nm.std.clone(), float(nm.pt_min),
                    train_seconds=holder["seconds"])
                holder["last"] = (step, {k: rec.rows[-1][k] for k in ("w1m", "w1p")})
            return dict(holder["last"][1]) if holder["last"] else {"w1m": 1.0, "w1p": 1.0}

    recipe = ControlRecipe(max_particles=args.max_particles)
    recipe.metrics = recipe.metrics[:2]
    opts = TrainOptions(**{**recipe.defaults, "epochs": 10_000, "steps": args.steps, "seed": args.seed,
                           "threads": 1, "valid_every": args.valid_every, "checkpoint_every": 10**9,
                           "checkpoint_every_minutes": 1e6, "log_every": 100, "quiet": True})
    torch.manual_seed(args.seed)
    engine_train(recipe, train, valid, args.out_dir, opts, resume=False)
    model = holder["model"]
    rec.dump(normaliser={"mean": model.normaliser.mean.tolist(), "std": model.normaliser.std.tolist(),
                         "pt_min": float(model.normaliser.pt_min)},
             params={"generator": sum(p.numel() for p in model.generator.parameters())},
             truth=truth_floor(train, valid, args.eval_seed))


# -- the authors' side -----------------------------------------------------------------------------
class _Stop(Exception):
    pass


def _stub_modules() -> None:
    """Empty stand-ins for the imports the training loop never uses with logging off."""
    wandb = types.ModuleType("wandb")
    for name in ("init", "log", "watch", "define_metric", "Image"):
        setattr(wandb, name, lambda *a, **k: None)
    comet = types.ModuleType("comet_ml")
    comet.Experiment = type("Experiment", (), {"__init__": lambda self, *a, **k: None})
    jetnet = types.ModuleType("jetnet")
    jetnet.evaluation = types.SimpleNamespace()
    six = types.ModuleType("six")
    six.string_types = (str,)
    for mod in (wandb, comet, jetnet, types.ModuleType("energyflow"), six):
        sys.modules.setdefault(mod.__name__, mod)


def authors_params(authors_dir: Path, workdir: Path, args) -> argparse.Namespace:
    """``start_training.py``'s parser defaults (its source up to ``parse_args``), for JetNet30 tops."""
    src = (authors_dir / "start_training.py").read_text()
    head = src[: src.index("params = parser.parse_args()")]
    head = head.replace("import utils\nfrom training import training\n", "")
    ns: dict = {}
    exec(compile(head, str(authors_dir / "start_training.py"), "exec"), ns)  # noqa: S102 - the authors' parser
    params = ns["parser"].parse_args([])
    params.n_points = args.max_particles
    params.dataset_type = "jetnet_top"
    params.epochs = 10**6
    params.save_interval = args.valid_every
    params.save_folder = str(workdir) + "/"
    params.rand = args.seed
    params.save_file_name = f"control_{args.seed}"
    return params


def run_authors(args) -> None:
    authors_dir, workdir = Path(args.authors_dir).resolve(), Path(args.workdir).resolve()
    train, valid = load(args.train, args.max_particles), load(args.valid, args.max_particles)
    rec = Recorder(args, train, valid, "authors")
    _stub_modules()
    for sub in ("", "utils", "dataset"):
        sys.path.insert(0, str(authors_dir / sub))
    (workdir / "dataset").mkdir(parents=True, exist_ok=True)
    os.chdir(workdir)  # get_dataset reads ./dataset/<prefix>_train.npy
    import training as authors_training  # the authors' module, from --authors-dir
    import utils as authors_utils

    # their training file: [jets, particles, (pT, eta, phi)], zero padded, re-centred by their
    # center_jets_tensor (its numpy twin needs energyflow)
    x = to_authors(torch.from_numpy(train.x.astype(np.float32))) * torch.from_numpy(train.mask[..., None])
    x = authors_utils.center_jets_tensor(x.contiguous()).numpy()
    prefix = f"dataset/top_jetnet{args.max_particles}_"
    with atomic_path(prefix + "_train.npy") as tmp, open(tmp, "wb") as tmp_file:
        np.save(tmp_file, x.astype(np.float32))
    params = authors_params(authors_dir, workdir, args)
    torch.set_num_threads(1)
    torch.manual_seed(args.seed)
    np.random.seed(args.seed)
    state: dict = {"step": 0, "norm": None}
    orig_get_dataset = authors_utils.get_dataset

    def get_dataset(p):
        out = orig_get_dataset(p)
        state["norm"] = out[4:7]  # norm_means, norm_stds, mins
        return out

    def save_model(G, optimizer_G, C, optimizer_C, fname="tmp", folder=""):
        if fname != params.save_file_name:
            return  # the per-epoch "best model" save
        state["step"] += args.valid_every
        means, stds, mins = state["norm"]
        rec(state["step"], G, np.asarray(means, np.float32), np.asarray(stds, np.float32), float(mins[0]))
        state["G"] = G
        if state["step"] >= args.steps:
            raise _Stop

    authors_utils.get_dataset = get_dataset
    authors_utils.save_model = save_model
    authors_utils.validation_mean_ms = lambda *a, **k: 0.0  # per-epoch validation: 300k jets, not used here
    try:
        authors_training.training(params)
    except _Stop:
        pass
    means, stds, mins = state["norm"]
    rec.dump(normaliser={"mean": [float(v) for v in means], "std": [float(v) for v in stds], "pt_min": float(mins[0])},
             params={"generator": sum(p.numel() for p in state["G"].parameters())},
             truth=truth_floor(train, valid, args.eval_seed))


# -- one step, side by side ------------------------------------------------------------------------
def run_step_check(args) -> None:
    """The authors' LSGAN step (training.py, written out) and our ``EpicGanStep`` from the same weights,
    on the same normalised training batches with the same noise: losses and weights step by step."""
    _stub_modules()
    authors_dir = Path(args.authors_dir).resolve()
    for sub in ("", "utils"):
        sys.path.insert(0, str(authors_dir / sub))
    import models as authors_models  # the authors' networks, from --authors-dir

    from hepzoo.training import MODEL, StepContext
    from hepzoo_epic_gan.critic import EPiCCritic
    from hepzoo_epic_gan.keymap import authors_to_ours
    from hepzoo_epic_gan.model import EpicGanModel
    from hepzoo_epic_gan.train import EpicGanStep

    train = load(args.train, args.max_particles)
    model = EpicGanModel.from_training_data(train)
    critic = EPiCCritic(model.config.critic)
    net_args = {"latent": 10, "latent_local": 3, "hid_d": 128, "feats": 3, "equiv_layers_generator": 6,
                "equiv_layers_discriminator": 3, "return_latent_space": False}
    torch.manual_seed(args.seed)
    G, C = authors_models.EPiC_generator(net_args), authors_models.EPiC_discriminator(net_args)
    model.generator.load_state_dict(authors_to_ours(G.state_dict(), "generator"))
    critic.load_state_dict(authors_to_ours(C.state_dict(), "critic"))
    kw = {"lr": 1e-4, "betas": (0.9, 0.999), "eps": 1e-14}
    opt_g, opt_c = torch.optim.Adam(G.parameters(), **kw), torch.optim.Adam(C.parameters(), **kw)
    ctx = StepContext({MODEL: model.train(), "critic": critic.train()},
                      {MODEL: torch.optim.Adam(model.parameters(), **kw), "critic": torch.optim.Adam(critic.parameters(), **kw)},
                      torch.device("cpu"), torch.Generator().manual_seed(args.seed), torch.Generator().manual_seed(1))
    step = EpicGanStep(model)
    noise = torch.Generator().manual_seed(args.seed)
    bucket = model.normalise(model.training_points(train)[args.max_particles])
    order = torch.randperm(len(bucket), generator=torch.Generator().manual_seed(args.seed))
    rows = []
    for it in range(args.steps):
        real = bucket[order[(it * 128) % len(order):][:128]]
        b, n = real.shape[:2]
        # training.py, LSGAN branch (noise drawn in the order EpicGanStep draws it)
        C.train(); G.eval(); opt_c.zero_grad(); C.zero_grad()  # noqa: E702
        out = G(torch.randn((b, 10), generator=noise), torch.randn((b, n, 3), generator=noise))
        err_d = 0.5 * (torch.mean((C(real) - 1.0) ** 2) + torch.mean((C(out) - 0.0) ** 2))
        err_d.backward()
        opt_c.step()
        C.eval(); G.train(); opt_g.zero_grad(); G.zero_grad()  # noqa: E702
        out = G(torch.randn((b, 10), generator=noise), torch.randn((b, n, 3), generator=noise))
        loss_g = 0.5 * torch.mean((C(out) - 1.0) ** 2)
        loss_g.backward()
        opt_g.step()
        losses = step(real, ctx)
        ours_w = model.generator.state_dict()
        dw = max((v - ours_w[k]).abs().max().item() for k, v in authors_to_ours(G.state_dict(), "generator").items())
        rows.append({"step": it + 1, "d_loss": [err_d.item(), losses["d_loss"].item()],
                     "g_loss": [loss_g.item(), losses["g_loss"].item()], "max_abs_dw_generator": dw})
        if (it + 1) % 10 == 0 or it < 3:
            print(f"step {it + 1}: d_loss {err_d.item():.6f} / {losses['d_loss'].item():.6f}  g_loss "
                  f"{loss_g.item():.6f} / {losses['g_loss'].item():.6f}  max|W_authors - W_ours| {dw:.2e}", flush=True)
    if args.out:
        atomic_write_text(args.out, json.dumps(rows, indent=1))


# -- hepzoo's own sampling path ----------------------------------------------------------------------
def run_sampling(args) -> None:
    """A trained hepzoo model scored two ways: the common evaluation above, and its own sampling path
    (multiplicities from its KDE prior, ``generate_points``: folded weight norm, its post-processing)."""
    import hepzoo

    model = hepzoo.load(f"local-dir:{args.model}").eval()
    train, valid = load(args.train, args.max_particles), load(args.valid, args.max_particles)
    nm = model.normaliser
    counts = eval_counts(train, len(valid), args.eval_seed)
    x, mask = generate(model.generator, counts, nm.mean, nm.std, float(nm.pt_min), 5.0, args.eval_seed,
                       args.max_particles)
    common = score(valid, x, mask, args.eval_seed)
    gen = torch.Generator().manual_seed(args.eval_seed)
    prior_counts = model.prior.sample(len(valid), gen)["n_particles"]
    x, mask = model.generate_points(prior_counts, gen)
    own = score(valid, x, mask, args.eval_seed)
    out = {"common": common, "own": own}
    print(json.dumps(out, indent=1))
    if args.out:
        atomic_write_text(args.out, json.dumps(out, indent=1))


# -- report ----------------------------------------------------------------------------------------
def report(args) -> None:
    runs = [json.loads(Path(p).read_text()) for p in args.results]
    if not any("truth" in r for r in runs):  # runs stopped before their end: the floor from their data
        a = runs[0]["args"]
        floor = truth_floor(load(a["train"], a["max_particles"]), load(a["valid"], a["max_particles"]), a["eval_seed"])
        for r in runs:
            r["truth"] = floor
    truth = next(r["truth"] for r in runs if "truth" in r)
    labels = [f"{r['side']} (seed {r['args']['seed']})" for r in runs]
    steps = sorted({row["step"] for r in runs for row in r["rows"]})
    head = "| step | " + " | ".join(f"{lab} W1M | {lab} W1P" for lab in labels) + " |"
    lines = [head, "|" + "---|" * (1 + 2 * len(runs))]
    for s in steps:
        cells = []
        for r in runs:
            row = next((x for x in r["rows"] if x["step"] == s), None)
            cells += ["-", "-"] if row is None else [f"{row['w1m'] * 1e3:.2f}", f"{row['w1p'] * 1e3:.2f}"]
        lines.append(f"| {s} | " + " | ".join(cells) + " |")
    print("W1M and W1P (mean of eta_rel, phi_rel, pt_rel) in units of 1e-3\n")
    print("\n".join(lines))
    for lab, r in zip(labels, runs):
        last = r["rows"][-1]
        print(f"\n{lab}: {last['steps_per_s']} steps/s over {last['step']} steps")
    print(f"\ntruth floor (training vs validation jets): W1M {truth['w1m'] * 1e3:.2f}e-3, W1P {truth['w1p'] * 1e3:.2f}e-3")
    if args.png:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        fig, axes = plt.subplots(1, 2, figsize=(10, 4), constrained_layout=True)
        for lab, r in zip(labels, runs):
            s = [row["step"] for row in r["rows"]]
            style = "-o" if r["side"] == "ours" else "--s"
            for ax, key in zip(axes, ("w1m", "w1p")):
                y = np.array([row[key] for row in r["rows"]]) * 1e3
                e = np.array([row[f"{key}_std"] for row in r["rows"]]) * 1e3
                ax.errorbar(s, y, yerr=e, fmt=style, ms=4, capsize=2, label=lab)
        for ax, key, name in zip(axes, ("w1m", "w1p"), ("W1M", "W1P (mean of 3 features)")):
            ax.axhline(truth[key] * 1e3, color="grey", lw=1, ls=":", label="truth floor (train vs valid)")
            ax.set_yscale("log")
            ax.set_xlabel("training step")
            ax.set_ylabel(f"{name} [1e-3]")
            ax.grid(alpha=0.3, which="both")
        axes[0].legend(fontsize=8)
        fig.suptitle("EPiC-GAN, JetNet30-like tops: the authors' training code vs hepzoo's engine")
        save_figure(fig, args.png, dpi=120)
        print(f"\nwrote {args.png}")


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    for name, func in (("ours", run_ours), ("authors", run_authors)):
        q = sub.add_parser(name)
        q.add_argument("--train", required=True, help="JetNet HDF5 training file")
        q.add_argument("--valid", required=True, help="JetNet HDF5 validation file")
        q.add_argument("--max-particles", type=int, default=30)
        q.add_argument("--steps", type=int, default=4000)
        q.add_argument("--valid-every", type=int, default=500)
        q.add_argument("--seed", type=int, default=0)
        q.add_argument("--eval-seed", type=int, default=1234)
        q.add_argument("--out", required=True, help="JSON file of the curve")
        if name == "ours":
            q.add_argument("--out-dir", required=True, help="the engine's run folder")
        else:
            q.add_argument("--authors-dir", required=True, help="a checkout of uhh-pd-ml/EPiC-GAN")
            q.add_argument("--workdir", required=True, help="where its dataset/ files and outputs go")
        q.set_defaults(func=func)
    q = sub.add_parser("step-check")
    q.add_argument("--authors-dir", required=True, help="a checkout of uhh-pd-ml/EPiC-GAN")
    q.add_argument("--train", required=True)
    q.add_argument("--max-particles", type=int, default=30)
    q.add_argument("--steps", type=int, default=50)
    q.add_argument("--seed", type=int, default=0)
    q.add_argument("--out")
    q.set_defaults(func=run_step_check)
    q = sub.add_parser("sampling")
    q.add_argument("--model", required=True, help="a trained model folder (save_pretrained)")
    q.add_argument("--train", required=True)
    q.add_argument("--valid", required=True)
    q.add_argument("--max-particles", type=int, default=30)
    q.add_argument("--eval-seed", type=int, default=1234)
    q.add_argument("--out")
    q.set_defaults(func=run_sampling)
    q = sub.add_parser("report")
    q.add_argument("results", nargs="+")
    q.add_argument("--png")
    q.set_defaults(func=report)
    args = p.parse_args(argv)
    torch.set_num_threads(1)
    args.func(args)


if __name__ == "__main__":
    main()
