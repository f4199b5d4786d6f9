"""A real HTTP server on loopback that speaks the part of the Hugging Face Hub protocol that
``huggingface_hub`` downloads through, so tests exercise the real client, never a patch.

Repos are built from ``{repo: {revision: {path: bytes}}}``; a revision key that is 40 hex
digits is that commit, any other key is a branch whose commit is derived from the content.
Faults a test can arm: ``cut[path] = n`` makes the next ``n`` GETs of ``path`` send half
the body and drop the connection; ``tamper(repo, path, data)`` serves other bytes (with a
consistent ETag, as a compromised mirror would).

Tests get it through the ``hub_server`` fixture of zoo's pytest plugin (``zoo.testing.pytest_plugin``),
which starts one per call and closes them when the test ends::

    def test_x(hub_server):
        server = hub_server({"org/tiny": {"main": {"config.json": b"{}"}}})
        # HF_ENDPOINT now points at server.url

Dataset repos are served under ``/datasets/`` and ``/api/datasets/`` from the same dict.

What the Hub answers besides downloads, in the shapes ``huggingface_hub`` parses:

- model info and the tree with file metadata (``?blobs=true``: each file's size, and for LFS
  files, by the suffixes the Hub's default ``.gitattributes`` tracks, the sha256);
- ``GET /api/models?search=...`` over the repos, with what ``set_meta`` gave each (downloads,
  likes, pipeline tag, license, ...), sorted and limited as asked;
- the upload side: repo and branch creation, ``validate-yaml`` (the card's front matter must
  parse, and its model-index name each result's task and dataset), preupload, the LFS batch
  API and its PUTs (each object held to its sha256), and the ndjson commit, after which the
  new commit is served like any other. Writing needs a token: none is 401, and one in
  ``refused_tokens`` is 403, as the Hub answers a token without write access.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

Repos = dict[str, dict[str, dict[str, bytes]]]
COMMIT_RE = re.compile(r"^[0-9a-f]{40}$")
#: The suffixes the Hub's default .gitattributes stores in LFS (the ones zoo's runs hold).
LFS_SUFFIXES = (".safetensors", ".bin", ".pt", ".pth", ".ckpt", ".h5", ".msgpack", ".onnx",
                ".onnx_data", ".pkl", ".pickle", ".npz", ".png", ".zip", ".tar.gz", ".model")


def is_lfs(path: str) -> bool:
    return path.endswith(LFS_SUFFIXES)


def git_blob_id(data: bytes) -> str:
    """The git object id of a file's content, as the Hub reports a regular file's oid."""
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


@dataclass
class Request:
    method: str
    path: str
    headers: dict[str, str]


@dataclass
class HubState:
    commits: dict[str, dict[str, dict[str, bytes]]] = field(default_factory=dict)
    refs: dict[str, dict[str, str]] = field(default_factory=dict)
    cut: dict[str, int] = field(default_factory=dict)
    requests: list[Request] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    #: Search metadata per repo (downloads, likes, pipeline_tag, library_name, license, ...).
    meta: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: Repos created private.
    private: set[str] = field(default_factory=set)
    #: LFS objects uploaded, by sha256.
    lfs: dict[str, bytes] = field(default_factory=dict)
    #: Tokens the server refuses writes to (403).
    refused_tokens: set[str] = field(default_factory=set)
    #: The sha256 model info keeps reporting for a tampered file, by ``repo/path``.
    claimed: dict[str, str] = field(default_factory=dict)
    #: The ndjson commits received, each as its list of records.
    commits_received: list[list[dict[str, Any]]] = field(default_factory=list)


def commit_of(repo: str, revision: str, files: dict[str, bytes]) -> str:
    """The commit a revision key stands for: itself when it is one, else a content hash."""
    if COMMIT_RE.match(revision):
        return revision
    digest = hashlib.sha1(f"{repo}@{revision}".encode())
    for path in sorted(files):
        digest.update(path.encode() + b"\0" + files[path])
    return digest.hexdigest()


class HubServer:
    """A running loopback Hub; ``url`` is what HF_ENDPOINT should be set to."""

    def __init__(self, repos: Repos) -> None:
        self.state = HubState()
        for repo, revisions in repos.items():
            self.add_repo(repo, revisions)
        handler = type("Handler", (_Handler,), {"state": self.state})
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def add_repo(self, repo: str, revisions: dict[str, dict[str, bytes]]) -> None:
        for revision, files in revisions.items():
            commit = commit_of(repo, revision, files)
            self.state.commits.setdefault(repo, {})[commit] = dict(files)
            self.state.refs.setdefault(repo, {})[revision] = commit

    def commit(self, repo: str, revision: str = "main") -> str:
        return self.state.refs[repo][revision]

    def files(self, repo: str, revision: str = "main") -> dict[str, bytes]:
        """The files of ``repo`` at ``revision`` (what was uploaded, once a commit landed)."""
        return self.state.commits[repo][self.commit(repo, revision)]

    def set_meta(self, repo: str, **meta: Any) -> None:
        """What search and model info say of ``repo`` besides its files: ``downloads``,
        ``likes``, ``pipeline_tag``, ``library_name``, ``license``, ``tags``, ``lastModified``."""
        self.state.meta.setdefault(repo, {}).update(meta)

    def tamper(self, repo: str, path: str, data: bytes) -> None:
        """Serve ``data`` for ``path`` while the metadata still reports the original's sha256,
        as the Hub's API would while a compromised mirror or CDN serves other bytes."""
        for files in self.state.commits[repo].values():
            if path in files:
                self.state.claimed.setdefault(f"{repo}/{path}",
                                              hashlib.sha256(files[path]).hexdigest())
                files[path] = data

    def gets(self, path_suffix: str) -> list[Request]:
        """The GET requests (not HEAD) whose path ends with ``path_suffix``."""
        return [r for r in self.state.requests if r.method == "GET" and r.path.endswith(path_suffix)]

    def authorizations(self) -> set[str | None]:
        """The ``Authorization`` header of every request received (None where one had none),
        looked up without regard to case: httpx sends ``authorization``."""
        return {next((v for k, v in r.headers.items() if k.lower() == "authorization"), None)
                for r in self.state.requests}

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


class _Handler(BaseHTTPRequestHandler):
    state: HubState
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:  # keep test output clean
        pass

    def do_HEAD(self) -> None:
        self._serve(body=False)

    def do_GET(self) -> None:
        self._serve(body=True)

    def do_POST(self) -> None:
        self._write()

    def do_PUT(self) -> None:
        self._write()

    # -- routing -------------------------------------------------------------------------
    def _serve(self, body: bool) -> None:
        path = urlsplit(self.path).path
        with self.state.lock:
            self.state.requests.append(Request(self.command, path, dict(self.headers)))
        if path in ("/api/models", "/api/models/"):
            return self._search(parse_qs(urlsplit(self.path).query), body)
        for prefix in ("/api/models/", "/api/datasets/"):
            if path.startswith(prefix):
                return self._api(path[len(prefix):], body)
        if "/resolve/" in path:
            repo, _, rest = path.lstrip("/").removeprefix("datasets/").partition("/resolve/")
            revision, _, filename = rest.partition("/")
            return self._file(unquote(repo), unquote(revision), unquote(filename), body)
        self._error(404, "RepoNotFound", "no such route")

    def _lookup(self, repo: str, revision: str) -> tuple[str, dict[str, bytes]] | None:
        if repo not in self.state.commits:
            self._error(401, "RepoNotFound", f"Repository {repo} not found")
            return None
        commit = self.state.refs[repo].get(revision) or (
            revision if revision in self.state.commits[repo] else None)
        if commit is None:
            self._error(404, "RevisionNotFound", f"Invalid rev id: {revision}")
            return None
        return commit, self.state.commits[repo][commit]

    def _api(self, rest: str, body: bool) -> None:
        m = re.match(r"^(?P<repo>[^/]+/[^/]+|[^/]+)(?:/(?P<what>revision|tree)/(?P<rev>[^/]+))?/?$", rest)
        if not m:
            return self._error(404, "RepoNotFound", "bad api path")
        repo, what, rev = unquote(m["repo"]), m["what"], unquote(m["rev"] or "main")
        found = self._lookup(repo, rev)
        if found is None:
            return
        commit, files = found
        if what == "tree":
            doc: object = [{"type": "file", "path": p, "size": len(d), "oid": git_blob_id(d),
                            **self._lfs(repo, p, d, "oid")} for p, d in sorted(files.items())]
        else:
            query = parse_qs(urlsplit(self.path).query)
            blobs = [v.lower() for v in query.get("blobs", [])] == ["true"]
            doc = {**self._info(repo), "sha": commit,
                   "siblings": [{"rfilename": p, **({"size": len(d), "blobId": git_blob_id(d),
                                                     **self._lfs(repo, p, d, "sha256")}
                                                    if blobs else {})}
                                for p, d in sorted(files.items())]}
            if "config.json" in files:
                try:
                    config = json.loads(files["config.json"])
                except ValueError:
                    config = None
                if isinstance(config, dict):
                    doc["config"] = {k: config[k] for k in ("architectures", "model_type",
                                                            "auto_map") if k in config}
        self._send(200, json.dumps(doc).encode(), {"Content-Type": "application/json"}, body)

    def _lfs(self, repo: str, path: str, data: bytes, key: str) -> dict[str, Any]:
        return _lfs_field(path, data, key, self.state.claimed.get(f"{repo}/{path}"))

    def _info(self, repo: str) -> dict[str, Any]:
        """What model info and search say of ``repo`` besides its files."""
        meta = dict(self.state.meta.get(repo, {}))
        license = meta.pop("license", None)
        card = {**({"license": license} if license else {}), **meta.pop("cardData", {})}
        return {"id": repo, "modelId": repo, "private": repo in self.state.private,
                "downloads": 0, "likes": 0, "tags": [], **meta,
                **({"cardData": card} if card else {})}

    def _search(self, query: dict[str, list[str]], body: bool) -> None:
        """``GET /api/models``: the repos whose id contains ``search``, sorted, limited."""
        words = [w.lower() for w in query.get("search", [""])]
        found = []
        for repo in sorted(self.state.commits):
            info = self._info(repo)
            if not all(w in repo.lower() for w in words):
                continue
            if query.get("pipeline_tag") and info.get("pipeline_tag") not in query["pipeline_tag"]:
                continue
            if query.get("filter") and not set(query["filter"]) <= set(
                    info.get("tags", [])) | {info.get("library_name")}:
                continue
            commit = self.state.refs[repo].get("main")
            files = self.state.commits[repo].get(commit, {}) if commit else {}
            info["siblings"] = [{"rfilename": p} for p in sorted(files)]
            if "config.json" in files:
                try:
                    config = json.loads(files["config.json"])
                    info["config"] = {k: config[k] for k in ("architectures", "model_type")
                                      if k in config}
                except ValueError:
                    pass
            found.append(info)
        sort = query.get("sort", [""])[0]
        if sort:  # the Hub sorts descending
            found.sort(key=lambda i: i.get(sort) or 0, reverse=True)
        if query.get("limit"):
            found = found[:int(query["limit"][0])]
        self._send(200, json.dumps(found).encode(), {"Content-Type": "application/json"}, body)

    # -- the upload side -----------------------------------------------------------------
    def _write(self) -> None:
        split = urlsplit(self.path)
        path = split.path
        length = int(self.headers.get("Content-Length") or 0)
        data = self.rfile.read(length) if length else b""
        with self.state.lock:
            self.state.requests.append(Request(self.command, path, dict(self.headers)))
        if self.command == "PUT" and path.startswith("/lfs-upload/"):
            return self._lfs_put(path.rsplit("/", 1)[-1], data)
        if path == "/api/validate-yaml":
            return self._validate_yaml(json.loads(data))
        if not self._may_write():
            return
        if path == "/api/repos/create":
            return self._create_repo(json.loads(data))
        if m := re.match(r"^/(?P<repo>.+)\.git/info/lfs/objects/batch$", path):
            return self._lfs_batch(unquote(m["repo"]), json.loads(data))
        m = re.match(r"^/api/models/(?P<repo>[^/]+/[^/]+)/(?P<what>preupload|commit|branch)/"
                     r"(?P<rev>[^/]+)$", path)
        if not m:
            return self._error(404, "RepoNotFound", "no such route")
        repo, rev = unquote(m["repo"]), unquote(m["rev"])
        if repo not in self.state.commits:
            return self._error(404, "RepoNotFound", f"Repository {repo} not found")
        if m["what"] == "branch":
            return self._create_branch(repo, rev)
        if rev not in self.state.refs[repo]:
            return self._error(404, "RevisionNotFound", f"Invalid rev id: {rev}")
        if m["what"] == "preupload":
            return self._preupload(repo, rev, json.loads(data))
        return self._commit(repo, rev, [json.loads(line) for line in data.splitlines() if line])

    def _may_write(self) -> bool:
        auth = next((v for k, v in self.headers.items() if k.lower() == "authorization"), "")
        token = auth.removeprefix("Bearer ").strip()
        if not token:
            self._error(401, "Unauthorized", "Invalid credentials in Authorization header")
            return False
        if token in self.state.refused_tokens:
            self._error(403, "Forbidden", "You don't have the rights to write to this repo")
            return False
        return True

    def _json(self, status: int, doc: object) -> None:
        self._send(status, json.dumps(doc).encode(), {"Content-Type": "application/json"}, True)

    def _create_repo(self, payload: dict[str, Any]) -> None:
        repo = f"{payload['organization']}/{payload['name']}" if payload.get("organization") \
            else str(payload["name"])
        url = f"http://{self.headers.get('Host')}/{repo}"
        with self.state.lock:
            if repo in self.state.commits:
                return self._json(409, {"error": "You already created this model repo",
                                        "url": url})
            files = {".gitattributes": b"*.safetensors filter=lfs diff=lfs merge=lfs -text\n"}
            commit = commit_of(repo, "main", files)
            self.state.commits[repo] = {commit: files}
            self.state.refs[repo] = {"main": commit}
            if payload.get("visibility") == "private" or payload.get("private"):
                self.state.private.add(repo)
        self._json(200, {"url": url, "name": repo})

    def _create_branch(self, repo: str, branch: str) -> None:
        with self.state.lock:
            if branch in self.state.refs[repo]:
                return self._json(409, {"error": f"Reference {branch} already exists"})
            self.state.refs[repo][branch] = self.state.refs[repo]["main"]
        self._json(200, {})

    def _validate_yaml(self, payload: dict[str, Any]) -> None:
        errors = [{"message": m} for m in card_problems(payload.get("content", ""))]
        self._json(400 if errors else 200, {"errors": errors, "warnings": []})

    def _preupload(self, repo: str, rev: str, payload: dict[str, Any]) -> None:
        current = self.state.commits[repo][self.state.refs[repo][rev]]
        out = []
        for f in payload["files"]:
            old = current.get(f["path"])
            out.append({"path": f["path"], "uploadMode": "lfs" if is_lfs(f["path"]) else "regular",
                        "shouldIgnore": False,
                        "oid": (hashlib.sha256(old).hexdigest() if is_lfs(f["path"])
                                else git_blob_id(old)) if old is not None else None})
        self._json(200, {"files": out, "commitOid": self.state.refs[repo][rev]})

    def _lfs_batch(self, repo: str, payload: dict[str, Any]) -> None:
        host = f"http://{self.headers.get('Host')}"
        objects = []
        for obj in payload.get("objects", []):
            oid, size = obj["oid"], obj["size"]
            entry: dict[str, Any] = {"oid": oid, "size": size, "authenticated": True}
            if oid not in self.state.lfs:
                entry["actions"] = {"upload": {"href": f"{host}/lfs-upload/{oid}", "header": {}}}
            objects.append(entry)
        self._send(200, json.dumps({"transfer": "basic", "objects": objects}).encode(),
                   {"Content-Type": "application/vnd.git-lfs+json"}, True)

    def _lfs_put(self, oid: str, data: bytes) -> None:
        if hashlib.sha256(data).hexdigest() != oid:
            return self._error(400, "BadRequest", f"content does not hash to {oid}")
        with self.state.lock:
            self.state.lfs[oid] = data
        self._json(200, {})

    def _commit(self, repo: str, rev: str, records: list[dict[str, Any]]) -> None:
        with self.state.lock:
            self.state.commits_received.append(records)
            files = dict(self.state.commits[repo][self.state.refs[repo][rev]])
            for record in records:
                key, value = record["key"], record.get("value", {})
                if key == "file":
                    files[value["path"]] = base64.b64decode(value["content"])
                elif key == "lfsFile":
                    if value["oid"] not in self.state.lfs:
                        return self._error(422, "BadRequest",
                                           f"LFS object {value['oid']} was never uploaded")
                    files[value["path"]] = self.state.lfs[value["oid"]]
                elif key == "deletedFile":
                    files.pop(value["path"], None)
            commit = commit_of(repo, f"{rev}:{len(self.state.commits[repo])}", files)
            self.state.commits[repo][commit] = files
            self.state.refs[repo][rev] = commit
        host = f"http://{self.headers.get('Host')}"
        self._json(200, {"commitUrl": f"{host}/{repo}/commit/{commit}", "commitOid": commit,
                         "pullRequestUrl": None, "success": True})

    def _file(self, repo: str, revision: str, filename: str, body: bool) -> None:
        found = self._lookup(repo, revision)
        if found is None:
            return
        commit, files = found
        if filename not in files:
            return self._error(404, "EntryNotFound", f"{filename} does not exist", {"X-Repo-Commit": commit})
        data = files[filename]
        headers = {"X-Repo-Commit": commit, "ETag": f'"{hashlib.sha256(data).hexdigest()}"',
                   "Accept-Ranges": "bytes", "Content-Type": "application/octet-stream"}
        start = 0
        m = re.match(r"bytes=(\d+)-$", self.headers.get("Range", ""))
        if m and body:
            start = int(m[1])
            headers["Content-Range"] = f"bytes {start}-{len(data) - 1}/{len(data)}"
        chunk = data[start:]
        cut_key = f"{repo}/{filename}"
        with self.state.lock:
            cut = body and self.state.cut.get(cut_key, 0) > 0
            if cut:
                self.state.cut[cut_key] -= 1
        if cut:  # promise the whole body, send half, drop the connection
            self.send_response(206 if start else 200)
            for k, v in headers.items():
                self.send_header(k, v)
            self.send_header("Content-Length", str(len(chunk)))
            self.end_headers()
            self.wfile.write(chunk[: max(1, len(chunk) // 2)])
            self.wfile.flush()
            self.close_connection = True
            return
        self._send(206 if start else 200, chunk, headers, body)

    # -- responses -----------------------------------------------------------------------
    def _send(self, status: int, data: bytes, headers: dict[str, str], body: bool) -> None:
        self.send_response(status)
        for k, v in headers.items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if body:
            self.wfile.write(data)

    def _error(self, status: int, code: str, message: str, extra: dict[str, str] | None = None) -> None:
        data = json.dumps({"error": message}).encode()
        headers = {"X-Error-Code": code, "X-Error-Message": message,
                   "Content-Type": "application/json", **(extra or {})}
        self._send(status, data, headers, self.command != "HEAD")



def _lfs_field(path: str, data: bytes, key: str = "sha256",
               claimed: str | None = None) -> dict[str, Any]:
    """An LFS file's metadata: the tree calls its sha256 ``oid``, model info ``sha256``;
    ``claimed`` is what it reports instead (a tampered file's original)."""
    if not is_lfs(path):
        return {}
    return {"lfs": {key: claimed or hashlib.sha256(data).hexdigest(), "size": len(data),
                    "pointerSize": 134}}


def card_problems(content: str) -> list[str]:
    """What the Hub's metadata check would refuse in a README's YAML front matter: YAML that
    does not parse or is not a mapping, and a model-index whose results lack a task type,
    a dataset type and name, or metrics with a type and value."""
    import yaml

    if not content.startswith("---\n"):
        return []
    front = content[4:].split("\n---\n", 1)[0]
    try:
        meta = yaml.safe_load(front)
    except yaml.YAMLError as exc:
        return [f"YAML does not parse: {exc}"]
    if not isinstance(meta, dict):
        return ["the metadata is not a mapping"]
    problems = []
    for model in meta.get("model-index") or []:
        if not isinstance(model, dict) or not model.get("name"):
            problems.append("model-index: each model needs a name")
            continue
        for result in model.get("results") or []:
            task, dataset = result.get("task") or {}, result.get("dataset") or {}
            if not task.get("type"):
                problems.append('"model-index[0].results[0].task.type" is required')
            if not (dataset.get("type") and dataset.get("name")):
                problems.append('"model-index[0].results[0].dataset" needs a type and a name')
            for metric in result.get("metrics") or []:
                if not metric.get("type") or "value" not in metric:
                    problems.append("each metric needs a type and a value")
    return problems
