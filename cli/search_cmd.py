"""``zoo search QUERY``: Hub models, and whether zoo can adapt each (zoo adapt ORG/NAME)."""

from __future__ import annotations

import click

from .output import emit_json, human_count, table


@click.command("search")
@click.argument("query", default="")
@click.option("--task", default=None, help="The Hub's pipeline tag: text-classification, "
              "feature-extraction, image-classification, ...")
@click.option("--library", type=click.Choice(["transformers", "timm"]), default=None,
              help="Only models of this library.")
@click.option("--sort", type=click.Choice(["downloads", "likes", "updated"]),
              default="downloads", show_default=True, help="Most first.")
@click.option("--limit", type=int, default=20, show_default=True, help="At most this many.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")
def search_cmd(query: str, task: str | None, library: str | None, sort: str, limit: int,
               as_json: bool) -> None:
    """Search the Hub's models for QUERY; ADAPT says whether `zoo adapt ID` can take each.

    \b
    Examples:
      zoo search minilm --library transformers
      zoo search resnet --task image-classification --sort likes --limit 5
    """
    from zoo import get_zoo
    from zoo.search import search

    hits = search(query, get_zoo().domains.list(), task=task, library=library, sort=sort,
                  limit=limit)
    if as_json:
        emit_json([h.to_json() for h in hits])
        return
    if not hits:
        click.echo(f"no Hub model matches {query!r}", err=True)
        return
    table(["ID", "DOWNLOADS", "LIKES", "LICENSE", "PIPELINE", "ADAPT"],
          [[h.id, human_count(h.downloads), h.likes, h.license or "-", h.pipeline_tag or "-",
            "yes" if h.adaptable else f"no: {h.why_not}"] for h in hits])
