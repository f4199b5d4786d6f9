"""The training objective of distill: the loss each step, and the teacher-against-student
report (accuracy, retention, size, latency) written into metrics.json and the model card.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from zoo.components import Head, Objective

from .augment import augment_examples
from .config import DistillConfig
from .latency import compare
from .loss import distill_loss
from .student import StudentPlan
from .teacher_cache import TeacherCache

if TYPE_CHECKING:
    from zoo.rundir import RunRecord

TEACHER_CACHE = "teacher.pt"
#: The batch sizes latency is reported at (serving one request, and a throughput batch).
LATENCY_BATCHES = (1, 32)


class DistillObjective(Objective):
    """Soft targets from a cached teacher plus the head's loss (plus cosine, if asked)."""

    def __init__(self, config: DistillConfig, head: Head, teacher: Any, plan: StudentPlan,
                 teacher_run: RunRecord) -> None:
        self.config, self.head, self.teacher, self.plan = config, head, teacher, plan
        self.teacher_run = teacher_run
        self.cache: TeacherCache | None = None

    def training_examples(self, examples: Sequence[Any], seed: int) -> Sequence[Any]:
        """The training split plus ``--distill-augment`` perturbed copies of each sentence."""
        return augment_examples(examples, self.config.copies(self.head.label_kind),
                                self.config.augment_rate, seed)

    def setup(self, view: Any) -> None:
        """The teacher's outputs for the whole training split, once (or from a resumed run's
        cache); every process computes the whole cache, so each can serve any shard."""
        path = view.workdir / TEACHER_CACHE
        if path.is_file():
            self.cache = TeacherCache.load(path)
            if len(self.cache) == view.sizes["train"]:
                return
        self.teacher.to(view.device)  # where the engine puts the inputs
        self.cache = TeacherCache.compute(
            self.teacher, view.sizes["train"], view.batches("train"),
            lambda indices: view.inputs("train", indices), hidden=self.config.uses_hidden,
            precision=view.autocast)
        if view.is_main:
            self.cache.save(path)

    def loss(self, forward: Callable[..., Any], inputs: dict[str, Any], labels: Any,
             indices: Sequence[int]) -> Any:
        assert self.cache is not None, "setup() runs before the first step"
        hidden = None
        if self.config.uses_hidden:
            logits, hidden = forward(inputs, hidden=True)
        else:
            logits = forward(inputs)
        width = logits.shape[1] if logits.ndim == 3 else None
        cached = self.cache.batch(indices, width)
        device = logits.device
        token_mask = labels.to(device) != -100 if self.head.label_kind == "token" else None
        return distill_loss(
            self.config, self.head.label_kind, logits, cached.logits.to(device),
            self.head.loss(logits, labels.to(device)), token_mask=token_mask,
            student_hidden=hidden,
            teacher_hidden=cached.hidden.to(device) if cached.hidden is not None else None,
            attention_mask=inputs.get("attention_mask")).total

    def report(self, view: Any, model: Any) -> tuple[dict[str, Any], str]:
        """Teacher and student scored on the same split, timed in this same process."""
        split = "test" if view.sizes.get("test") else "validation"
        report: dict[str, Any] = {
            "split": split,
            "teacher": {"run": self.config.teacher, "entry": self.teacher_run.entry,
                        "strategy": self.teacher_run.strategy,
                        "layers": self.plan.teacher_layers},
            "student": {"layers": self.plan.student_layers, "from_teacher_layers":
                        list(self.plan.picks)},
            "loss": {"temperature": self.config.temperature, "alpha_soft": self.config.alpha_soft,
                     "alpha_hard": self.config.alpha_hard, "alpha_cos": self.config.alpha_cos},
        }
        if not view.sizes.get(split):
            return report, ""
        labels = view.labels(split)
        teacher_scores = self.head.metrics(view.logits(self.teacher, split), labels)
        student_scores = self.head.metrics(view.logits(model, split), labels)
        report["teacher"]["metrics"] = teacher_scores
        report["student"]["metrics"] = student_scores
        report["retention"] = {k: student_scores[k] / v for k, v in teacher_scores.items()
                               if k in student_scores and v}
        size = view.sizes[split]
        batches = {n: view.inputs(split, list(range(min(n, size)))) for n in LATENCY_BATCHES}
        timing = compare(self.teacher, model, batches)
        for who in ("teacher", "student"):
            report[who]["parameters"] = timing[who]["parameters"]
            report[who]["latency"] = timing[who]["latency"]
        report["size_ratio"] = timing["size_ratio"]
        report["speedup"] = timing["speedup"]
        return report, card_section(report)


def card_section(report: dict[str, Any]) -> str:
    """The model card's comparison table: what compressing the teacher cost and saved."""
    teacher, student = report["teacher"], report["student"]
    metrics = list(teacher.get("metrics", {}))
    sizes = list(report.get("speedup", {}))
    head = ["model", "layers", "parameters"] + [f"{report['split']} {m}" for m in metrics]
    head += [f"latency b={n} (ms)" for n in sizes]

    def row(name: str, who: dict[str, Any]) -> str:
        cells = [name, str(who["layers"]), f"{who.get('parameters', 0):,}"]
        cells += [f"{who['metrics'][m]:.4f}" for m in metrics]
        cells += [f"{who['latency'][n]['median_s'] * 1000:.2f}" for n in sizes]
        return "| " + " | ".join(cells) + " |"

    lines = ["## Distillation", "",
             f"Distilled from the teacher run `{teacher['run']}` ({teacher.get('entry')}, "
             f"{teacher['layers']} layers) into a {student['layers']}-layer student initialised "
             f"from teacher layers {student['from_teacher_layers']}.", "",
             "| " + " | ".join(head) + " |", "|---" * len(head) + "|",
             row("teacher", teacher), row("student", student), ""]
    if report.get("retention"):
        lines.append("Retention (student / teacher): " + ", ".join(
            f"{m} {v:.1%}" for m, v in report["retention"].items()) + ".")
    if sizes:
        lines.append("Speed-up: " + ", ".join(f"{report['speedup'][n]:.2f}x at batch {n}"
                                              for n in sizes)
                     + f"; size {report['size_ratio']:.1%} of the teacher's "
                     "(both timed in the same process, median of repeated runs).")
    loss = report["loss"]
    lines.append(f"Loss: {loss['alpha_soft']} x soft KL (T={loss['temperature']}, scaled by "
                 f"T squared) + {loss['alpha_hard']} x hard labels + {loss['alpha_cos']} x cosine.")
    return "\n".join(lines) + "\n"
