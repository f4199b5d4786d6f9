"""Fixtures of the serve tests: one tiny classification run, trained once and exported, in an
offline zoo; the servers are real ``zoo serve`` subprocesses on free loopback ports."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from zoo.testing import offline_zoo

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "export"))

#: The run reads this many tokens of an input, so a test's long text is cut.
MAX_LENGTH = 16


@pytest.fixture(scope="package")
def served_run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A tiny BERT sentiment run (``--max-length 16``) and its ONNX export."""
    from export_helpers import TASKS, invoke, rows, tiny_bert_catalog, write_jsonl

    root = tmp_path_factory.mktemp("serve-env")
    with offline_zoo(root, tiny_bert_catalog(root)):
        train = write_jsonl(root / "train.jsonl", rows("classification", 96, 1))
        out = root / "run"
        result = invoke("adapt", "tiny-bert", "--task", TASKS["classification"], "--data", train,
                        "--output", out, "--epochs", "1", "--batch-size", "16", "--lr", "2e-3",
                        "--max-length", str(MAX_LENGTH), "--no-bf16", "--no-progress", "--json")
        assert result.exit_code == 0, result.output
        result = invoke("export", out, "--data", train)
        assert result.exit_code == 0, result.output
        yield out
