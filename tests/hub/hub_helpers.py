"""Tiny runs made through the CLI, and plain huggingface_hub / transformers / peft in a
fresh interpreter, for the Hub workflow's tests (push, runs, adapt by repo id)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "engine"))

from engine_tiny import sentiment  # noqa: E402

TEXTS = ["good great fun movie", "awful dull poor plot", "the movie was fine"]


def invoke(*args: Any):
    from click.testing import CliRunner

    from zoo.app import reset_zoo
    from zoo.cli.main import cli

    reset_zoo()
    return CliRunner().invoke(cli, [str(a) for a in args])


def write_data(path: Path, n: int = 120, seed: int = 1) -> Path:
    path.write_text("".join(json.dumps({"text": e.input, "label": ["negative", "positive"][e.label]})
                            + "\n" for e in sentiment(n, seed)))
    return path


def adapt(backbone: str, data: Path, out: Path, *extra: str) -> Path:
    """A one-epoch run of ``backbone`` on ``data`` through ``zoo adapt``."""
    result = invoke("adapt", backbone, "--task", "classify", "--data", data, "--output", out,
                    "--epochs", "1", "--batch-size", "16", "--lr", "2e-3", "--no-bf16",
                    "--no-progress", "--json", *extra)
    assert result.exit_code == 0, result.output
    return out


def zoo_predictions(run: Path, texts: list[str] = TEXTS) -> list[dict[str, Any]]:
    result = invoke("predict", run, *texts, "--json", "--no-bf16")
    assert result.exit_code == 0, result.output
    return [{"label": p["label"], "score": p["score"]} for p in json.loads(result.stdout)]


PLAIN = """
import json, os, sys
import torch
from huggingface_hub import snapshot_download
from transformers import AutoModelForSequenceClassification, AutoTokenizer

repo, kind, texts = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
path = snapshot_download(repo)
if kind == "peft":
    from peft import AutoPeftModelForSequenceClassification
    model = AutoPeftModelForSequenceClassification.from_pretrained(path)
else:
    model = AutoModelForSequenceClassification.from_pretrained(path)
tokenizer = AutoTokenizer.from_pretrained(path)
with torch.no_grad():
    batch = tokenizer(texts, padding=True, truncation=True, max_length=128, return_tensors="pt")
    probs = model.eval()(**batch).logits.softmax(-1)
labels = model.config.id2label
print(json.dumps({"files": sorted(str(p.relative_to(path)) for p in __import__("pathlib").Path(path).rglob("*") if p.is_file()),
                  "predictions": [{"label": labels[int(p.argmax())], "score": round(float(p.max()), 6)}
                                  for p in probs]}))
"""


def plain_load(endpoint: str, repo: str, kind: str, hf_home: Path,
               texts: list[str] = TEXTS) -> dict[str, Any]:
    """``repo`` downloaded with plain ``snapshot_download`` and loaded with plain transformers
    (or peft), in a fresh interpreter whose huggingface_hub reads HF_ENDPOINT at import."""
    env = {**os.environ, "HF_ENDPOINT": endpoint, "HF_HOME": str(hf_home),
           "HF_HUB_DISABLE_XET": "1"}
    for var in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "HF_TOKEN"):
        env.pop(var, None)
    done = subprocess.run([sys.executable, "-c", PLAIN, repo, kind, json.dumps(texts)],
                          capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])
