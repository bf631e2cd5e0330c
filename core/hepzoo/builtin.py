"""The core's own plugin: shared samplers, datasets, evaluators, file formats and commands, registered like anyone's."""

from __future__ import annotations

from hepzoo.plugins.hookspecs import hookimpl
from hepzoo.plugins.specs import CommandSpec, EvaluatorSpec, FormatSpec

DATASET_CATALOGS = ("hepzoo.data.jets.catalog", "hepzoo.data.showers.catalog")

EVALUATORS = (
    EvaluatorSpec(
        "point_cloud",
        "hepzoo.evaluation.jets:evaluate_jets",
        check="hepzoo.evaluation.checks:check_jets",
        metrics=("w1m", "w1p", "w1efp", "fpd", "kpd"),
        # the scales the JetNet papers print (Kansal et al., arXiv:2211.10295)
        scales={"w1m": 1e3, "w1p": 1e3, "w1efp": 1e5, "fpd": 1e3, "kpd": 1e3},
        options=("metrics", "truth_split", "plots", "num_eval_samples", "num_batches", "progress"),
        errors_note="Errors are the metrics' bootstrap spreads (jetnet's conventions).",
        components={"w1p": ("eta_rel", "phi_rel", "pt_rel")},
        description="JetNet's W1M, W1P, W1EFP, FPD, KPD for jets",
    ),
    EvaluatorSpec(
        "voxel",
        "hepzoo.evaluation.showers:evaluate_showers",
        check="hepzoo.evaluation.checks:check_showers",
        metrics=("auc_cls-low", "auc_cls-high", "jsd_cls-low", "jsd_cls-high", "fpd_x1e3", "kpd_x1e3"),
        labels={"fpd_x1e3": "FPD ×10^3", "kpd_x1e3": "KPD ×10^3"},
        prefixes={"auc_": "classifier AUC ", "jsd_": "classifier JSD ", "sep_": "separation power "},
        options=("classifier", "classifiers", "truth_split", "plots", "fpd_kpd", "progress"),
        errors_note=(
            "Separation powers (mean over layers where there are several) and classifier scores are "
            "single values; FPD/KPD errors are their batch spreads (CaloChallenge conventions)."
        ),
        description="CaloChallenge separation powers, classifier AUC/JSD, FPD/KPD for showers",
    ),
)

FORMATS = (
    FormatSpec(
        "jetnet-hdf5",
        "point_cloud",
        ("particle_features",),
        "hepzoo.data.jetnet_io:read_jetnet",
        "hepzoo.data.jetnet_io:write_jetnet",
        "JetNet HDF5: particle_features [N, P, 4], jet_features [N, 4]",
        streaming=True,
    ),
    FormatSpec(
        "calochallenge-hdf5",
        "voxel",
        ("showers",),
        "hepzoo.data.calochallenge_io:read_calochallenge",
        "hepzoo.data.calochallenge_io:write_calochallenge",
        "CaloChallenge HDF5: incident_energies [N, 1], showers [N, voxels] in MeV",
        streaming=True,
    ),
    FormatSpec(
        "tabular-hdf5",
        "tabular",
        ("table",),
        "hepzoo.data.tabular_io:read_tabular",
        "hepzoo.data.tabular_io:write_tabular",
        "tabular HDF5: table [N, columns] (columns attribute), conditions and metadata groups",
        streaming=True,
    ),
)

_CLI = "hepzoo.cli.main"
# the core's commands: their arguments are defined in hepzoo.cli.main.build_parser
COMMANDS = (
    CommandSpec("plugins", f"{_CLI}:cmd_plugins", "list plugins, what they registered, or why they failed"),
    CommandSpec("list", f"{_CLI}:cmd_list", "list registered models"),
    CommandSpec("info", f"{_CLI}:cmd_info", "show a model's registry entry"),
    CommandSpec("sample", f"{_CLI}:cmd_sample", "sample events from a model into a file"),
    CommandSpec("evaluate", f"{_CLI}:cmd_evaluate", "metrics and plots of generated events against a reference"),
    CommandSpec("data", f"{_CLI}:cmd_data", "make, list or merge datasets"),
    CommandSpec("train", f"{_CLI}:cmd_train", "train a family", passthrough=True),
    CommandSpec("convert", f"{_CLI}:cmd_convert", "convert an authors' checkpoint", passthrough=True),
    CommandSpec("publish", f"{_CLI}:cmd_publish", "upload a model folder to the Hugging Face Hub"),
    CommandSpec("release", f"{_CLI}:cmd_release", "evaluate a trained model and write its Hub folder + card"),
    CommandSpec("mirror", f"{_CLI}:cmd_mirror", "copy verified models into a folder for offline clusters"),
    CommandSpec("adherence", "hepzoo.cli.adherence:cmd_adherence",
                "how closely a model's jets follow the requested pT, mass and eta (JSON)",
                arguments="hepzoo.cli.adherence:configure"),
)


@hookimpl
def hepzoo_register(registry) -> None:
    import importlib

    from hepzoo.data.datasets import DatasetSpec
    from hepzoo.samplers.catalog import SAMPLERS

    for spec in SAMPLERS:
        registry.add_sampler(spec)
    for module_name in DATASET_CATALOGS:
        try:
            module = importlib.import_module(module_name)
        except ImportError:
            continue
        for attr, value in sorted(vars(module).items()):
            if isinstance(value, DatasetSpec):
                registry.add_dataset(value.name, f"{module_name}:{attr}", value.description)


@hookimpl
def register_evaluators(register) -> None:
    for spec in EVALUATORS:
        register(spec)


@hookimpl
def register_formats(register) -> None:
    for spec in FORMATS:
        register(spec)


@hookimpl
def register_commands(register) -> None:
    for spec in COMMANDS:
        register(spec)
