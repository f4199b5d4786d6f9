"""Few-shot: SetFit's method (Tunstall et al. 2022) for a few labelled examples per class.

First the sentence encoder is fine-tuned contrastively on pairs drawn from the labelled
examples (two of a class should embed close, two of different classes apart), through
setfit's own pair sampling and trainer and sentence-transformers' loss; then setfit's
classifier stage fits a logistic regression on the tuned encoder's embeddings, which becomes
the run's linear head. A few dozen examples make thousands of pairs, which is where the
method finds the signal full fine-tuning lacks. The engine trains nothing by default (no
epochs: it evaluates); ``--epochs N`` trains the head on from the fitted one, on cached
features, as ``freeze`` does.
"""

from __future__ import annotations

import importlib.util
import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

from zoo.capabilities import FeatureCache, LayerAccess, SentenceEncoder
from zoo.components import Domain, Head, Strategy
from zoo.data.label_formats import SingleLabel
from zoo.errors import UsageError
from zoo.plugins.strategies.freeze import FreezeConfig, FreezeStrategy

#: The model after the few-shot stage (tuned encoder, fitted head), kept in the run's work
#: folder so a resumed run does not train its pairs again.
STAGE_FILE = "fewshot-stage.safetensors"
INSTALL = "pip install -c constraints.txt 'zoo[fewshot]'"


@dataclass(frozen=True)
class FewShotConfig:
    iterations: int = field(default=20, metadata={
        "help": "Pairs per training example: each iteration draws one similar and one "
                "dissimilar pair for every example (setfit's num_iterations)."})
    pair_steps: int = field(default=200, metadata={
        "help": "The most contrastive steps; more examples than that covers use fewer "
                "iterations each."})
    pair_batch_size: int = field(default=16, metadata={
        "help": "Pairs per contrastive step."})
    body_lr: float = field(default=2e-5, metadata={
        "help": "The encoder's learning rate in the contrastive stage (the head's is --lr)."})

    def __post_init__(self) -> None:
        for name in ("iterations", "pair_steps", "pair_batch_size"):
            if getattr(self, name) < 1:
                raise UsageError(f"--fewshot-{name.replace('_', '-')} must be at least 1, "
                                 f"not {getattr(self, name)}")
        if self.body_lr <= 0:
            raise UsageError(f"--fewshot-body-lr must be positive, not {self.body_lr}")


class FewShotStrategy(Strategy):
    name = "fewshot"
    description = ("SetFit: contrastive pairs tune the sentence encoder, then a logistic "
                   "regression head is fitted")
    config_class = FewShotConfig
    #: What the engine does after the few-shot stage (nothing unless --epochs N) is freeze's:
    #: the head alone on frozen, cached features.
    _head_stage = FreezeStrategy()
    _head_config = FreezeConfig(layers=-1)
    lr = _head_stage.lr  # for --epochs N: the head trains on as freeze trains it
    epochs = 0

    def requires(self, config: FewShotConfig) -> tuple[type, ...]:
        return (SentenceEncoder, LayerAccess, FeatureCache)

    def caches_features(self, config: FewShotConfig) -> bool:
        return True

    def fixed_modules(self, model: Any, domain: Domain, config: FewShotConfig) -> list[Any]:
        return self._head_stage.fixed_modules(model, domain, self._head_config)

    def prepare(self, model: Any, domain: Domain, config: FewShotConfig, head: Head) -> Any:
        if not isinstance(head.label_format(), SingleLabel):
            raise UsageError(f"strategy 'fewshot' draws its pairs from one class per input; "
                             f"head {head.name!r} is not single-label: use --strategy full")
        _require_setfit()
        return self._head_stage.prepare(model, domain, self._head_config, head)

    def before_training(self, model: Any, domain: Domain, config: FewShotConfig, *,
                        train: Any, train_config: Any, base_path: Path, workdir: Path) -> Any:
        """The contrastive stage on the backbone ``prepare`` froze for the engine, then the
        head fitted on the tuned embeddings."""
        from safetensors.torch import load_file

        saved = workdir / STAGE_FILE
        if saved.is_file():  # a resumed run: its pairs were trained before the interruption
            model.load_state_dict(load_file(str(saved)))
            return model
        backbone = cast(LayerAccess, domain).backbone_module(model)
        encoder = cast(SentenceEncoder, domain).sentence_encoder(model, base_path,
                                                                 train_config.max_length)
        texts, labels = [e.input for e in train], [int(e.label) for e in train]
        backbone.requires_grad_(True)
        try:
            fitted = _setfit(encoder, texts, labels, config, train_config, workdir)
        finally:
            backbone.requires_grad_(False)
        _set_linear(cast(SentenceEncoder, domain).sentence_head(model), fitted)
        _save_atomic(model, saved)
        return model


def _require_setfit() -> None:
    if importlib.util.find_spec("setfit") is None:
        raise UsageError(f"strategy 'fewshot' needs setfit, which is not installed: {INSTALL}")


def _setfit(encoder: Any, texts: list[str], labels: list[int], config: FewShotConfig,
            train_config: Any, workdir: Path) -> Any:
    """setfit's two stages: its pair sampler with sentence-transformers' CosineSimilarityLoss
    (setfit's default) through its trainer, then its classifier stage, a scikit-learn
    logistic regression on the tuned embeddings, which is returned. Nothing is written but
    scratch under ``workdir``. The pairs train in the engine's precision for the device."""
    from setfit import SetFitModel, Trainer, TrainingArguments
    from sklearn.linear_model import LogisticRegression
    from transformers.trainer_callback import PrinterCallback

    from zoo.engine.device import mixed_precision, process_state

    if len(set(labels)) < 2:
        raise UsageError("strategy 'fewshot' needs training examples of at least two classes "
                         "(it learns from pairs of different classes)")
    logging.getLogger("setfit").setLevel(logging.WARNING)  # zoo prints its own summary
    device = process_state(train_config.device).device.type  # as the engine's accelerator
    precision = mixed_precision(device, train_config.bf16)
    args = TrainingArguments(
        output_dir=str(workdir / "fewshot"), batch_size=config.pair_batch_size,
        num_iterations=config.iterations, max_steps=pair_steps(len(texts), config),
        body_learning_rate=config.body_lr, num_epochs=1, seed=train_config.seed,
        save_strategy="no", report_to="none", logging_strategy="no", logging_first_step=False,
        show_progress_bar=train_config.progress, use_amp=precision == "fp16",
        **({"loss": _bf16_pair_loss(device)} if precision == "bf16" else {}))
    model = SetFitModel(model_body=encoder,
                        model_head=LogisticRegression(max_iter=1000,
                                                      random_state=train_config.seed))
    with _on_cpu(train_config.device == "cpu"):
        trainer = Trainer(model=model, args=args)
        trainer.st_trainer.remove_callback(PrinterCallback)  # its loss dicts on zoo's output
        trainer.train_embeddings(texts, labels, args=args)
        trainer.train_classifier(texts, labels, args=args)
    return model.model_head


def _bf16_pair_loss(device: str) -> type:
    """setfit's loss, CosineSimilarityLoss, with the encoder under bf16 autocast on ``device``
    (setfit's arguments carry fp16 only) and the cosines and their squared error in fp32:
    bf16 cosines near 1 are 2**-8 apart, coarser than what the pairs teach."""
    import torch
    from sentence_transformers.sentence_transformer.losses import CosineSimilarityLoss

    class Bf16CosineSimilarityLoss(CosineSimilarityLoss):
        def forward(self, sentence_features: Any, labels: Any) -> Any:
            with torch.autocast(device, dtype=torch.bfloat16):
                embeddings = [self.model(f)["sentence_embedding"] for f in sentence_features]
            return self.compute_loss_from_embeddings([e.float() for e in embeddings], labels)

    return Bf16CosineSimilarityLoss


@contextmanager
def _on_cpu(cpu: bool) -> Iterator[None]:
    """``--device cpu`` for setfit's trainer, which takes no device: transformers' Trainer
    reads accelerate's ``ACCELERATE_USE_CPU`` when it picks one, so it is set meanwhile."""
    if not cpu:
        yield
        return
    before = os.environ.get("ACCELERATE_USE_CPU")
    os.environ["ACCELERATE_USE_CPU"] = "true"
    try:
        yield
    finally:
        if before is None:
            del os.environ["ACCELERATE_USE_CPU"]
        else:
            os.environ["ACCELERATE_USE_CPU"] = before


def _set_linear(linear: Any, fitted: Any) -> None:
    """``linear`` (one logit per label) made to give ``fitted``'s probabilities. A binary
    logistic regression has one margin ``z``: the two logits ``-z/2`` and ``z/2`` give the
    same softmax. A label absent from the training rows gets a logit that never wins."""
    import torch

    classes = [int(c) for c in fitted.classes_]
    coef = torch.as_tensor(fitted.coef_, dtype=linear.weight.dtype)
    intercept = torch.as_tensor(fitted.intercept_, dtype=linear.bias.dtype)
    if coef.shape[0] == 1:
        coef, intercept = torch.stack([-coef[0], coef[0]]) / 2, torch.stack(
            [-intercept[0], intercept[0]]) / 2
    weight = torch.zeros_like(linear.weight)
    bias = torch.full_like(linear.bias, -1e4)
    for row, label in enumerate(classes):
        weight[label], bias[label] = coef[row], intercept[row]
    with torch.no_grad():
        linear.weight.copy_(weight)
        linear.bias.copy_(bias)


def pair_steps(rows: int, config: FewShotConfig) -> int:
    """The contrastive steps ``rows`` examples make: setfit draws two pairs per example per
    iteration, capped at ``config.pair_steps`` (a step past the pairs would repeat them)."""
    return min(config.pair_steps, -(-2 * config.iterations * rows // config.pair_batch_size))


def _save_atomic(module: Any, path: Path) -> None:
    from safetensors.torch import save_file

    from zoo.integrity import atomic_target

    with atomic_target(path) as tmp:
        save_file({k: v.detach().contiguous().cpu() for k, v in module.state_dict().items()},
                  str(tmp))
