"""LoRA through peft: low-rank adapters on the backbone's linear layers, the head trained whole.

The strategy is domain-agnostic: it picks the default targets per architecture
(``lora_targets``); the domain's LoRA support (``zoo.capabilities.LoraSupport``) gives the peft
options its models need (a task type, or the head modules to train whole and save through
``modules_to_save``) and writes the adapter with its base model. For text that is an adapter
``peft.AutoPeftModelFor<Task>.from_pretrained`` loads; ``--merge`` writes a plain model
instead.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

from zoo.capabilities import LoraSupport
from zoo.components import Domain, Head, Strategy
from zoo.errors import UsageError

from .lora_targets import default_targets


@dataclass(frozen=True)
class LoraConfig:
    r: int = field(default=16, metadata={"help": "Rank of the LoRA update matrices."})
    alpha: int = field(default=32, metadata={"help": "LoRA scaling numerator (scale = alpha / r)."})
    dropout: float = field(default=0.1, metadata={"help": "Dropout on the LoRA branch."})
    targets: str = field(default="", metadata={
        "help": "Comma-separated module names to adapt; default: the architecture's "
                "linear layers in its blocks (attention and feed-forward)."})
    merge: bool = field(default=False, metadata={
        "help": "Merge the adapter into the weights and save a plain transformers model.",
        "flag": "--merge"})

    def __post_init__(self) -> None:
        if self.r < 1:
            raise UsageError(f"--lora-r must be at least 1, not {self.r}")
        if self.alpha < 1:
            raise UsageError(f"--lora-alpha must be at least 1, not {self.alpha}")
        if not 0.0 <= self.dropout < 1.0:
            raise UsageError(f"--lora-dropout must be in [0, 1), not {self.dropout}")

    def target_list(self) -> list[str]:
        return [t.strip() for t in self.targets.split(",") if t.strip()]


class LoraStrategy(Strategy):
    name = "lora"
    description = "LoRA adapters (peft) on the backbone's linear layers; the head trains whole"
    config_class = LoraConfig
    # Chosen on validation accuracy with r 16 over every linear layer (docs/engine.md).
    lr = 1e-3
    epochs = 3
    min_steps = 300  # as full's: small data stretches the epochs (zoo.engine.budget)

    def requires(self, config: LoraConfig) -> tuple[type, ...]:
        return (LoraSupport,)

    def prepare(self, model: Any, domain: Domain, config: LoraConfig, head: Head) -> Any:
        import peft

        options = cast(LoraSupport, domain).lora_options(model)  # what requires() asked of it
        targets = config.target_list() or default_targets(model, options.get("modules_to_save", ()))
        peft_config = peft.LoraConfig(r=config.r, lora_alpha=config.alpha,
                                      lora_dropout=config.dropout, target_modules=targets,
                                      **options)
        try:
            return peft.get_peft_model(model, peft_config)
        except ValueError as exc:
            raise UsageError(f"LoRA cannot adapt this model: {exc}") from exc

    def save(self, model: Any, domain: Domain, preprocessor: Any, path: Path, config: LoraConfig,
             base_path: Path, final_path: Path) -> str:
        if config.merge:
            domain.save(model.merge_and_unload(), preprocessor, path)
            return "model"
        cast(LoraSupport, domain).save_adapter(model, preprocessor, path, base_path, final_path)
        return "peft"
