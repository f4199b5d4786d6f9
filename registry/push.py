"""``zoo push``: a finished run to a Hub model repo, in one commit, through huggingface_hub.

What goes up is the run's model and its record (no checkpoints, no work files, nothing
hidden, ``onnx/`` only when asked), with the card's front matter rebuilt from run.json as
valid Hub metadata. A LoRA run goes up self-contained: its base (the backbone's verified
files plus a config with the task's labels) at the repo's root beside the adapter, and the
adapter's ``base_model_name_or_path`` names the repo itself, so plain peft loads it by id.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from zoo.catalog import repo_id_problem
from zoo.errors import UsageError, ZooError
from zoo.integrity import sha256_file
from zoo.rundir.card import card_header
from zoo.rundir.record import RunRecord, read_run

#: A branch name the Hub accepts (git's rules, kept simple).
BRANCH_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/-]{0,99}$")
ONNX_DIR = "onnx"
#: Where a LoRA run keeps the base model its adapter applies to (the text domain's base/).
BASE_DIR = "base"
ADAPTER_CONFIG = "adapter_config.json"
DEFAULT_ENDPOINT = "https://huggingface.co"


@dataclass(frozen=True)
class Pushed:
    repo: str
    revision: str
    commit: str
    url: str
    files: tuple[str, ...]


def _refuse_link(run_dir: Path, rel: str) -> UsageError:
    return UsageError(f"{run_dir}/{rel} is a link out of the run, not a verified file of its "
                      "backbone; refused (zoo push uploads only the run's own files)")


def run_files(run_dir: Path, run: RunRecord, include_onnx: bool = False) -> dict[str, Path]:
    """What goes up, by path in the repo: every regular file of the run but hidden ones and
    (without ``include_onnx``) the export. A link is followed only inside a LoRA run's base/
    and only to a file whose sha256 is the one run.json records for that backbone file: a
    run directory is untrusted, and a link could name any file on this machine."""
    out: dict[str, Path] = {}
    base: dict[str, Path] = {}
    for path in sorted(run_dir.rglob("*")):
        rel = path.relative_to(run_dir).as_posix()
        parts = rel.split("/")
        if any(p.startswith(".") for p in parts) or path.is_dir() and not path.is_symlink():
            continue
        if parts[0] == ONNX_DIR and not include_onnx:
            continue
        in_base = run.format == "peft" and parts[0] == BASE_DIR and len(parts) == 2
        if path.is_symlink():
            want = run.files.get(parts[-1])
            if not (in_base and path.is_file() and want and sha256_file(path) == want):
                raise _refuse_link(run_dir, rel)
        elif not path.is_file():
            continue
        if in_base:
            base[parts[1]] = path
        else:
            out[rel] = path
    # The run's own tokenizer files win over the backbone's originals in base/.
    return {**base, **out} if run.format == "peft" else out


def _card(run_dir: Path, run: RunRecord) -> bytes:
    """The run's card with its front matter rebuilt from run.json and metrics.json, so a run
    written by an older zoo goes up with metadata the Hub accepts too."""
    card = (run_dir / "README.md").read_text(encoding="utf-8") if (
        run_dir / "README.md").is_file() else ""
    body = card.split("\n---\n", 1)[1] if card.startswith("---\n") and "\n---\n" in card else card
    try:
        metrics = json.loads((run_dir / "metrics.json").read_text(encoding="utf-8"))
        test = {k: float(v) for k, v in dict(metrics.get("test", {})).items()}
    except (OSError, ValueError, TypeError, AttributeError):
        test = {}
    return ("\n".join(card_header(run, test)) + "\n" + body.lstrip("\n")).encode()


def _adapter_config(path: Path, repo: str, revision: str | None) -> bytes:
    """The adapter's config naming the pushed repo (its root holds the base) as its base."""
    config = json.loads(path.read_text(encoding="utf-8"))
    config["base_model_name_or_path"] = repo
    config["revision"] = revision
    return (json.dumps(config, indent=2, sort_keys=True) + "\n").encode()


def hub_token() -> str | None:
    """HF_TOKEN, else the token ``hf auth login`` stored (huggingface_hub reads both)."""
    from huggingface_hub import get_token

    return os.environ.get("HF_TOKEN") or get_token()


def push_run(run_dir: Path, repo: str, *, private: bool = False, revision: str | None = None,
             include_onnx: bool = False) -> Pushed:
    """Create ``repo`` (kept if it exists) and upload ``run_dir`` to it in one commit, on
    ``revision`` (a branch, created from main if new) or main. Raises ``UsageError`` for a
    bad argument or no token, ``ZooError`` (exit 1) when the server refuses."""
    run_dir = Path(run_dir)
    run = read_run(run_dir)
    if problem := repo_id_problem(repo):
        raise UsageError(f"--repo {problem}")
    if "/" not in repo:
        raise UsageError(f"--repo {repo!r} needs its namespace: org/name or user/name")
    if revision is not None and (not BRANCH_RE.match(revision) or ".." in revision):
        raise UsageError(f"--revision {revision!r} is not a branch name")
    if include_onnx and not (run_dir / ONNX_DIR).is_dir():
        raise UsageError(f"{run_dir} has no ONNX export; run `zoo export {run_dir}` first, "
                         "or leave out --include-onnx")
    files = run_files(run_dir, run, include_onnx)
    token = hub_token()
    if not token:
        raise UsageError("zoo push needs a Hugging Face token with write access: set HF_TOKEN "
                         "or run `hf auth login`")
    from huggingface_hub import CommitOperationAdd, HfApi
    from huggingface_hub.errors import HfHubHTTPError

    endpoint = (os.environ.get("HF_ENDPOINT") or DEFAULT_ENDPOINT).rstrip("/")
    contents: dict[str, Any] = dict(files)
    contents["README.md"] = _card(run_dir, run)
    if run.format == "peft" and ADAPTER_CONFIG in files:
        contents[ADAPTER_CONFIG] = _adapter_config(files[ADAPTER_CONFIG], repo, revision)
    operations = [CommitOperationAdd(path_in_repo=rel, path_or_fileobj=(
        str(value) if isinstance(value, Path) else value)) for rel, value in sorted(contents.items())]
    api = HfApi(endpoint=endpoint, token=token)
    try:
        api.create_repo(repo, private=private, exist_ok=True)
        if revision:
            api.create_branch(repo, branch=revision, exist_ok=True)
        commit = api.create_commit(repo, operations=operations, revision=revision,
                                   commit_message=f"zoo push: {run.entry} adapted to {run.task} "
                                                  f"({run.strategy})")
    except HfHubHTTPError as exc:
        status = exc.response.status_code if exc.response is not None else "?"
        detail = (exc.server_message or str(exc)).strip().splitlines()[0]
        raise ZooError(f"{endpoint} refused the push to {repo}: HTTP {status}: {detail}") from exc
    except ValueError as exc:  # huggingface_hub's report of metadata the Hub refused
        raise ZooError(f"{endpoint} refused the card of {run_dir}: "
                       f"{' '.join(str(exc).split())}") from exc
    return Pushed(repo, revision or "main", commit.oid, f"{endpoint}/{repo}",
                  tuple(sorted(contents)))
