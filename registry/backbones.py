"""Which backbone a name means, for ``zoo adapt``, ``zoo pull`` and ``zoo info``, in order
(a local path wins, as transformers' ``from_pretrained`` does):

1. an existing folder: a transformers or timm model (its config.json names an architecture
   an installed domain loads), or a finished zoo run (run.json), whose lineage the new run
   records; its files are hashed now and served by the ``local`` source;
2. a catalog name;
3. ``org/name[@revision]``, a Hub repo id: the entry is built from the Hub's own metadata
   (the revision's commit, each file's size, and the sha256 the Hub reports for each LFS
   file, held to as a catalog's would be), then resolved like any catalog entry.

Refused with one line: a config that names its own code (auto_map), pickle-only weights
without ``--allow-pickle``, and an architecture no installed domain loads.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from zoo.app import Zoo
from zoo.capabilities import ArchitectureCheck
from zoo.catalog import COMMIT_RE, Backbone, FileSpec, SourceSpec, repo_id_problem
from zoo.errors import NotFoundError, UsageError, ZooError
from zoo.integrity import sha256_file
from zoo.locations import env_flag
from zoo.weights import CODE_CONFIGS, CODE_KEYS, PICKLE_SUFFIXES

if TYPE_CHECKING:  # the run record imports the run directory's writer: only when a run is named
    from zoo.rundir.record import RunRecord

RUN_JSON = "run.json"

#: The files of a model folder or Hub repo a backbone is loaded from (top level only).
MODEL_SUFFIXES = (".json", ".txt", ".model", ".safetensors")
#: Files of a run or repo that are no part of the model.
NOT_MODEL = ("run.json", "metrics.json", "export.json")
DEFAULT_ENDPOINT = "https://huggingface.co"


@dataclass(frozen=True)
class NamedBackbone:
    """A backbone as named: its entry, and what the name was (``how``)."""

    entry: Backbone
    #: "local folder", "zoo run", "catalog" or "Hub repo".
    how: str
    #: A zoo run adapted further: its record and folder.
    parent: RunRecord | None = None
    parent_path: Path | None = None

    def lineage(self) -> dict[str, Any]:
        """What run.json records of where the backbone came from besides its entry."""
        if self.parent is None or self.parent_path is None:
            return {}
        p = self.parent
        base = p.lineage.get("base") or {"entry": p.entry, "repo": p.repo, "revision": p.revision}
        return {"base": base,
                "parent": {"run": str(self.parent_path), "entry": p.entry, "repo": p.repo,
                           "revision": p.revision, "task": p.task, "strategy": p.strategy,
                           "lineage": p.lineage}}


def is_hub_ref(name: str) -> bool:
    repo = name.partition("@")[0]
    return "/" in repo and repo_id_problem(repo) is None


def find_backbone(name: str, zoo: Zoo, *, allow_pickle: bool = False,
                  run_files: bool = False) -> NamedBackbone:
    """The backbone ``name`` means, among ``zoo``'s catalog and domains; an unknown name that
    is no folder or repo id keeps the catalog's did-you-mean error. ``run_files`` keeps a Hub
    repo's run.json and metrics.json (a zoo run pushed there, named as a teacher)."""
    path = Path(name).expanduser()
    if path.is_dir():
        return _folder(path, zoo, allow_pickle)
    try:
        return NamedBackbone(zoo.backbones.get(name), "catalog")
    except NotFoundError:
        if not is_hub_ref(name):
            raise
    return _hub(name, zoo, allow_pickle, run_files)


def teacher_folder(name: str, zoo: Zoo) -> Path:
    """The folder of the finished run ``name`` means, as distill's ``--teacher``: a local run
    directory, or a catalog name or Hub repo id whose files are a zoo run (``zoo push`` puts
    run.json beside the model), resolved and verified like any backbone."""
    path = Path(name).expanduser()
    if path.is_dir():
        return path
    from zoo.resolve import resolve

    named = find_backbone(name, zoo, run_files=True)
    if RUN_JSON not in {f.path for f in named.entry.files}:
        raise UsageError(f"--teacher {name}: a {named.how} without run.json is not a zoo run; "
                         "give a run directory, or the repo a run was pushed to")
    return resolve(named.entry, zoo).path


# -- what a model's files say ------------------------------------------------------------

def _model_files(names: list[str], where: str, allow_pickle: bool,
                 run_files: bool = False) -> list[str]:
    """The files a backbone loads from: top-level configs, vocabularies and safetensors; a
    pickle checkpoint only where no safetensors are and the user opted in."""
    top = [n for n in names if "/" not in n and (run_files or n not in NOT_MODEL)]
    chosen = [n for n in top if n.endswith(MODEL_SUFFIXES)]
    if not any(n.endswith(".safetensors") for n in chosen):
        pickles = [n for n in top if n.endswith(PICKLE_SUFFIXES)]
        if pickles and not allow_pickle:
            raise UsageError(f"{where} has only pickle weights ({', '.join(pickles)}), which can "
                             "run code when loaded; refused. Pass --allow-pickle to load them "
                             "with torch.load(weights_only=True)")
        if not pickles:
            raise UsageError(f"{where} has no weights zoo loads (safetensors, or a pickle "
                             "with --allow-pickle)")
        chosen += pickles
    if "config.json" not in chosen:
        raise UsageError(f"{where} has no config.json naming its architecture")
    return sorted(chosen)


def _refuse_code(configs: dict[str, dict[str, Any]], where: str) -> None:
    for name, config in configs.items():
        keys = [k for k in CODE_KEYS if k in config]
        if keys:
            raise UsageError(f"{where}: {name} names the model's own code ({', '.join(keys)}), "
                             "which zoo never runs; refused")


def _domain_for(config: dict[str, Any], where: str, zoo: Zoo) -> tuple[str, str]:
    """The installed domain that loads the architecture ``config`` names, and that name."""
    named = config.get("architectures") or config.get("architecture") or "no architecture"
    for domain in zoo.domains.list():
        if isinstance(domain, ArchitectureCheck):
            architecture = domain.architecture_of(config)
            if architecture:
                return domain.name, architecture
    raise UsageError(f"{where}: no installed domain loads {named} (config.json); install the "
                     "domain plugin for it (zoo install ./zoo-vision for timm models)")


def _read_json(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _entry_name(text: str) -> str:
    """A catalog-safe name (lower case, no '/'): it names folders under ZOO_HOME."""
    name = re.sub(r"[^a-z0-9._-]+", "-", text.lower().replace("/", "--")).strip("-._")
    return name or "backbone"


# -- a local folder ----------------------------------------------------------------------

def _folder(path: Path, zoo: Zoo, allow_pickle: bool) -> NamedBackbone:
    from zoo.rundir.record import read_run

    root = path.resolve()
    parent = None
    if (root / RUN_JSON).is_file():
        parent = read_run(root)
        if parent.format == "peft":
            raise UsageError(f"{path} is a LoRA run: adapt it further once merged "
                             "(zoo adapt ... --strategy lora --merge writes a full model)")
    # A link is followed, as transformers follows it (a Hugging Face cache snapshot is all
    # links); the file it names is hashed, and the verified folder links that file.
    names = [p.name for p in sorted(root.iterdir()) if p.is_file()]
    files = _model_files(names, str(path), allow_pickle)
    configs = {n: _read_json(root / n) for n in CODE_CONFIGS if (root / n).is_file()}
    _refuse_code(configs, str(path))
    domain, architecture = (parent.domain, _architecture(configs.get("config.json", {}))) \
        if parent else _domain_for(configs.get("config.json", {}), str(path), zoo)
    entry = Backbone(
        name=_entry_name(root.name), repo=parent.repo if parent else "", revision="",
        files=tuple(FileSpec(n, sha256_file(root / n), (root / n).stat().st_size) for n in files),
        sources=(SourceSpec("local", {"path": str(root)}),), allow_pickle=allow_pickle,
        domain=domain, architecture=architecture,
        license=parent.license if parent else "", origin=str(root),
        description=(f"the zoo run {root}" if parent else f"the model folder {root}"))
    return NamedBackbone(entry, "zoo run" if parent else "local folder", parent,
                         root if parent else None)


def _architecture(config: dict[str, Any]) -> str:
    names = config.get("architectures") or [config.get("architecture") or ""]
    return str(names[0]) if isinstance(names, list) and names else ""


# -- a Hub repo id -----------------------------------------------------------------------

def _hub(ref: str, zoo: Zoo, allow_pickle: bool, run_files: bool = False) -> NamedBackbone:
    from huggingface_hub import HfApi, hf_hub_download
    from huggingface_hub.errors import (EntryNotFoundError, HfHubHTTPError,
                                        RepositoryNotFoundError, RevisionNotFoundError)

    from zoo.locations import hf_hub_cache
    from zoo.plugins.sources.hub import _endpoint_and_token

    repo, _, asked = ref.partition("@")
    revision = asked or "main"
    endpoint, token = _endpoint_and_token(SourceSpec("hub"))
    if env_flag("ZOO_OFFLINE") or env_flag("HF_HUB_OFFLINE"):
        raise ZooError(f"{ref!r} is no catalog entry, and reading a Hub repo's metadata needs "
                       "the network (ZOO_OFFLINE or HF_HUB_OFFLINE is set)")
    try:
        info = HfApi(endpoint=endpoint, token=token).model_info(
            repo, revision=revision, files_metadata=True)
        commit = str(info.sha)
        sizes = {s.rfilename: s for s in info.siblings or []}
        configs = {}
        for name in CODE_CONFIGS:
            if name in sizes:
                local = hf_hub_download(repo, name, revision=commit, endpoint=endpoint,
                                        token=token, cache_dir=hf_hub_cache())
                configs[name] = _read_json(Path(local))
    except RevisionNotFoundError as exc:
        raise UsageError(f"{repo} on {endpoint} has no revision {revision!r}") from exc
    except (RepositoryNotFoundError, EntryNotFoundError) as exc:
        raise UsageError(f"{ref!r} is no catalog entry, and {endpoint} has no model repo "
                         f"{repo}: check the name (zoo search finds Hub models)") from exc
    except HfHubHTTPError as exc:
        status = exc.response.status_code if exc.response is not None else "?"
        raise ZooError(f"{endpoint} answered HTTP {status} for the metadata of {repo}") from exc
    except OSError as exc:
        raise ZooError(f"cannot read the metadata of {repo} from {endpoint}: {exc}") from exc
    if not COMMIT_RE.match(commit):  # it names a folder of the Hugging Face cache
        raise ZooError(f"{endpoint} answered {commit!r} as the commit of {repo}@{revision}, "
                       "not a commit id; refused")
    where = f"{repo}@{commit[:12]}"
    files = _model_files(sorted(sizes), where, allow_pickle, run_files)
    _refuse_code(configs, where)
    domain, architecture = _domain_for(configs.get("config.json", {}), where, zoo)
    card = info.card_data.to_dict() if info.card_data else {}
    license = card.get("license") if isinstance(card.get("license"), str) else ""
    specs = []
    for name in files:
        sibling = sizes[name]
        sha256 = sibling.lfs.sha256 if sibling.lfs else None
        specs.append(FileSpec(name, sha256, sibling.size))
    pipeline = f", {info.pipeline_tag}" if info.pipeline_tag else ""
    entry = Backbone(name=_entry_name(repo), repo=repo, revision=commit, files=tuple(specs),
                     allow_pickle=allow_pickle, domain=domain, architecture=architecture,
                     license=license or "", origin=f"{endpoint}/{repo}",
                     description=f"the Hub repo {repo} at {revision}{pipeline}")
    return NamedBackbone(entry, "Hub repo")
