"""``--compile``: the networks a training step calls, compiled in place with ``torch.compile``.

Each network is compiled with ``nn.Module.compile`` (its ``__call__``, not a wrapper module), so
its state dict keeps its keys (no ``_orig_mod.``): checkpoints, EMA, ``best/`` and the exported
model are the plain network's. Shapes are dynamic (``dynamic=True``): the varying multiplicity of
trimmed or bucketed batches reuses one graph instead of compiling one per size, and batches are
not padded, so the noise a step draws, and therefore the run, is the eager run's up to float
rounding. While compiled, a network must not be deep-copied (the copy would call the original's
compiled code); :func:`compiled_networks` undoes the compilation on exit and :func:`eager` pauses
it (validation runs eagerly, in eval mode, on other shapes).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Iterator

from torch import nn

__all__ = ["compile_targets", "compiled_networks", "eager", "RECOMPILE_LIMIT"]

# graphs per compiled forward: dynamic shapes plus the 0/1-size specialisations, training and
# no-grad calls (a GAN's fakes), a critic with and without gradients, with and without autocast
RECOMPILE_LIMIT = 32


def compile_targets(networks: dict[str, nn.Module]) -> list[nn.Module]:
    """The modules a step calls: each network's ``objective.backbone`` (a Model), ``backbone``, or itself."""
    targets: list[nn.Module] = []
    for net in networks.values():
        target = net
        for path in (("objective", "backbone"), ("backbone",)):
            found = net
            for name in path:
                found = getattr(found, name, None)
            if isinstance(found, nn.Module):
                target = found
                break
        if all(target is not t for t in targets):
            targets.append(target)
    return targets


@contextlib.contextmanager
def compiled_networks(modules: Iterable[nn.Module], enabled: bool = True) -> Iterator[list[nn.Module]]:
    """Compile ``modules`` in place (dynamic shapes) for the duration of the block; eager again after."""
    modules = list(modules) if enabled else []
    if not modules:
        yield []
        return
    import torch._dynamo

    with torch._dynamo.config.patch(recompile_limit=max(RECOMPILE_LIMIT, torch._dynamo.config.recompile_limit)):
        for module in modules:
            module.compile(dynamic=True)
        try:
            yield modules
        finally:
            for module in modules:
                module._compiled_call_impl = None


@contextlib.contextmanager
def eager(modules: Iterable[nn.Module]) -> Iterator[None]:
    """Run ``modules`` uncompiled inside the block (validation, export), compiled again after."""
    paused = [(m, m._compiled_call_impl) for m in modules if getattr(m, "_compiled_call_impl", None) is not None]
    for module, _ in paused:
        module._compiled_call_impl = None
    try:
        yield
    finally:
        for module, compiled in paused:
            module._compiled_call_impl = compiled

