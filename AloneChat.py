"""``AloneChat`` is an import alias of the :mod:`alonechat` package.

``import AloneChat.core.logging`` returns the very module object ``alonechat.core.logging``
(one configuration, one manager): a meta-path finder answers every ``AloneChat.x.y`` with
the already imported ``alonechat.x.y``. A file module, unlike an ``AloneChat/`` folder beside
``alonechat/``, is safe on case-insensitive file systems. ``python -m AloneChat`` runs the
command line of :mod:`alonechat.cli`.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import importlib.util
import sys
from collections.abc import Sequence
from types import ModuleType

import alonechat

_ALIAS, _TARGET = "AloneChat", "alonechat"


class _AliasLoader(importlib.abc.Loader):
    """Returns the target module itself; keeps its own ``__spec__``."""

    def __init__(self, target: str) -> None:
        self._target = target
        self._spec: importlib.machinery.ModuleSpec | None = None

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType:
        module = importlib.import_module(self._target)
        self._spec = module.__spec__
        return module

    def exec_module(self, module: ModuleType) -> None:
        # The import system set __spec__ to the alias spec; give the module its own back.
        module.__spec__ = self._spec


class _AliasFinder(importlib.abc.MetaPathFinder):
    """Maps ``AloneChat.x.y`` onto ``alonechat.x.y``."""

    def find_spec(
        self,
        fullname: str,
        path: Sequence[str] | None,
        target: ModuleType | None = None,
    ) -> importlib.machinery.ModuleSpec | None:
        if not fullname.startswith(_ALIAS + "."):
            return None
        real = _TARGET + fullname[len(_ALIAS) :]
        real_spec = importlib.util.find_spec(real)
        if real_spec is None:
            return None
        return importlib.machinery.ModuleSpec(
            fullname,
            _AliasLoader(real),
            is_package=real_spec.submodule_search_locations is not None,
        )


if __name__ == "__main__":
    from alonechat.cli import main

    raise SystemExit(main(prog="python -m AloneChat"))

if not any(isinstance(finder, _AliasFinder) for finder in sys.meta_path):
    sys.meta_path.insert(0, _AliasFinder())
sys.modules[_ALIAS] = alonechat
