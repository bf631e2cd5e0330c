"""The ``hepzoo`` command line (``hepzoo.cli.main``); plugins add commands through ``register_commands``."""

__all__: list[str] = []
