"""The engine's options: one frozen dataclass, validated once, recorded in run.json."""

from __future__ import annotations

from dataclasses import dataclass, field

from zoo.errors import UsageError

#: What ``--device`` takes (zoo.engine.device checks that the machine has it).
DEVICES = ("auto", "cpu", "cuda", "mps")


@dataclass(frozen=True)
class TrainConfig:
    """Every engine option. ``zoo adapt`` makes one option of each field (``metadata``: its
    ``help``, and ``shown`` where the default needs words); None means unset, and the adapt
    glue fills in the strategy's default before the engine sees it."""

    epochs: int | None = field(default=None, metadata={
        "help": "Passes over the training data; unset, the strategy's epochs, stretched on "
                "small data to its floor of optimizer steps, with patience to match.",
        "shown": "the strategy's"})
    batch_size: int = field(default=32, metadata={
        "help": "Examples per forward pass, all processes together; an optimizer step takes "
                "--grad-accum of them."})
    grad_accum: int = field(default=1, metadata={
        "help": "Batches whose gradients make one optimizer step together (the effective "
                "batch is --batch-size times this)."})
    lr: float | None = field(default=None, metadata={
        "help": "Peak learning rate.", "shown": "the strategy's"})
    head_lr_scale: float | None = field(default=None, metadata={
        "help": "The head's learning rate as a multiple of --lr (the classifier and what it "
                "reads through, BERT's pooler).", "shown": "the strategy's"})
    weight_decay: float = field(default=0.01, metadata={
        "help": "AdamW weight decay, not applied to biases and norms."})
    warmup: float = field(default=0.06, metadata={
        "help": "Share of the steps over which the learning rate rises to its peak, before it "
                "decays linearly to 0."})
    ema: float = field(default=0.0, metadata={
        "help": "Score and keep a moving average of the weights with this decay (0.99: about "
                "the last 100 steps; 0: off)."})
    max_grad_norm: float = field(default=1.0, metadata={
        "help": "Clip the gradient to this norm (0: no clipping)."})
    max_length: int = field(default=128, metadata={
        "help": "Longest input in tokens; longer ones are truncated."})
    bf16: bool | None = field(default=None, metadata={
        "help": "bf16 autocast; --no-bf16 trains in fp32.",
        "shown": "bf16 where the device has it, else fp16 with loss scaling on an "
                 "accelerator, else fp32"})
    patience: int = field(default=2, metadata={
        "help": "Stop after this many epochs without a better validation metric (0: never "
                "stop early)."})
    checkpoint_every: int = field(default=200, metadata={
        "help": "Save a resumable checkpoint every N steps, and at the ends of epochs of at "
                "least N steps (0: only at epoch ends)."})
    max_steps: int = field(default=0, metadata={
        "help": "Stop after N optimizer steps (0: no limit)."})
    seed: int = field(default=0, metadata={
        "help": "Seed of the head's initial weights, the batch order and dropout."})
    eval_batch_size: int = field(default=128, metadata={
        "help": "Examples per batch when evaluating."})
    threads: int = field(default=0, metadata={
        "help": "Torch threads per process (0: the cores shared evenly)."})
    progress: bool = field(default=True, metadata={"help": "Show a progress bar."})
    report_to: str = field(default="", metadata={
        "help": "Experiment trackers to log to, comma-separated: tensorboard, mlflow, or any "
                "other accelerate supports (wandb, comet_ml, ...); their logs go in RUN/logs.",
        "shown": "none"})
    device: str = field(default="auto", metadata={
        "help": "Where to train and evaluate: auto (accelerate's choice: CUDA, MPS or XPU "
                "where present, else the CPU), cpu, cuda or mps.", "choices": DEVICES})

    @property
    def effective_batch_size(self) -> int:
        """Examples per optimizer step."""
        return self.batch_size * self.grad_accum

    def __post_init__(self) -> None:
        positive = {"batch_size": self.batch_size, "grad_accum": self.grad_accum,
                    "max_length": self.max_length, "eval_batch_size": self.eval_batch_size}
        for name, value in positive.items():
            if value < 1:
                raise UsageError(f"--{name.replace('_', '-')} must be at least 1, not {value}")
        for name in ("epochs", "lr", "head_lr_scale", "weight_decay", "max_grad_norm",
                     "patience", "checkpoint_every", "max_steps", "threads"):
            value = getattr(self, name)
            if value is not None and value < 0:
                raise UsageError(f"--{name.replace('_', '-')} must not be negative")
        if self.device not in DEVICES:
            raise UsageError(f"--device must be one of {', '.join(DEVICES)}, not {self.device!r}")
        if not 0.0 <= self.ema < 1.0:
            raise UsageError(f"--ema must be in [0, 1), not {self.ema}")
        if not 0.0 <= self.warmup < 1.0:
            raise UsageError(f"--warmup must be in [0, 1), not {self.warmup}")
