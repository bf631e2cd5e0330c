"""Exceptions that name the problem and the fix; the CLI prints them as one line."""

from __future__ import annotations

__all__ = [
    "HepzooError",
    "ConfigError",
    "InvalidDataError",
    "ModelNotFoundError",
    "IntegrityError",
    "PluginError",
    "PluginConflictError",
    "IncompatibleSamplerError",
    "DependencyError",
    "OutputError",
    "TargetBusyError",
]


class HepzooError(Exception):
    """Base of every error hepzoo raises on purpose (bad input, missing model, broken file).

    Its text is one line whatever the input quoted in it holds: line breaks and other control
    characters (from a user's path or id) are shown escaped.
    """

    def __str__(self) -> str:
        text = super().__str__()
        if text.isprintable():
            return text
        return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


class ConfigError(HepzooError, ValueError):
    """A config.json or a keyword argument that cannot describe a valid model."""


class InvalidDataError(HepzooError, ValueError):
    """Arrays or files that do not match the representation (shape, NaN, mask, missing dataset)."""


class ModelNotFoundError(HepzooError, LookupError):
    """An id that no plugin registered and no search path holds."""


class IntegrityError(HepzooError):
    """A downloaded or cached file whose sha256 differs from the registered one."""


class PluginError(HepzooError):
    """A plugin that failed to load or registered something invalid."""


class PluginConflictError(PluginError):
    """Two distributions registered the same name."""


class IncompatibleSamplerError(HepzooError, ValueError):
    """A sampler asked to integrate a law it does not accept."""


class DependencyError(HepzooError, ImportError):
    """An optional dependency (an extra) is needed for this feature."""


class OutputError(HepzooError, ValueError):
    """An output path hepzoo will not write (a folder that is not a model folder, a busy target)."""


class TargetBusyError(OutputError):
    """Another process is writing the same output right now."""
