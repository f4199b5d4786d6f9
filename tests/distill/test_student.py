"""The student: layer selection, exact weight copying, architectures, errors, reloading."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from zoo.errors import UsageError
from zoo.plugins.strategies.distill import build_student, plan_student, select_layers

from distill_helpers import random_inputs, tiny_teacher


@pytest.mark.parametrize(("teacher", "student", "picks"), [
    (4, 2, (0, 2)), (6, 3, (0, 2, 4)), (12, 6, (0, 2, 4, 6, 8, 10)), (6, 6, tuple(range(6))),
    (6, 1, (0,)), (6, 4, (0, 1, 3, 4)),
])
def test_select_layers(teacher: int, student: int, picks: tuple[int, ...]) -> None:
    assert select_layers(teacher, student) == picks


@pytest.mark.parametrize("student", [0, -1, 5])
def test_select_layers_out_of_range(student: int) -> None:
    with pytest.raises(UsageError, match="between 1 and the teacher's 4 layers"):
        select_layers(4, student)


def test_plan_defaults_to_half() -> None:
    plan = plan_student(tiny_teacher(layers=6))
    assert (plan.layer_path, plan.teacher_layers, plan.student_layers, plan.picks) == (
        "bert.encoder.layer", 6, 3, (0, 2, 4))


def test_student_layer_i_is_teacher_layer_2i() -> None:
    teacher = tiny_teacher(layers=4)
    student, plan = build_student(teacher)
    assert student.config.num_hidden_layers == 2 and len(student.bert.encoder.layer) == 2
    assert teacher.config.num_hidden_layers == 4  # the teacher's config is left alone
    for i in range(2):
        s_state = student.bert.encoder.layer[i].state_dict()
        t_state = teacher.bert.encoder.layer[2 * i].state_dict()
        assert s_state.keys() == t_state.keys()
        for key in s_state:
            assert torch.equal(s_state[key], t_state[key]), (i, key)
    # different teacher layers really differ, so the check above could fail
    assert not torch.equal(teacher.bert.encoder.layer[0].attention.self.query.weight,
                           teacher.bert.encoder.layer[1].attention.self.query.weight)


def test_everything_outside_the_layers_is_copied() -> None:
    teacher = tiny_teacher()
    student, _ = build_student(teacher)
    t_state = teacher.state_dict()
    outside = [k for k in student.state_dict() if ".encoder.layer." not in k]
    assert any(k.startswith("bert.embeddings.") for k in outside)
    assert {"classifier.weight", "classifier.bias", "bert.pooler.dense.weight"} <= set(outside)
    for key in outside:
        assert torch.equal(student.state_dict()[key], t_state[key]), key


def test_student_copies_share_no_storage() -> None:
    teacher = tiny_teacher()
    student, _ = build_student(teacher)
    with torch.no_grad():
        student.classifier.weight.add_(1.0)
    assert not torch.equal(student.classifier.weight, teacher.classifier.weight)


def test_full_depth_student_computes_the_teachers_function() -> None:
    teacher = tiny_teacher()
    student, _ = build_student(teacher, 4)
    inputs = random_inputs(3, 7)
    with torch.no_grad():
        assert torch.allclose(student.eval()(**inputs).logits, teacher(**inputs).logits)


def _tiny(cls_name: str, config_name: str, **extra: int) -> torch.nn.Module:
    import transformers

    sizes = dict(hidden_size=32, num_hidden_layers=4, num_attention_heads=2,
                 intermediate_size=37, vocab_size=100)
    if config_name == "DistilBertConfig":
        sizes = dict(dim=32, n_layers=4, n_heads=2, hidden_dim=37, vocab_size=100)
    config = getattr(transformers, config_name)(**sizes, **extra)
    return getattr(transformers, cls_name)(config)


@pytest.mark.parametrize(("cls_name", "config_name", "path"), [
    ("MPNetForSequenceClassification", "MPNetConfig", "mpnet.encoder.layer"),
    ("RobertaForSequenceClassification", "RobertaConfig", "roberta.encoder.layer"),
    ("ElectraForSequenceClassification", "ElectraConfig", "electra.encoder.layer"),
    ("DistilBertForSequenceClassification", "DistilBertConfig", "distilbert.transformer.layer"),
    ("BertForTokenClassification", "BertConfig", "bert.encoder.layer"),
])
def test_other_bert_family_architectures(cls_name: str, config_name: str, path: str) -> None:
    teacher = _tiny(cls_name, config_name)
    student, plan = build_student(teacher)
    assert plan.layer_path == path and plan.picks == (0, 2)
    layers = student.get_submodule(path)
    t_layers = teacher.get_submodule(path)
    assert len(layers) == 2
    for key, value in layers[1].state_dict().items():
        assert torch.equal(value, t_layers[2].state_dict()[key])


def test_model_without_a_layer_stack_is_refused() -> None:
    class Flat(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.config = type("C", (), {"num_hidden_layers": 2})()
            self.linear = torch.nn.Linear(2, 2)

    with pytest.raises(UsageError, match="cannot find the encoder layers of Flat"):
        plan_student(Flat())


def test_saved_student_reloads_with_plain_transformers(tmp_path: Path) -> None:
    from transformers import AutoModelForSequenceClassification

    teacher = tiny_teacher()
    student, _ = build_student(teacher)
    student.save_pretrained(tmp_path)
    reloaded = AutoModelForSequenceClassification.from_pretrained(tmp_path).eval()
    assert reloaded.config.num_hidden_layers == 2
    inputs = random_inputs(2, 5)
    with torch.no_grad():
        assert torch.allclose(reloaded(**inputs).logits, student.eval()(**inputs).logits)


def test_a_mean_pooled_teacher_gets_a_mean_pooled_student() -> None:
    """The default backbone is a sentence encoder, mean-pooled (zoo.plugins.text.pooled):
    its runs are no transformers class, yet distil the same way."""
    from transformers import AutoModel

    from zoo.plugins.text.pooled import is_pooled, pooled_classifier_class

    config = tiny_teacher(layers=4).config
    encoder = AutoModel.from_config(config)
    encoder.pooler = None
    teacher = pooled_classifier_class()(encoder, config.num_labels)
    student, plan = build_student(teacher)
    assert is_pooled(student) and plan.picks == (0, 2)
    assert len(student.encoder.encoder.layer) == 2
    t_state = teacher.state_dict()
    for key, value in student.state_dict().items():
        expected = key.replace("encoder.layer.1.", "encoder.layer.2.")
        assert torch.equal(value, t_state[expected]), key
