"""LoRA through peft: low-rank adapters on the attention projections, the head trained whole.

The run directory holds a peft adapter (head included through ``modules_to_save``) that
``peft.AutoPeftModelFor<Task>.from_pretrained`` loads; ``--merge`` writes a plain
transformers model instead.
"""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from zoo.components import Domain, Strategy
from zoo.errors import UsageError

#: The folder inside a LoRA run that holds the base model the adapter applies to.
BASE_DIR = "base"


@dataclass(frozen=True)
class LoraConfig:
    r: int = field(default=8, metadata={"help": "Rank of the LoRA update matrices."})
    alpha: int = field(default=16, metadata={"help": "LoRA scaling numerator (scale = alpha / r)."})
    dropout: float = field(default=0.1, metadata={"help": "Dropout on the LoRA branch."})
    targets: str = field(default="", metadata={
        "help": "Comma-separated module names to adapt; default: the architecture's "
                "attention query and value projections."})
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
    description = "LoRA adapters (peft) on the attention projections; the head trains whole"
    config_class = LoraConfig
    lr = 5e-4
    epochs = 2

    def prepare(self, model: Any, domain: Domain, config: LoraConfig) -> Any:
        import peft

        targets = config.target_list() or domain.lora_targets(model)
        task_type = (peft.TaskType.TOKEN_CLS if type(model).__name__.endswith("TokenClassification")
                     else peft.TaskType.SEQ_CLS)
        peft_config = peft.LoraConfig(task_type=task_type, r=config.r, lora_alpha=config.alpha,
                                      lora_dropout=config.dropout, target_modules=targets)
        try:
            return peft.get_peft_model(model, peft_config)
        except ValueError as exc:
            raise UsageError(f"LoRA cannot adapt this model: {exc}") from exc

    def save(self, model: Any, domain: Domain, preprocessor: Any, path: Path, config: LoraConfig,
             base_path: Path, final_path: Path) -> str:
        if config.merge:
            domain.save(model.merge_and_unload(), preprocessor, path)
            return "model"
        base = path / BASE_DIR
        _write_base(model, base_path, base)
        model.peft_config["default"].base_model_name_or_path = str((final_path / BASE_DIR).resolve())
        model.save_pretrained(str(path))
        preprocessor.save_pretrained(str(path))
        return "peft"


def _write_base(model: Any, snapshot: Path, base: Path) -> None:
    """The base model the adapter applies to: the snapshot's weights (linked, not copied)
    with a config that already has the task's labels, so the head's shape matches on load."""
    base.mkdir(parents=True, exist_ok=True)
    for item in Path(snapshot).iterdir():
        if item.is_file() and item.name != "config.json":
            try:
                os.symlink(item.resolve(), base / item.name)
            except OSError:
                shutil.copy2(item, base / item.name)
    config = model.get_base_model().config.to_dict()
    (base / "config.json").write_text(json.dumps(config, indent=2, sort_keys=True))
