"""Builtin source ``hub``: the Hugging Face Hub through ``huggingface_hub``, into its standard
cache, so that plain transformers users share what zoo downloads.

The endpoint, token, cache and offline flag are read from the environment when a fetch
happens and passed explicitly, because huggingface_hub reads them once at import.
Resuming an interrupted file and keeping concurrent downloads apart is huggingface_hub's
own work (``.incomplete`` files resumed with a Range request, a lock per blob).
"""

from __future__ import annotations

import fnmatch
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Callable

from zoo import hookimpl
from zoo.catalog import Backbone, Dataset, SourceSpec, relpath_problem, repo_id_problem
from zoo.components import Fetched, Source
from zoo.errors import SourceError
from zoo.locations import env_flag, hf_hub_cache

DEFAULT_ENDPOINT = "https://huggingface.co"
REPO_TYPES = ("model", "dataset", "space")
#: What a backbone needs when the catalog lists no files: config, safetensors weights and
#: tokenizer or preprocessor files; never pickles, never code.
NEEDED = ("config.json", "*.safetensors", "model.safetensors.index.json", "tokenizer.json",
          "tokenizer_config.json", "special_tokens_map.json", "vocab.txt", "vocab.json",
          "merges.txt", "spm.model", "sentencepiece.bpe.model", "preprocessor_config.json")


def _quiet_tqdm() -> type:
    from huggingface_hub.utils import tqdm

    class Quiet(tqdm):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            kwargs["disable"] = True
            super().__init__(*args, **kwargs)

    return Quiet


def _reason(exc: Exception, repo: str, revision: str, filename: str, endpoint: str,
            offline: bool, trusted: bool) -> str:
    """One line saying why the Hub could not serve a file (``trusted``: HF_TOKEN goes there)."""
    from huggingface_hub import errors

    token = ("set HF_TOKEN" if trusted
             else "know that HF_TOKEN goes only to HF_ENDPOINT, never to a catalog's endpoint")
    if isinstance(exc, errors.GatedRepoError):
        return f"{repo} is gated at {endpoint}: accept its terms and {token}"
    if isinstance(exc, errors.RepositoryNotFoundError):
        return f"repository {repo} not found at {endpoint} (if it is private, {token})"
    if isinstance(exc, errors.RevisionNotFoundError):
        return f"revision {revision!r} not found in {repo} at {endpoint}"
    if isinstance(exc, errors.RemoteEntryNotFoundError):
        return f"{filename} not found in {repo} at revision {revision}"
    if isinstance(exc, (errors.LocalEntryNotFoundError, errors.OfflineModeIsEnabled)):
        if offline:
            return f"{filename} of {repo}@{revision} is not in the Hugging Face cache (offline)"
        cause = exc.__cause__ or exc.__context__
        detail = str(cause).splitlines()[0] if cause and str(cause) else type(cause).__name__
        return f"cannot reach {endpoint} ({detail}) and {filename} is not cached"
    if isinstance(exc, errors.HfHubHTTPError) and exc.response is not None:
        return f"{endpoint} answered HTTP {exc.response.status_code} for {filename}"
    first = str(exc).splitlines()[0] if str(exc) else ""
    return f"{type(exc).__name__} fetching {filename} from {endpoint}: {first}"


def _unreachable(endpoint: str) -> str | None:
    """Why ``endpoint`` cannot be reached at all (no DNS, refused), or None.

    huggingface_hub retries a failed connection with backoff for about 23 s before it gives
    up; a host that does not resolve or refuses will not recover in that time, so zoo asks
    once and moves on to the next source. Behind a proxy the check is skipped.
    """
    import socket
    from urllib.parse import urlsplit

    if any(os.environ.get(v) for v in ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy",
                                        "ALL_PROXY", "all_proxy")):
        return None
    url = urlsplit(endpoint)
    port = url.port or (443 if url.scheme == "https" else 80)
    try:
        socket.create_connection((url.hostname or "", port), timeout=10).close()
    except OSError as exc:
        return f"cannot reach {endpoint} ({exc.strerror or exc})"
    return None


def _endpoint_problem(endpoint: Any) -> str | None:
    """Why a catalog's ``endpoint`` is no Hub to ask, or None: only an http(s) URL with a host
    is one (huggingface_hub would hand ``file://`` or any other scheme to its HTTP client)."""
    from urllib.parse import urlsplit

    if endpoint is None:
        return None
    instead = f'write an http(s) URL such as endpoint = "{DEFAULT_ENDPOINT}", or leave it out'
    if not isinstance(endpoint, str):
        return f"endpoint must be a string, got {endpoint!r}; {instead}"
    try:
        url = urlsplit(endpoint)
        ok = url.scheme in ("http", "https") and bool(url.hostname)
    except ValueError:  # an unclosed [ or a port that is no number
        ok = False
    if not ok:
        return f"endpoint {endpoint!r} is not an http:// or https:// URL with a host; {instead}"
    return None


def _endpoint_and_token(spec: SourceSpec) -> tuple[str, str | bool | None]:
    """The endpoint to ask, and the token to send it.

    The user's token goes only to the endpoint the user chose (``HF_ENDPOINT``, else the
    Hub): an ``endpoint`` a catalog names is sent none, since a cloned repository's
    ``./zoo.toml`` is written by someone else. ``False``, not ``None``, because for ``None``
    huggingface_hub sends the token of ``huggingface-cli login`` instead.
    """
    trusted = (os.environ.get("HF_ENDPOINT") or DEFAULT_ENDPOINT).rstrip("/")
    endpoint = (spec.get("endpoint") or trusted).rstrip("/")
    if endpoint != trusted:
        return endpoint, False
    return endpoint, os.environ.get("HF_TOKEN") or None


@contextmanager
def _hub_quiet() -> Iterator[None]:
    """Keep huggingface_hub's retry warnings off the terminal: zoo reports failures itself."""
    import logging

    logger = logging.getLogger("huggingface_hub")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(level)


class HubSource(Source):
    name = "hub"
    description = "The Hugging Face Hub (HF_ENDPOINT, HF_HOME, HF_HUB_OFFLINE, HF_TOKEN honoured)"

    def key(self, spec: SourceSpec) -> str:
        repo = spec.get("repo")
        return f"hub:{repo}" if repo else "hub"

    def check(self, spec: SourceSpec) -> str | None:
        """A repo id, repo type and revision that keep the cache's paths inside the cache
        (huggingface_hub writes ``refs/<revision>`` as given)."""
        for key, problem_of in (("repo", repo_id_problem), ("revision", relpath_problem)):
            value = spec.get(key)
            if value in (None, ""):  # absent: the entry's repo, the resolver's revision
                continue
            if not isinstance(value, str):
                return f"{key} must be a string, got {value!r}"
            if problem := problem_of(value):
                return f"{key}: {problem}"
        if spec.get("repo_type", "model") not in REPO_TYPES:
            return f"repo_type must be one of {', '.join(REPO_TYPES)}, got {spec.get('repo_type')!r}"
        return _endpoint_problem(spec.get("endpoint"))

    @staticmethod
    def _target(entry: Backbone | Dataset, spec: SourceSpec) -> tuple[str, str]:
        repo = spec.get("repo") or getattr(entry, "repo", "")
        if not repo:
            raise SourceError(f"{entry.kind} {entry.name!r} names no Hub repo: give the hub source a 'repo'")
        return repo, spec.get("repo_type") or ("dataset" if isinstance(entry, Dataset) else "model")

    def fetch(self, entry: Backbone | Dataset, spec: SourceSpec, *, revision: str,
              files: tuple[str, ...], offline: bool, progress: bool) -> Fetched:
        if problem := self.check(spec):  # an entry built in code was never read as a catalog
            raise SourceError(problem)
        repo, repo_type = self._target(entry, spec)
        revision = revision or "main"  # the resolver already applied spec, catalog and lock
        endpoint, token = _endpoint_and_token(spec)
        offline = offline or env_flag("HF_HUB_OFFLINE")
        cache = hf_hub_cache()
        if not offline and (why := _unreachable(endpoint)):
            raise SourceError(why)
        with _hub_quiet():
            return self._download(repo, repo_type, revision, endpoint, token, offline, cache,
                                  files, progress)

    def _download(self, repo: str, repo_type: str, revision: str, endpoint: str,
                  token: str | bool | None, offline: bool, cache: Path, files: tuple[str, ...],
                  progress: bool) -> Fetched:
        from huggingface_hub import hf_hub_download

        tqdm_class = None if progress else _quiet_tqdm()
        names = files or self._listing(repo, repo_type, revision, endpoint, token, offline, cache)
        paths: dict[str, Path] = {}
        for filename in names:
            try:
                local = hf_hub_download(repo, filename, repo_type=repo_type, revision=revision,
                                        cache_dir=cache, endpoint=endpoint, token=token,
                                        local_files_only=offline, tqdm_class=tqdm_class)
            except Exception as exc:  # huggingface_hub raises many types; each becomes one line
                raise SourceError(_reason(exc, repo, revision, filename, endpoint, offline,
                                          token is not False)) from exc
            paths[filename] = Path(str(local))
        first, root = next(iter(paths.items()))
        for _ in Path(first).parts:
            root = root.parent
        return Fetched(root, paths, root.name)

    def _listing(self, repo: str, repo_type: str, revision: str, endpoint: str,
                 token: str | bool | None, offline: bool, cache: Path) -> tuple[str, ...]:
        """The repo's files that a backbone needs, for entries whose catalog lists none."""
        from huggingface_hub import HfApi

        if offline:
            raise SourceError(f"{repo} lists no files in the catalog and listing needs the network")
        try:
            names = HfApi(endpoint=endpoint, token=token).list_repo_files(
                repo, repo_type=repo_type, revision=revision)
        except Exception as exc:
            raise SourceError(_reason(exc, repo, revision, "the file list", endpoint, offline,
                                      token is not False)) from exc
        wanted = tuple(n for n in names if any(fnmatch.fnmatch(n, p) for p in NEEDED))
        if not wanted:
            raise SourceError(f"{repo}@{revision} has no config, safetensors or tokenizer files")
        return wanted

    def cache_roots(self, fetched: Fetched) -> tuple[Path, ...]:
        """The repo's folder (``models--org--name``): snapshot files link into its blobs."""
        return (fetched.root.parent.parent,)

    def remove(self, entry: Backbone | Dataset, spec: SourceSpec, revision: str) -> None:
        """Delete this revision from the Hugging Face cache (blobs other revisions share stay)."""
        from huggingface_hub import scan_cache_dir

        repo, repo_type = self._target(entry, spec)
        cache = hf_hub_cache()
        if not cache.is_dir():
            return
        info = scan_cache_dir(cache)
        hashes = [rev.commit_hash for r in info.repos if r.repo_id == repo and r.repo_type == repo_type
                  for rev in r.revisions if rev.commit_hash == revision]
        if hashes:
            info.delete_revisions(*hashes).execute()


@hookimpl
def register_sources(register: Callable[[Any], None]) -> None:
    register(HubSource())
