"""``zoo search``: the Hub's model search (``HfApi.list_models``), each hit with whether zoo
can adapt it: an architecture an installed domain loads, and safetensors weights."""

from __future__ import annotations

from dataclasses import dataclass
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Literal

from zoo.errors import UsageError, ZooError

if TYPE_CHECKING:
    from zoo.components import Domain

#: ``--sort`` to the Hub's sort keys (the Hub sorts descending).
SORTS: dict[str, Literal["downloads", "likes", "last_modified"]] = {
    "downloads": "downloads", "likes": "likes", "updated": "last_modified"}
LIBRARIES = ("transformers", "timm")
EXPAND: list[Any] = ["downloads", "likes", "pipeline_tag", "library_name", "cardData", "config",
          "siblings", "lastModified", "tags"]


@dataclass(frozen=True)
class Hit:
    id: str
    downloads: int
    likes: int
    license: str
    pipeline_tag: str
    library: str
    #: Empty when zoo can adapt it, else why not.
    why_not: str

    @property
    def adaptable(self) -> bool:
        return not self.why_not

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "downloads": self.downloads, "likes": self.likes,
                "license": self.license, "pipeline_tag": self.pipeline_tag,
                "library": self.library, "adaptable": self.adaptable,
                **({"why_not": self.why_not} if self.why_not else {})}


def _license(info: Any) -> str:
    card = info.card_data.to_dict() if getattr(info, "card_data", None) else {}
    if isinstance(card.get("license"), str):
        return str(card["license"])
    tags = [t for t in (info.tags or []) if isinstance(t, str) and t.startswith("license:")]
    return tags[0].removeprefix("license:") if tags else ""


def why_not_adaptable(config: dict[str, Any], files: list[str], domains: Sequence[Domain]) -> str:
    """Why zoo cannot adapt a repo with this config and these files with one of ``domains``,
    or ''."""
    from zoo.capabilities import ArchitectureCheck
    from zoo.weights import CODE_KEYS

    if any(k in config for k in CODE_KEYS):
        return "its config names its own code"
    if not any(f.endswith(".safetensors") and "/" not in f for f in files):
        return "no safetensors weights"
    for domain in domains:
        if isinstance(domain, ArchitectureCheck) and domain.architecture_of(config):
            return ""
    named = config.get("architectures") or config.get("architecture")
    return f"no installed domain loads {named}" if named else "no architecture in its config"


def search(query: str, domains: Sequence[Domain], *, task: str | None = None,
           library: str | None = None, sort: str = "downloads", limit: int = 20) -> list[Hit]:
    """The Hub's models matching ``query``, each said adaptable or not by ``domains`` (the
    installed ones); ``task`` is a Hub pipeline tag."""
    if sort not in SORTS:
        raise UsageError(f"--sort is one of {', '.join(SORTS)}, not {sort!r}")
    if library is not None and library not in LIBRARIES:
        raise UsageError(f"--library is one of {', '.join(LIBRARIES)}, not {library!r}")
    if limit < 1:
        raise UsageError("--limit must be at least 1")
    from huggingface_hub import HfApi
    from huggingface_hub.errors import HfHubHTTPError

    from zoo.catalog import SourceSpec
    from zoo.plugins.sources.hub import _endpoint_and_token

    endpoint, token = _endpoint_and_token(SourceSpec("hub"))
    api = HfApi(endpoint=endpoint, token=token)
    try:
        infos = list(api.list_models(search=query or None, pipeline_tag=task, filter=library,
                                     sort=SORTS[sort], limit=limit,
                                     expand=EXPAND))
    except HfHubHTTPError as exc:
        status = exc.response.status_code if exc.response is not None else "?"
        raise ZooError(f"{endpoint} answered HTTP {status} to the model search") from exc
    except OSError as exc:
        raise ZooError(f"cannot search {endpoint}: {exc}") from exc
    hits = []
    for info in infos:
        config = info.config if isinstance(info.config, dict) else {}
        files = [s.rfilename for s in info.siblings or []]
        hits.append(Hit(info.id, int(info.downloads or 0), int(info.likes or 0), _license(info),
                        info.pipeline_tag or "", info.library_name or "",
                        why_not_adaptable(config, files, domains)))
    return hits
