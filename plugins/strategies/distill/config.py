"""The distill strategy's options; each field becomes a ``--<name>`` CLI option.

Defaults, and why. DistilBERT's pre-training distillation weighted its terms alpha_ce 5.0,
alpha_mlm 2.0, alpha_cos 1.0 at temperature 2.0; those weights balance a masked-LM loss over a
30k vocabulary and are not meant for a task head. For task distillation we follow the
task-specific recipe of the same authors (transformers' ``examples/research_projects/
distillation`` fine-tuning scripts: alpha_ce 0.5, alpha_task 0.5, temperature 2.0): soft and
hard losses weighted equally, the T squared factor keeping the soft term's gradients on the
hard term's scale. The cosine term is off by default: the student starts from the teacher's
own layers, so its hidden states are already aligned, and caching them for every token costs
memory in proportion to the data; turn it on with ``--distill-alpha-cos 1.0`` (DistilBERT's weight).

Augmentation is on by default (two perturbed copies of each training sentence, a fifth of
their words dropped or swapped): the teacher's soft targets on the sentences it was trained on
are nearly one-hot, so without new sentences for it to label the student learns little more
than the hard labels would teach it (docs/distill.md, "Augmentation", has the figures). It
triples the student's examples per epoch.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from zoo.errors import UsageError


#: Perturbed copies per training sentence when ``--distill-augment`` is left automatic.
AUTO_COPIES = 2


@dataclass(frozen=True)
class DistillConfig:
    teacher: str = field(default="", metadata={
        "flag": "--teacher", "run": True,
        "help": "A finished run to distil from: its directory, or the Hub repo it was "
                "pushed to (org/name[@revision]); default: adapt the entry with 'full' "
                "first and use that."})
    student_layers: int = field(default=0, metadata={
        "flag": "--student-layers",
        "help": "Layers of the student; 0 takes half the teacher's (every other layer)."})
    temperature: float = field(default=2.0, metadata={
        "help": "Softmax temperature of the soft targets (DistilBERT: 2.0)."})
    alpha_soft: float = field(default=0.5, metadata={
        "help": "Weight of the soft-target KL loss, scaled by T squared."})
    alpha_hard: float = field(default=0.5, metadata={
        "help": "Weight of the head's own loss on the true labels."})
    alpha_cos: float = field(default=0.0, metadata={
        "help": "Weight of the cosine loss aligning the student's last hidden states with "
                "the teacher's (DistilBERT: 1.0); 0 turns it off."})

    augment: int = field(default=-1, metadata={
        "help": "Perturbed copies of each training sentence for the teacher to label "
                "(TinyBERT-style augmentation); 0 trains on the data alone; -1: 2 for sentence "
                "tasks, 0 for token tasks."})
    augment_rate: float = field(default=0.2, metadata={
        "help": "Share of the words of a copy changed: half dropped, half swapped for another "
                "training word."})

    def __post_init__(self) -> None:
        if self.augment < -1:
            raise UsageError(f"--distill-augment must be -1 (automatic) or at least 0, "
                             f"not {self.augment}")
        if not 0.0 < self.augment_rate < 1.0:
            raise UsageError(f"--distill-augment-rate must be in (0, 1), not {self.augment_rate}")
        if self.student_layers < 0:
            raise UsageError(f"--student-layers must not be negative, not {self.student_layers}")
        if not (math.isfinite(self.temperature) and self.temperature > 0):
            raise UsageError(f"--distill-temperature must be positive, not {self.temperature}")
        weights = {"distill-alpha-soft": self.alpha_soft, "distill-alpha-hard": self.alpha_hard,
                   "distill-alpha-cos": self.alpha_cos}
        for name, value in weights.items():
            if not (math.isfinite(value) and value >= 0):
                raise UsageError(f"--{name} must be a non-negative number, not {value}")
        if not any(weights.values()):
            raise UsageError("at least one of --distill-alpha-soft, --distill-alpha-hard, "
                             "--distill-alpha-cos must be positive")

    def copies(self, label_kind: str) -> int:
        """Perturbed copies per training example for a head of ``label_kind``: automatic means
        none for token tasks, whose per-word labels a perturbation would misalign."""
        if self.augment >= 0:
            return self.augment
        return 0 if label_kind == "token" else AUTO_COPIES

    @property
    def uses_hidden(self) -> bool:
        """Whether the teacher's hidden states must be cached (the cosine term is on)."""
        return self.alpha_cos > 0
