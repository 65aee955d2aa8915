"""Store backends by name, like rdflib's plugin registry: one interface, many backends.

The built-in backends are named here and imported only when asked for, so choosing "memory"
never imports ``requests`` and choosing "remote" never opens RocksDB. A third-party package adds
a backend with an entry point in the ``alliance_kg.stores`` group, e.g. in its pyproject.toml::

    [project.entry-points."alliance_kg.stores"]
    fuseki = "my_package.fuseki:FusekiStore"

whose class implements :class:`~alliance_kg.store.base.Store` (``from_settings`` included).
"""

from __future__ import annotations

import importlib
from importlib.metadata import entry_points

from ..config import Settings
from ..errors import ErrorKind, KGError
from .base import Store

ENTRY_POINT_GROUP = "alliance_kg.stores"

#: name -> "module:Class"
BUILTIN: dict[str, str] = {
    "memory": "alliance_kg.store.memory:MemoryStore",
    "oxigraph": "alliance_kg.store.oxigraph:OxigraphStore",
    "remote": "alliance_kg.store.remote:RemoteStore",
}


def _plugins() -> dict[str, str]:
    found = {ep.name: ep.value for ep in entry_points(group=ENTRY_POINT_GROUP)}
    return {**found, **BUILTIN}  # a plugin cannot shadow a built-in name


def names() -> list[str]:
    """Every backend name a configuration may use."""
    return sorted(_plugins())


def backend(name: str) -> type[Store]:
    """The Store class registered under ``name``."""
    target = _plugins().get(name)
    if target is None:
        raise KGError(ErrorKind.BAD_INPUT,
                      f"unknown store {name!r} (one of: {', '.join(names())})")
    module_name, _, attr = target.partition(":")
    cls = getattr(importlib.import_module(module_name), attr)
    if not (isinstance(cls, type) and issubclass(cls, Store)):
        raise KGError(ErrorKind.BAD_INPUT, f"store {name!r} ({target}) is not a Store")
    return cls


def create(settings: Settings) -> Store:
    """A new store of the configured backend (``settings.store``)."""
    return backend(settings.store).from_settings(settings)
