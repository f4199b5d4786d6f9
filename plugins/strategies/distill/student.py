"""Build a DistilBERT-style student from a teacher: the same architecture with fewer layers,
initialised from the teacher's own weights (embeddings and head copied, every other layer
taken), so distillation starts close to the teacher instead of from scratch.

Generic over transformers encoders: the layer stack is found by inspecting the model (the one
ModuleList as long as ``config.num_hidden_layers``), and weights move by renaming state_dict
keys, so BERT, RoBERTa, MPNet, ELECTRA, DistilBERT and their kin need no special case.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

from zoo.errors import UsageError


@dataclass(frozen=True)
class StudentPlan:
    """Which teacher layer each student layer starts from; recorded in run.json."""

    layer_path: str
    teacher_layers: int
    student_layers: int
    picks: tuple[int, ...]


def default_student_layers(teacher_layers: int) -> int:
    """Half the teacher's depth, as DistilBERT halved BERT-base (at least one layer)."""
    return max(1, teacher_layers // 2)


def select_layers(teacher_layers: int, student_layers: int) -> tuple[int, ...]:
    """Teacher layer for each student layer: evenly spaced from the bottom, so halving takes
    layers 0, 2, 4, ... (student layer i = teacher layer 2i), as DistilBERT did."""
    if not 1 <= student_layers <= teacher_layers:
        raise UsageError(f"--student-layers must be between 1 and the teacher's "
                         f"{teacher_layers} layers, not {student_layers}")
    return tuple(i * teacher_layers // student_layers for i in range(student_layers))


def find_layer_list(model: Any) -> tuple[str, Any]:
    """The dotted name and module of the model's stack of encoder layers.

    Candidates are ModuleLists whose length is ``config.num_hidden_layers`` and whose blocks
    share one class; when a model has several (rare), the one named ``layer``/``layers`` wins.
    """
    import torch

    depth = getattr(model.config, "num_hidden_layers", None)
    found = [(name, module) for name, module in model.named_modules()
             if isinstance(module, torch.nn.ModuleList) and depth and len(module) == depth
             and len({type(block) for block in module}) == 1]
    if len(found) > 1:
        found = [(n, m) for n, m in found if n.rsplit(".", 1)[-1] in ("layer", "layers")]
    if len(found) != 1:
        raise UsageError(f"cannot find the encoder layers of {type(model).__name__}: "
                         f"distill supports BERT-family encoders (bert, roberta, mpnet, ...)")
    return found[0]


def plan_student(teacher: Any, student_layers: int | None = None) -> StudentPlan:
    """The layer mapping for a student of ``student_layers`` layers (None or 0: half)."""
    path, layers = find_layer_list(teacher)
    depth = len(layers)
    n = student_layers or default_student_layers(depth)
    return StudentPlan(path, depth, n, select_layers(depth, n))


def _teacher_key(key: str, plan: StudentPlan) -> str:
    """The teacher's name for a student parameter: layer i of the stack becomes picks[i]."""
    prefix = plan.layer_path + "."
    if not key.startswith(prefix):
        return key
    index, rest = key[len(prefix):].split(".", 1)
    return f"{prefix}{plan.picks[int(index)]}.{rest}"


def build_student(teacher: Any, student_layers: int | None = None) -> tuple[Any, StudentPlan]:
    """A new model of the teacher's class and config, ``student_layers`` deep, holding the
    teacher's weights: every parameter and buffer comes from the teacher (none left random)."""
    plan = plan_student(teacher, student_layers)
    config = copy.deepcopy(teacher.config)
    config.num_hidden_layers = plan.student_layers
    # A transformers class takes its config; zoo's own (a mean-pooled classifier) says how.
    make = getattr(type(teacher), "from_config", None) or type(teacher)
    student = make(config).to(dtype=next(teacher.parameters()).dtype)
    source = teacher.state_dict()
    state = {}
    for key, value in student.state_dict().items():
        original = source[_teacher_key(key, plan)]
        if original.shape != value.shape:
            raise UsageError(f"cannot copy {key} from the teacher: shape {tuple(original.shape)} "
                             f"is not the student's {tuple(value.shape)}")
        state[key] = original.detach().clone()
    student.load_state_dict(state, strict=True)
    student.train(teacher.training)
    return student, plan
