"""Which device a run trains and predicts on, and in which precision.

``auto`` is accelerate's choice (CUDA, then MPS, XPU and the other accelerators it knows,
else the CPU); naming a device that is not there is refused before any work. Mixed precision
follows the hardware: bf16 where it runs natively, fp16 with loss scaling where only that
does, else fp32.
"""

from __future__ import annotations

from typing import Any

from zoo.errors import UsageError
from zoo.engine.config import DEVICES
from zoo.engine.precision import cpu_has_bf16


def available(device: str) -> bool:
    """Whether ``device`` (one of :data:`DEVICES`) can run here."""
    import torch

    if device in ("auto", "cpu"):
        return True
    if device == "cuda":
        return torch.cuda.is_available()
    return torch.backends.mps.is_available()


def check_device(device: str) -> None:
    """Refuse an unknown device, or one this machine lacks, with one line."""
    if device not in DEVICES:  # a config checks this too; inference comes here directly
        raise UsageError(f"--device must be one of {', '.join(DEVICES)}, not {device!r}")
    if not available(device):
        raise UsageError(f"--device {device}: no {device.upper()} device is available here "
                         f"(torch {_torch_version()}); use --device cpu, or --device auto to "
                         "take whatever is present")


def wants_cpu(device: str) -> bool:
    """What accelerate's ``cpu`` argument must be: ``cpu``, and ``auto`` on a machine without
    an accelerator (accelerate runs several processes on the CPU only when told so)."""
    import torch

    return device == "cpu" or (device == "auto" and not torch.accelerator.is_available())


def process_state(device: str) -> Any:
    """accelerate's process-wide state on ``device``. A single process that trained on
    another device before (tests, benchmarks) starts a fresh one; the processes of a
    distributed run keep theirs."""
    from accelerate import PartialState

    if PartialState._shared_state:  # set up already: reading it creates nothing
        state = PartialState()
        if not state.use_distributed and state._cpu != wants_cpu(device):
            PartialState._reset_state()
    return PartialState(cpu=wants_cpu(device))


def set_threads(threads: int, processes: int) -> int:
    """Set torch's intra-op threads for one of ``processes`` on this machine: ``threads``,
    or the cores shared evenly when 0. Returns the count set."""
    import os

    import torch

    count = threads or max(1, (os.cpu_count() or 1) // processes)
    torch.set_num_threads(count)
    return count


def mixed_precision(device_type: str, bf16: bool | None) -> str:
    """accelerate's ``mixed_precision`` for a torch device type: ``--no-bf16`` is fp32,
    ``--bf16`` is bf16; unset, bf16 where the hardware has it (a CPU with AVX512-BF16 or AMX,
    an accelerator accelerate says supports it), else fp16 on an accelerator (which then
    scales the loss), else fp32."""
    if bf16 is not None:
        return "bf16" if bf16 else "no"
    if device_type == "cpu":
        return "bf16" if cpu_has_bf16() else "no"
    from accelerate.utils import is_bf16_available

    return "bf16" if is_bf16_available(ignore_tpu=True) else "fp16"


def torch_device(device: str) -> str:
    """The torch device ``device`` means for inference (``auto``: what accelerate picks)."""
    if device != "auto":
        return device
    from accelerate import PartialState

    return str(PartialState().device.type)


def _torch_version() -> str:
    import torch

    return torch.__version__
