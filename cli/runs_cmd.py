"""``zoo runs [DIR...]``: the adapted models on this machine; ``--compare`` ranks a task's."""

from __future__ import annotations

from pathlib import Path

import click

from zoo.errors import UsageError

from .output import emit_json, human_bytes, table


def _lineage(lineage: dict) -> str:
    parts = []
    if "parent" in lineage:
        parts.append(f"parent {lineage['parent'].get('run', '?')}")
    if "teacher" in lineage:
        parts.append(f"teacher {lineage['teacher'].get('run', '?')}")
    base = lineage.get("base", {})
    parts.append(f"base {base.get('repo') or base.get('entry', '?')}")
    return "; ".join(parts)


@click.command("runs")
@click.argument("dirs", nargs=-1, type=click.Path(path_type=Path))
@click.option("--task", default=None, help="Only the runs of this task.")
@click.option("--compare", is_flag=True, help="Rank the runs of one task by their test metric.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")
def runs_cmd(dirs: tuple[Path, ...], task: str | None, compare: bool, as_json: bool) -> None:
    """List the runs in DIR... (default: ./runs and the folders in ZOO_RUNS).

    \b
    Examples:
      zoo runs
      zoo runs runs/ ~/experiments --task sentiment --compare
    """
    from zoo.runs import find_runs, rank

    runs, problems = find_runs(list(dirs) or None, task)
    for problem in problems:
        click.echo(f"zoo: warning: {problem}", err=True)
    if compare:
        tasks = sorted({r.record.task for r in runs})
        if len(tasks) > 1:
            raise UsageError(f"--compare ranks the runs of one task; these are of "
                             f"{', '.join(tasks)}: give --task")
        if runs:
            from zoo import get_zoo

            head = get_zoo().heads.get(runs[0].record.head)
            runs = rank(runs, runs[0].record.metric in head.lower_is_better)
    if as_json:
        emit_json([{**({"rank": i + 1} if compare else {}), **r.to_json()}
                   for i, r in enumerate(runs)])
        return
    if not runs:
        click.echo("no runs found" + (f" of task {task!r}" if task else ""), err=True)
        return
    if compare:
        table(["RANK", "NAME", "TEST", "STRATEGY", "ENTRY", "SIZE", "PATH"],
              [[i + 1, r.name, f"{r.record.metric}={r.score:.4f}" if r.score is not None else "-",
                r.record.strategy, r.record.entry, human_bytes(r.size), r.path]
               for i, r in enumerate(runs)])
        return
    table(["NAME", "ENTRY", "TASK", "STRATEGY", "TEST", "SIZE", "DATE", "FORMATS", "LINEAGE"],
          [[r.name, r.record.entry, r.record.task, r.record.strategy,
            f"{r.record.metric}={r.score:.4f}" if r.score is not None else "-",
            human_bytes(r.size), r.date[:16].replace("T", " "), ",".join(r.formats),
            _lineage(r.lineage)] for r in runs])
