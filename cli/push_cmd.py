"""``zoo push RUN --repo org/name``: a finished run to a Hub model repo (docs: README's tour)."""

from __future__ import annotations

from pathlib import Path

import click

from .output import emit_json


@click.command("push")
@click.argument("run_dir", type=click.Path(path_type=Path))
@click.option("--repo", required=True, help="The Hub model repo to push to: org/name.")
@click.option("--private", is_flag=True, help="Create the repo private (an existing one keeps its visibility).")
@click.option("--revision", default=None, help="Push to this branch (created from main if new).")
@click.option("--include-onnx", is_flag=True, help="Upload the run's onnx/ export too.")
@click.option("--json", "as_json", is_flag=True, help="Print what was pushed as JSON.")
def push_cmd(run_dir: Path, repo: str, private: bool, revision: str | None, include_onnx: bool,
             as_json: bool) -> None:
    """Upload the run in RUN_DIR to a Hub model repo in one commit, with its card as Hub
    metadata; the token comes from HF_TOKEN or `hf auth login`.

    \b
    Examples:
      zoo push runs/minilm-l6-sentiment-full --repo me/minilm-sentiment
      zoo push runs/minilm-l6-sentiment-lora --repo me/minilm-lora --private --revision v1
    """
    from zoo.push import push_run

    pushed = push_run(run_dir, repo, private=private, revision=revision,
                      include_onnx=include_onnx)
    if as_json:
        emit_json({"repo": pushed.repo, "revision": pushed.revision, "commit": pushed.commit,
                   "url": pushed.url, "files": list(pushed.files)})
        return
    click.echo(f"{run_dir} -> {pushed.url} @ {pushed.revision} ({pushed.commit[:12]}), "
               f"{len(pushed.files)} files")
