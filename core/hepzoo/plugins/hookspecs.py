"""The plugin seam: the hooks through which every distribution (the core's too) registers.

Registration must be cheap: names, specs and ``"module:attr"`` import paths, never a torch import.
"""

from __future__ import annotations

import pluggy

hookspec = pluggy.HookspecMarker("hepzoo")
hookimpl = pluggy.HookimplMarker("hepzoo")

__all__ = ["hookspec", "hookimpl", "HOOKS"]


@hookspec
def hepzoo_register(registry) -> None:
    """Register families, samplers, datasets and pretrained tags on ``registry``."""


@hookspec
def register_evaluators(register) -> None:
    """Call ``register(EvaluatorSpec(...))`` once per representation the plugin evaluates."""


@hookspec
def register_formats(register) -> None:
    """Call ``register(FormatSpec(...))`` once per file format the plugin reads or writes."""


@hookspec
def register_commands(register) -> None:
    """Call ``register(CommandSpec(...))`` once per ``hepzoo`` subcommand the plugin adds."""


# hook name -> the Registry method its ``register`` argument is (``None``: the registry itself)
HOOKS = {
    "hepzoo_register": None,
    "register_evaluators": "add_evaluator",
    "register_formats": "add_format",
    "register_commands": "add_command",
}
