"""The distillation loss: soft targets from the teacher, the head's hard-label loss, and an
optional cosine term aligning hidden states, weighted as :class:`DistillConfig` says.

    total = alpha_soft * soft + alpha_hard * hard + alpha_cos * cos

where ``soft`` carries the T squared factor that keeps its gradients on the hard term's scale.

What "soft targets" means depends on the head's label kind (``Head.label_kind``):
- ``single``: KL(softmax(t / T) || softmax(s / T)) averaged over the batch (Hinton et al.);
- ``token``: the same KL averaged over the labelled tokens only (``mask``);
- ``multi``: binary cross-entropy of sigmoid(s / T) against sigmoid(t / T), each label an
  independent two-way distribution;
- ``regression``: mean squared error between the student's and the teacher's outputs; a
  temperature has no meaning there, so neither it nor T squared applies.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from zoo.errors import UsageError

from .config import DistillConfig

LABEL_KINDS = ("single", "token", "multi", "regression")


@dataclass
class DistillLoss:
    """The weighted total the optimizer follows, and each unweighted term for logging."""

    total: Any
    soft: Any
    hard: Any
    cos: Any


def soft_loss(student: Any, teacher: Any, label_kind: str, temperature: float,
              mask: Any = None) -> Any:
    """The soft-target term for one batch, before its weight (T squared included)."""
    import torch.nn.functional as F

    t = temperature
    if label_kind == "regression":
        return F.mse_loss(student.float(), teacher.float())
    if label_kind == "multi":
        target = (teacher.float() / t).sigmoid()
        return F.binary_cross_entropy_with_logits(student.float() / t, target) * t * t
    if label_kind not in ("single", "token"):
        raise UsageError(f"distill does not support heads with {label_kind!r} labels; "
                         f"supported: {', '.join(LABEL_KINDS)}")
    log_p = F.log_softmax(student.float() / t, dim=-1)
    q = F.softmax(teacher.float() / t, dim=-1)
    per_item = F.kl_div(log_p, q, reduction="none").sum(-1)
    if label_kind == "token":
        keep = mask.to(per_item.dtype)
        return (per_item * keep).sum() / keep.sum().clamp(min=1) * t * t
    return per_item.mean() * t * t


def cosine_loss(student_hidden: Any, teacher_hidden: Any, mask: Any) -> Any:
    """1 - cos(student, teacher) averaged over the real (unpadded) tokens: DistilBERT's
    CosineEmbeddingLoss with target 1, restricted by the attention mask."""
    import torch.nn.functional as F

    cos = F.cosine_similarity(student_hidden.float(), teacher_hidden.float(), dim=-1)
    keep = mask.to(cos.dtype)
    return ((1 - cos) * keep).sum() / keep.sum().clamp(min=1)


def distill_loss(config: DistillConfig, label_kind: str, student_logits: Any,
                 teacher_logits: Any, hard: Any, *, token_mask: Any = None,
                 student_hidden: Any = None, teacher_hidden: Any = None,
                 attention_mask: Any = None) -> DistillLoss:
    """Combine the terms; ``hard`` is the head's own loss on the true labels (so a head's
    label handling, padding of token labels included, stays the head's business)."""
    import torch

    zero = torch.zeros((), device=student_logits.device)
    soft = (soft_loss(student_logits, teacher_logits, label_kind, config.temperature, token_mask)
            if config.alpha_soft else zero)
    cos = (cosine_loss(student_hidden, teacher_hidden, attention_mask)
           if config.alpha_cos else zero)
    hard = hard if config.alpha_hard else zero
    total = config.alpha_soft * soft + config.alpha_hard * hard + config.alpha_cos * cos
    return DistillLoss(total=total, soft=soft, hard=hard, cos=cos)
