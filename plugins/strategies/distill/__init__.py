"""Builtin plugin: the ``distill`` strategy, compressing a fine-tuned teacher into a
DistilBERT-style student (fewer layers, initialised from the teacher's)."""

from __future__ import annotations

from .config import DistillConfig
from .latency import Latency, compare, count_parameters, measure_latency
from .loss import DistillLoss, cosine_loss, distill_loss, soft_loss
from .student import StudentPlan, build_student, plan_student, select_layers
from .teacher_cache import TeacherBatch, TeacherCache

__all__ = ["DistillConfig", "DistillLoss", "Latency", "StudentPlan", "TeacherBatch",
           "TeacherCache", "build_student", "compare", "cosine_loss", "count_parameters",
           "distill_loss", "measure_latency", "plan_student", "select_layers", "soft_loss"]
