"""A real HTTP server on loopback that speaks the part of the Hugging Face Hub protocol that
``huggingface_hub`` downloads through, so tests exercise the real client, never a patch.

Repos are built from ``{repo: {revision: {path: bytes}}}``; a revision key that is 40 hex
digits is that commit, any other key is a branch whose commit is derived from the content.
Faults a test can arm: ``cut[path] = n`` makes the next ``n`` GETs of ``path`` send half
the body and drop the connection; ``tamper(repo, path, data)`` serves other bytes (with a
consistent ETag, as a compromised mirror would).

Tests get it through the ``hub_server`` fixture of zoo's pytest plugin (``zoo.pytest_plugin``),
which starts one per call and closes them when the test ends::

    def test_x(hub_server):
        server = hub_server({"org/tiny": {"main": {"config.json": b"{}"}}})
        # HF_ENDPOINT now points at server.url

Dataset repos are served under ``/datasets/`` and ``/api/datasets/`` from the same dict.
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import unquote, urlsplit

Repos = dict[str, dict[str, dict[str, bytes]]]
COMMIT_RE = re.compile(r"^[0-9a-f]{40}$")


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

    def tamper(self, repo: str, path: str, data: bytes) -> None:
        for files in self.state.commits[repo].values():
            if path in files:
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

    # -- routing -------------------------------------------------------------------------
    def _serve(self, body: bool) -> None:
        path = urlsplit(self.path).path
        with self.state.lock:
            self.state.requests.append(Request(self.command, path, dict(self.headers)))
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
            doc: object = [{"type": "file", "path": p, "size": len(d), "oid": hashlib.sha1(d).hexdigest()}
                           for p, d in sorted(files.items())]
        else:
            doc = {"id": repo, "modelId": repo, "sha": commit,
                   "siblings": [{"rfilename": p} for p in sorted(files)]}
        self._send(200, json.dumps(doc).encode(), {"Content-Type": "application/json"}, body)

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

