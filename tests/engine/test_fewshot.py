"""The few-shot strategy (SetFit's method through setfit and sentence-transformers) on a tiny
mean-pooled sentence encoder, and ``--strategy auto``'s choice at both ends of the rows."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from engine_tiny import (POOLED_FILES, RELOAD_TEXTS, SNAPSHOT_FILES,
                         assert_reloads_in_sentence_transformers, sentiment, sentiment_csv)
from zoo.auto import FEWSHOT_BELOW, choose_strategy
from zoo.catalog import Backbone, FileSpec
from zoo.cli.main import cli
from zoo.plugins.heads.classification import ClassificationHead
from zoo.plugins.heads.multilabel import MultiLabelHead
from zoo.plugins.strategies.fewshot import FewShotConfig, pair_steps
from zoo.plugins.text.domain import TextDomain

pytest.importorskip("setfit")

ADAPT = ["--no-bf16", "--no-progress", "--batch-size", "8"]


def _weights(folder):
    from safetensors.torch import load_file

    return load_file(str(next(folder.glob("*.safetensors"))))


def test_fewshot_tunes_the_encoder_on_pairs_then_the_head_and_reloads_without_zoo(
        pooled_catalog, pooled_snapshot, tmp_path):
    import torch
    from safetensors.torch import load_file

    data = sentiment_csv(tmp_path / "reviews.csv", sentiment(48, 5))
    out = tmp_path / "run"
    runner = CliRunner()
    done = runner.invoke(cli, ["adapt", "tiny-bert", "--task", "classify", "--data", str(data),
                               "--output", str(out), "--strategy", "fewshot",
                               "--fewshot-pair-steps", "12", *ADAPT])
    assert done.exit_code == 0, done.output
    run = json.loads((out / "run.json").read_text())
    assert run["strategy"]["name"] == "fewshot" and run["format"] == "sentence-transformers"
    assert run["budget"]["epochs"] == 0  # the head is the fitted logistic regression
    metrics = json.loads((out / "metrics.json").read_text())
    assert "accuracy" in metrics["validation"] and "accuracy" in metrics["test"]
    assert not list(out.glob("*.bin")) and not list(out.glob("*.pkl"))
    # The contrastive stage moved the encoder; the pooler it never reads is left out.
    before, after = _weights(pooled_snapshot), load_file(str(out / "model.safetensors"))
    shared = [k for k in after if k in before]
    assert shared and any(not torch.equal(before[k], after[k]) for k in shared)
    predicted = runner.invoke(cli, ["predict", str(out), *RELOAD_TEXTS, "--no-bf16", "--json"])
    assert predicted.exit_code == 0, predicted.output
    assert_reloads_in_sentence_transformers(out, json.loads(predicted.stdout))


def test_a_resumed_fewshot_run_keeps_its_tuned_encoder(pooled_snapshot, tmp_path):
    """The few-shot stage writes the tuned model to the work folder; a resumed run loads it
    instead of drawing new pairs (the engine's checkpoint holds only the head)."""
    import torch
    from safetensors.torch import load_file, save_file

    from zoo.engine import TrainConfig
    from zoo.plugins.strategies.fewshot import STAGE_FILE, FewShotStrategy

    domain, head, strategy = TextDomain(), ClassificationHead(), FewShotStrategy()
    config = FewShotConfig(pair_steps=4)
    train = sentiment(24, 2)

    def stage():
        model = strategy.prepare(domain.build_model(pooled_snapshot, head, ["n", "p"]),
                                 domain, config, head)
        strategy.before_training(model, domain, config, train=train,
                                 train_config=TrainConfig(progress=False),
                                 base_path=pooled_snapshot, workdir=tmp_path)
        return {k: v.clone() for k, v in model.state_dict().items()}

    stage()
    moved = {k: v + 1 for k, v in load_file(str(tmp_path / STAGE_FILE)).items()}
    save_file(moved, str(tmp_path / STAGE_FILE))  # what the resumed run must read back
    second = stage()
    assert second.keys() == moved.keys()
    assert all(torch.equal(second[k], moved[k]) for k in moved)


@pytest.mark.parametrize("precision, autocast", [("--bf16", "torch.bfloat16"),
                                                   ("--no-bf16", None)])
def test_the_contrastive_stage_trains_on_the_runs_threads_device_and_precision(
        pooled_catalog, tmp_path, monkeypatch, precision, autocast):
    """setfit's trainer takes neither a thread count, a device nor bf16: the stage must
    still run on ``--threads``, ``--device`` and ``--bf16``, as the engine's training after
    it does; under bf16 the encoder trains in autocast and the loss is computed in fp32."""
    import os

    import torch
    from sentence_transformers import SentenceTransformer
    from sentence_transformers.sentence_transformer.losses import CosineSimilarityLoss

    def autocast_now() -> str | None:
        return str(torch.get_autocast_dtype("cpu")) if torch.is_autocast_enabled("cpu") else None

    losses: list[tuple[int, str | None, str, str | None, torch.dtype]] = []
    encoder: list[str | None] = []
    compute, encode = CosineSimilarityLoss.compute_loss_from_embeddings, SentenceTransformer.forward

    def loss_spy(self, embeddings, labels):
        losses.append((torch.get_num_threads(), os.environ.get("ACCELERATE_USE_CPU"),
                       next(self.model.parameters()).device.type, autocast_now(),
                       embeddings[0].dtype))
        return compute(self, embeddings, labels)

    def encoder_spy(self, *args, **kwargs):
        if torch.is_grad_enabled():  # the pairs' training, not the classifier's embeddings
            encoder.append(autocast_now())
        return encode(self, *args, **kwargs)

    monkeypatch.setattr(CosineSimilarityLoss, "compute_loss_from_embeddings", loss_spy)
    monkeypatch.setattr(SentenceTransformer, "forward", encoder_spy)
    threads = torch.get_num_threads()
    torch.set_num_threads(2)  # what the process had before: the run asks for 1
    try:
        data = sentiment_csv(tmp_path / "reviews.csv", sentiment(24, 2))
        done = CliRunner().invoke(cli, [
            "adapt", "tiny-bert", "--task", "classify", "--data", str(data), "--output",
            str(tmp_path / "run"), "--strategy", "fewshot", "--fewshot-pair-steps", "3",
            "--threads", "1", "--device", "cpu", *[a for a in ADAPT if a != "--no-bf16"],
            precision])
    finally:
        torch.set_num_threads(threads)
    assert done.exit_code == 0, done.output
    assert losses and set(losses) == {(1, "true", "cpu", None, torch.float32)}
    assert encoder and set(encoder) == {autocast}
    assert "ACCELERATE_USE_CPU" not in os.environ  # set for the stage only
    assert not torch.is_autocast_enabled("cpu")


@pytest.mark.parametrize("classes", [2, 3])
def test_the_fitted_logistic_regression_becomes_the_linear_head(classes):
    import numpy as np
    import torch
    from sklearn.linear_model import LogisticRegression

    from zoo.plugins.strategies.fewshot import _set_linear

    rng = np.random.default_rng(0)
    x = rng.normal(size=(60, 8)).astype("float32")
    y = rng.integers(0, classes, size=60)
    fitted = LogisticRegression().fit(x, y)
    linear = torch.nn.Linear(8, classes + 1)  # one label more than the rows have
    _set_linear(linear, fitted)
    with torch.no_grad():
        probs = torch.softmax(linear(torch.from_numpy(x)), -1).numpy()
    np.testing.assert_allclose(probs[:, :classes], fitted.predict_proba(x), atol=1e-5)
    assert probs[:, classes].max() < 1e-6


@pytest.mark.parametrize("files, head, expected", [
    (POOLED_FILES, ClassificationHead(), "fewshot"),
    (SNAPSHOT_FILES, ClassificationHead(), "full"),
    (POOLED_FILES, MultiLabelHead(), "full"),
])
def test_auto_chooses_fewshot_on_few_rows_of_a_sentence_encoder_only(files, head, expected):
    backbone = Backbone(name="enc", repo="x/enc", files=tuple(FileSpec(f) for f in files))
    few = choose_strategy(16, backbone, head, TextDomain())
    assert few.strategy == expected and "16 training rows" in few.reason
    many = choose_strategy(FEWSHOT_BELOW, backbone, head, TextDomain())
    assert many.strategy == "full" and f"{FEWSHOT_BELOW} rows or more" in many.reason


def test_the_contrastive_steps_follow_the_rows_up_to_the_cap():
    config = FewShotConfig(iterations=20, pair_steps=200, pair_batch_size=16)
    assert pair_steps(16, config) == 40  # 16 rows x 20 iterations x 2 pairs / 16 a step
    assert pair_steps(64, config) == 160
    assert pair_steps(1000, config) == 200


def test_fewshot_on_an_encoder_that_does_not_mean_pool_is_one_line(catalog, tmp_path):
    data = sentiment_csv(tmp_path / "reviews.csv", sentiment(24, 1))
    out = tmp_path / "run"
    done = CliRunner().invoke(cli, ["adapt", "tiny-bert", "--task", "classify", "--data",
                                    str(data), "--output", str(out), "--strategy", "fewshot",
                                    *ADAPT])
    assert done.exit_code == 2, done.output
    assert "mean-pools" in done.output and "Traceback" not in done.output
    assert not out.exists() and not list(tmp_path.glob("run*"))
