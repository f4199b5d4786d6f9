"""The distill strategy end to end on a tiny teacher: adapt with a teacher run, or without one
(zoo trains the teacher with full first); the run directory reports and reloads."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from zoo.errors import UsageError

from distill_helpers import engine_run, sentiment_snapshot


@pytest.fixture(scope="module")
def snapshot(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return sentiment_snapshot(tmp_path_factory.mktemp("snapshot"))


@pytest.fixture(scope="module")
def teacher(snapshot: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return engine_run(snapshot, tmp_path_factory.mktemp("teacher") / "run", "full").output


def test_distill_from_a_teacher_run(snapshot: Path, teacher: Path, tmp_path: Path) -> None:
    from transformers import AutoModelForSequenceClassification

    out = engine_run(snapshot, tmp_path / "student", "distill", {"teacher": str(teacher)})
    run = json.loads((out.output / "run.json").read_text())
    metrics = json.loads((out.output / "metrics.json").read_text())
    assert run["strategy"]["name"] == "distill"
    assert run["strategy"]["config"]["teacher"] == str(teacher)
    report = metrics["distill"]
    assert report["teacher"]["layers"] == 4 and report["student"]["layers"] == 2
    assert report["student"]["from_teacher_layers"] == [0, 2]
    assert report["student"]["parameters"] < report["teacher"]["parameters"]
    # the report scores the saved student: the engine's own test figures agree
    assert report["student"]["metrics"]["accuracy"] == pytest.approx(metrics["test"]["accuracy"])
    # both scored with every metric the head reports (the engine's test figures add the loss)
    assert set(report["teacher"]["metrics"]) == set(report["student"]["metrics"]) \
        == set(metrics["test"]) - {"loss"}
    acc = report["retention"]["accuracy"]
    assert acc == pytest.approx(report["student"]["metrics"]["accuracy"]
                                / report["teacher"]["metrics"]["accuracy"])
    assert set(report["speedup"]) == {"1", "32"}
    card = (out.output / "README.md").read_text()
    assert "## Distillation" in card and "Retention" in card
    model = AutoModelForSequenceClassification.from_pretrained(out.output)
    assert model.config.num_hidden_layers == 2


def test_the_teacher_is_loaded_once_per_run(snapshot: Path, teacher: Path, tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """prepare() builds the student from the teacher and hands it to objective()."""
    from zoo.plugins.text.domain import TextDomain

    loads: list[Path] = []
    real = TextDomain.load_run

    def counted(self, path, head):  # the real loader, counted
        loads.append(Path(path))
        return real(self, path, head)

    monkeypatch.setattr(TextDomain, "load_run", counted)
    engine_run(snapshot, tmp_path / "student", "distill", {"teacher": str(teacher)})
    assert loads.count(Path(teacher)) == 1


def test_distill_without_a_teacher_adapts_one_with_full_first(snapshot: Path, tmp_path: Path) -> None:
    out = engine_run(snapshot, tmp_path / "run", "distill", {"student_layers": 1}, epochs=1)
    teacher = tmp_path / "run-teacher"
    assert json.loads((teacher / "run.json").read_text())["strategy"]["name"] == "full"
    run = json.loads((out.output / "run.json").read_text())
    assert run["strategy"]["config"]["teacher"] == str(teacher)
    assert json.loads((out.output / "metrics.json").read_text())["distill"]["student"]["layers"] == 1


def test_teacher_must_be_a_finished_run(snapshot: Path, tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="--teacher .* is not a zoo run directory"):
        engine_run(snapshot, tmp_path / "run", "distill", {"teacher": str(tmp_path)})


def test_distill_with_the_cosine_term(snapshot: Path, teacher: Path, tmp_path: Path) -> None:
    out = engine_run(snapshot, tmp_path / "run", "distill",
                     {"teacher": str(teacher), "alpha_cos": 1.0, "temperature": 4.0}, epochs=1)
    report = json.loads((out.output / "metrics.json").read_text())["distill"]
    assert report["loss"] == {"temperature": 4.0, "alpha_soft": 0.5, "alpha_hard": 0.5,
                              "alpha_cos": 1.0}
    assert out.result.history[0]["train_loss"] > 0


def test_student_layers_beyond_the_teacher_are_refused(snapshot: Path, teacher: Path,
                                                       tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="between 1 and the teacher's 4 layers, not 5"):
        engine_run(snapshot, tmp_path / "run", "distill",
                   {"teacher": str(teacher), "student_layers": 5})


def test_distill_a_token_classifier(snapshot: Path, tmp_path: Path) -> None:
    from transformers import AutoModelForTokenClassification

    teacher = engine_run(snapshot, tmp_path / "teacher", "full", head="token-classification",
                         epochs=1).output
    out = engine_run(snapshot, tmp_path / "run", "distill", {"teacher": str(teacher),
                                                              "alpha_cos": 1.0},
                     head="token-classification", epochs=1)
    report = json.loads((out.output / "metrics.json").read_text())["distill"]
    assert report["student"]["layers"] == 2 and report["teacher"]["metrics"]
    assert AutoModelForTokenClassification.from_pretrained(out.output).config.num_hidden_layers == 2


def test_augmented_copies_are_trained_on_with_the_teachers_targets(
        snapshot: Path, teacher: Path, tmp_path: Path) -> None:
    out = engine_run(snapshot, tmp_path / "run", "distill",
                     {"teacher": str(teacher), "augment": 2}, epochs=1)
    run = json.loads((out.output / "run.json").read_text())
    assert run["strategy"]["config"]["augment"] == 2
    # 160 sentences and two copies of each, all in the epoch; the soft targets of a copy come
    # from the teacher cache, which would fail on an index it does not hold
    assert out.result.examples == 480
    # the data recorded is the task's own, not the copies
    assert run["data"]["rows"]["train"] == 160


def test_augmenting_a_token_task_is_refused(snapshot: Path, tmp_path: Path) -> None:
    teacher = engine_run(snapshot, tmp_path / "teacher", "full", head="token-classification",
                         epochs=1).output
    with pytest.raises(UsageError, match="--distill-augment perturbs whole sentences"):
        engine_run(snapshot, tmp_path / "run", "distill", {"teacher": str(teacher), "augment": 1},
                   head="token-classification", epochs=1)
