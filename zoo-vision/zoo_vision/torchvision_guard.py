"""Keep torchvision importable next to a CPU-only torch: the one place zoo-vision handles it.

The only torchvision release built for torch 2.13 is a CUDA build. Next to the CPU torch its
compiled operators never load, and its import dies with ``operator torchvision::nms does not
exist`` while it registers fake kernels for them. timm imports torchvision unconditionally,
and transformers does whenever torchvision is installed, so that one failure would break every
vision *and* text command in an environment that has zoo-vision.

Defining the two missing operator schemas lets the pure-Python rest of torchvision import;
only calling ``nms`` would still fail, which image classification never does. The repair is
done by an import hook that costs nothing to install (no torch import), runs at the first
``import torchvision`` from anywhere, and touches nothing unless the import fails with exactly
that error, so a working torchvision is left alone.
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import sys
from types import ModuleType
from typing import Sequence

MISSING_OPERATOR = "operator torchvision::nms does not exist"

#: The schemas torchvision's C++ extension would have defined (csrc/ops/nms.cpp, qnms.cpp).
SCHEMAS = (
    "nms(Tensor dets, Tensor scores, float iou_threshold) -> Tensor",
    "qnms(Tensor dets, Tensor scores, float iou_threshold) -> Tensor",
)

# torch.library.Library objects unregister their definitions when garbage collected.
_libraries: list[object] = []


def define_missing_operators() -> None:
    """Define ``torchvision::nms`` and ``torchvision::qnms`` so torchvision's import can finish."""
    import torch

    library = torch.library.Library("torchvision", "DEF")
    for schema in SCHEMAS:
        library.define(schema)
    _libraries.append(library)


def is_missing_operator_error(exc: BaseException) -> bool:
    """True only for the known CUDA-build failure; any other import error must surface."""
    return isinstance(exc, RuntimeError) and str(exc).strip() == MISSING_OPERATOR


class _RepairingLoader(importlib.abc.Loader):
    """Runs torchvision's own loader; on the known failure, defines the operators and reruns it."""

    def __init__(self, loader: importlib.abc.Loader) -> None:
        self.loader = loader

    def __getattr__(self, name: str) -> object:
        # get_filename, get_resource_reader, ...: importlib.resources asks the loader for these.
        return getattr(self.loader, name)

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType | None:
        return self.loader.create_module(spec)

    def exec_module(self, module: ModuleType) -> None:
        uninstall()  # one repair attempt per process; later imports find torchvision loaded
        try:
            self.loader.exec_module(module)
        except RuntimeError as exc:
            if not is_missing_operator_error(exc):
                raise
            # Submodules imported before the failure hold the half-made state: import afresh.
            for name in [n for n in sys.modules if n.startswith("torchvision.")]:
                del sys.modules[name]
            define_missing_operators()
            self.loader.exec_module(module)


class _TorchvisionFinder(importlib.abc.MetaPathFinder):
    """Finds torchvision on sys.path and wraps its loader.

    It stays armed until the module is executed, not merely found: transformers probes with
    ``importlib.util.find_spec("torchvision")`` before it imports.
    """

    def find_spec(self, fullname: str, path: Sequence[str] | None,
                  target: ModuleType | None = None) -> importlib.machinery.ModuleSpec | None:
        if fullname != "torchvision":
            return None
        spec = importlib.machinery.PathFinder.find_spec(fullname, path)
        if spec is None or spec.loader is None:
            return None
        spec.loader = _RepairingLoader(spec.loader)
        return spec


_finder = _TorchvisionFinder()


def install() -> None:
    """Arm the repair for the next ``import torchvision``; cheap, idempotent, imports nothing."""
    if "torchvision" not in sys.modules and _finder not in sys.meta_path:
        sys.meta_path.insert(0, _finder)


def uninstall() -> None:
    """Disarm the repair (the import hook removes itself once it has been used)."""
    if _finder in sys.meta_path:
        sys.meta_path.remove(_finder)
