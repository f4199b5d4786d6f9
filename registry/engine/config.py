"""The engine's options: one frozen dataclass, validated once, recorded in run.json."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..errors import UsageError


@dataclass(frozen=True)
class TrainConfig:
    epochs: int = field(default=0, metadata={"help": "Passes over the training split; 0 takes the strategy's default."})
    batch_size: int = field(default=32, metadata={"help": "Examples per optimizer step (all processes together)."})
    lr: float = field(default=0.0, metadata={"help": "Peak learning rate; 0 takes the strategy's default."})
    head_lr_scale: float = field(default=0.0, metadata={
        "help": "The head's learning rate (the task head and what it reads through in the "
                "backbone) as a multiple of --lr; 0 takes the strategy's default."})
    weight_decay: float = field(default=0.01, metadata={"help": "AdamW weight decay (not on biases and norms)."})
    warmup: float = field(default=0.06, metadata={"help": "Share of the steps spent warming the learning rate up."})
    ema: float = field(default=0.0, metadata={
        "help": "Evaluate and keep an exponential moving average of the weights with this "
                "decay (0.99 averages about the last 100 steps); 0 keeps the weights as trained."})
    max_grad_norm: float = field(default=1.0, metadata={"help": "Gradient clipping norm; 0 disables clipping."})
    max_length: int = field(default=128, metadata={"help": "Longest input in tokens; longer ones are truncated."})
    bf16: bool | None = field(default=None, metadata={"help": "bf16 autocast; default: on where the CPU supports bf16."})
    patience: int = field(default=2, metadata={"help": "Stop after this many epochs without a better validation metric; 0 never stops early."})
    checkpoint_every: int = field(default=200, metadata={"help": "Save a resumable checkpoint every N steps (0: only at epoch ends)."})
    max_steps: int = field(default=0, metadata={"help": "Stop after N optimizer steps (0: no limit)."})
    seed: int = field(default=0, metadata={"help": "Seed for initialisation, shuffling and dropout."})
    eval_batch_size: int = field(default=128, metadata={"help": "Examples per batch when evaluating."})
    threads: int = field(default=0, metadata={"help": "Torch threads per process (0: the cores shared evenly)."})
    progress: bool = field(default=True, metadata={"help": "Show a progress bar."})

    def __post_init__(self) -> None:
        positive = {"batch_size": self.batch_size,
                    "max_length": self.max_length, "eval_batch_size": self.eval_batch_size}
        for name, value in positive.items():
            if value < 1:
                raise UsageError(f"--{name.replace('_', '-')} must be at least 1, not {value}")
        for name in ("epochs", "lr", "head_lr_scale", "weight_decay", "max_grad_norm",
                     "patience", "checkpoint_every", "max_steps", "threads"):
            if getattr(self, name) < 0:
                raise UsageError(f"--{name.replace('_', '-')} must not be negative")
        if not 0.0 <= self.ema < 1.0:
            raise UsageError(f"--ema must be in [0, 1), not {self.ema}")
        if not 0.0 <= self.warmup < 1.0:
            raise UsageError(f"--warmup must be in [0, 1), not {self.warmup}")
