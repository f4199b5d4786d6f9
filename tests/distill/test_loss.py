"""Each term of the distillation loss against a computation written out by hand."""

from __future__ import annotations

import math

import pytest
import torch

from zoo.errors import UsageError
from zoo.plugins.strategies.distill import DistillConfig, cosine_loss, distill_loss, soft_loss


def _softmax(row: list[float], t: float) -> list[float]:
    exps = [math.exp(x / t) for x in row]
    return [e / sum(exps) for e in exps]


def _kl(teacher: list[float], student: list[float], t: float) -> float:
    q, p = _softmax(teacher, t), _softmax(student, t)
    return sum(qi * math.log(qi / pi) for qi, pi in zip(q, p))


S = [[1.0, -0.5, 2.0], [0.3, 0.1, -1.2]]
T = [[2.0, 0.0, 1.0], [-0.4, 1.5, 0.2]]


def test_soft_single_label_is_kl_of_tempered_softmaxes_times_t_squared() -> None:
    expected = sum(_kl(t, s, 2.0) for s, t in zip(S, T)) / 2 * 4.0
    got = soft_loss(torch.tensor(S), torch.tensor(T), "single", 2.0)
    assert got.item() == pytest.approx(expected, rel=1e-5)


def test_soft_is_zero_when_student_matches_teacher() -> None:
    assert soft_loss(torch.tensor(T), torch.tensor(T), "single", 3.0).item() == pytest.approx(0, abs=1e-6)


def test_soft_token_averages_over_labelled_tokens_only() -> None:
    student = torch.tensor([S])  # one sequence of two tokens
    teacher = torch.tensor([T])
    mask = torch.tensor([[True, False]])
    got = soft_loss(student, teacher, "token", 2.0, mask)
    assert got.item() == pytest.approx(_kl(T[0], S[0], 2.0) * 4.0, rel=1e-5)


def test_soft_multi_label_is_tempered_binary_cross_entropy() -> None:
    s, t, temp = [0.5, -1.0], [2.0, 0.0], 2.0
    expected = 0.0
    for si, ti in zip(s, t):
        q = 1 / (1 + math.exp(-ti / temp))
        p = 1 / (1 + math.exp(-si / temp))
        expected -= q * math.log(p) + (1 - q) * math.log(1 - p)
    got = soft_loss(torch.tensor([s]), torch.tensor([t]), "multi", temp)
    assert got.item() == pytest.approx(expected / 2 * temp * temp, rel=1e-5)


def test_soft_regression_is_mse_without_temperature() -> None:
    got = soft_loss(torch.tensor([[1.0], [3.0]]), torch.tensor([[2.0], [0.0]]), "regression", 4.0)
    assert got.item() == pytest.approx((1 + 9) / 2)


def test_soft_unknown_label_kind_is_a_usage_error() -> None:
    with pytest.raises(UsageError, match="does not support heads with 'spans' labels"):
        soft_loss(torch.tensor(S), torch.tensor(T), "spans", 2.0)


def test_cosine_is_one_minus_cos_over_real_tokens() -> None:
    student = torch.tensor([[[1.0, 0.0], [1.0, 1.0], [5.0, 5.0]]])
    teacher = torch.tensor([[[0.0, 1.0], [1.0, 1.0], [-1.0, 0.0]]])
    mask = torch.tensor([[1, 1, 0]])  # the third token is padding
    expected = ((1 - 0.0) + (1 - 1.0)) / 2
    assert cosine_loss(student, teacher, mask).item() == pytest.approx(expected, abs=1e-6)


def test_total_weights_each_term() -> None:
    config = DistillConfig(temperature=2.0, alpha_soft=0.3, alpha_hard=0.7, alpha_cos=2.0)
    student, teacher = torch.tensor(S), torch.tensor(T)
    hard = torch.tensor(1.25)
    hs = torch.tensor([[[1.0, 0.0]], [[0.0, 1.0]]])
    ht = torch.tensor([[[0.0, 1.0]], [[0.0, 1.0]]])
    mask = torch.ones(2, 1)
    out = distill_loss(config, "single", student, teacher, hard, student_hidden=hs,
                       teacher_hidden=ht, attention_mask=mask)
    soft = sum(_kl(t, s, 2.0) for s, t in zip(S, T)) / 2 * 4.0
    assert out.soft.item() == pytest.approx(soft, rel=1e-5)
    assert out.cos.item() == pytest.approx(0.5, abs=1e-6)
    assert out.total.item() == pytest.approx(0.3 * soft + 0.7 * 1.25 + 2.0 * 0.5, rel=1e-5)


def test_default_leaves_cosine_out_and_needs_no_hidden_states() -> None:
    config = DistillConfig()
    assert (config.temperature, config.alpha_soft, config.alpha_hard, config.alpha_cos) == (2.0, 0.5, 0.5, 0.0)
    assert not config.uses_hidden
    out = distill_loss(config, "single", torch.tensor(S), torch.tensor(T), torch.tensor(2.0))
    assert out.cos.item() == 0.0
    assert out.total.item() == pytest.approx(0.5 * out.soft.item() + 0.5 * 2.0, rel=1e-6)


def test_gradient_reaches_the_student_only_through_its_logits() -> None:
    student = torch.tensor(S, requires_grad=True)
    teacher = torch.tensor(T, requires_grad=True)
    distill_loss(DistillConfig(alpha_hard=0.0), "single", student, teacher, torch.tensor(0.0)).total.backward()
    assert student.grad is not None and student.grad.abs().sum() > 0


@pytest.mark.parametrize(("options", "message"), [
    ({"temperature": 0.0}, "--distill-temperature must be positive"),
    ({"alpha_soft": -1.0}, "--distill-alpha-soft must be a non-negative number"),
    ({"alpha_cos": float("nan")}, "--distill-alpha-cos must be a non-negative number"),
    ({"student_layers": -2}, "--student-layers must not be negative"),
    ({"alpha_soft": 0.0, "alpha_hard": 0.0}, "at least one of"),
])
def test_config_rejects_bad_values(options: dict, message: str) -> None:
    with pytest.raises(UsageError, match=message):
        DistillConfig(**options)
