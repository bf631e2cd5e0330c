"""The core's own plugin: shared objectives, samplers and datasets, registered like anyone's."""

from __future__ import annotations

from hepzoo.plugins.hookspecs import hookimpl

DATASET_CATALOGS = ("hepzoo.data.jets.catalog", "hepzoo.data.showers.catalog")


@hookimpl
def hepzoo_register(registry) -> None:
    import importlib

    from hepzoo.data.datasets import DatasetSpec
    from hepzoo.samplers.catalog import OBJECTIVES, SAMPLERS

    for name, target, law in OBJECTIVES:
        registry.add_objective(name, target, law=getattr(law, "value", law))
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
