"""A Hugging Face Hub-compatible file server on 127.0.0.1, for tests of the real download path.

Serves ``root/<org>/<repo>/<files>`` as Hub repos, answering as huggingface.co does:
``HEAD``/``GET /{repo}/resolve/{rev}/{path}`` of a file kept in git (config.json, README.md)
gives 200 with ``X-Repo-Commit``, ``Content-Length`` and ``ETag`` = the file's git blob sha1
(``sha1(b"blob <size>\0" + data)``); a file kept in git LFS (``*.safetensors`` and the other
binary suffixes of the Hub's default ``.gitattributes``, or anything over 10 MiB) gives a 302 to
a second origin standing in for the CDN, with ``X-Linked-Etag`` = its sha256 and
``X-Linked-Size``, and the CDN serves the bytes. 404s carry ``X-Error-Code`` (RepoNotFound,
RevisionNotFound, EntryNotFound); ``GET /api/models/{repo}/revision/{rev}`` answers ``{"id",
"sha"}``. Each repo has one revision, ``main``, whose commit id is derived from its files; tags
can be added. Faults for tests: ``corrupt`` (serve other bytes than the ETag promises) and
``truncate`` (close the connection early).
"""

from __future__ import annotations

import hashlib
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlparse

from hepzoo.hub.integrity import git_blob_sha1, sha256_file

__all__ = ["HubServer", "LFS_SUFFIXES"]

# the binary suffixes the Hub's default .gitattributes sends to LFS (the ones a model repo uses)
LFS_SUFFIXES = (".safetensors", ".bin", ".pt", ".pth", ".ckpt", ".h5", ".hdf5", ".npy", ".npz", ".onnx",
                ".msgpack", ".pkl", ".tar", ".gz", ".zip")
LFS_MIN_SIZE = 10 * 1024 * 1024  # larger files must be in LFS whatever their name


class HubServer:
    """Start with ``with HubServer(root) as hub: hub.endpoint`` (or ``start()``/``stop()``)."""

    def __init__(self, root: str | Path, host: str = "127.0.0.1", port: int = 0) -> None:
        self.root = Path(root)
        self.corrupt: set[str] = set()  # "org/repo/file" served with flipped bytes
        self.truncate: set[str] = set()  # "org/repo/file" cut short mid-transfer
        self.tags: dict[tuple[str, str], str] = {}  # (repo, tag) -> "main"
        self.requests: list[tuple[str, str]] = []
        self._httpd = ThreadingHTTPServer((host, port), self._handler())
        self._cdn = ThreadingHTTPServer((host, 0), self._handler())  # another origin, as the real CDN is
        self._threads: list[threading.Thread] = []
        self._running = False

    @staticmethod
    def _url(httpd: ThreadingHTTPServer) -> str:
        host, port = httpd.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def endpoint(self) -> str:
        return self._url(self._httpd)

    @property
    def cdn_endpoint(self) -> str:
        """Where LFS files are redirected to (a different origin, so clients stop at the 302 for metadata)."""
        return self._url(self._cdn)

    def is_lfs(self, path: Path) -> bool:
        """Whether the Hub would keep this file in git LFS (served by sha256 through the CDN)."""
        return path.name.endswith(LFS_SUFFIXES) or path.stat().st_size > LFS_MIN_SIZE

    def start(self) -> HubServer:
        for httpd in (self._httpd, self._cdn):
            httpd.daemon_threads = True
            thread = threading.Thread(target=httpd.serve_forever, daemon=True)
            thread.start()
            self._threads.append(thread)
        self._running = True
        return self

    def stop(self) -> None:
        """Stop answering (idempotent): clients then see a refused connection, as with a Hub that is down."""
        if not self._running:
            return
        self._running = False
        for httpd in (self._httpd, self._cdn):
            httpd.shutdown()
            httpd.server_close()
        for thread in self._threads:
            thread.join(timeout=5)

    def __enter__(self) -> HubServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # -- repository model ------------------------------------------------------------------------
    def commit(self, repo: str) -> str:
        """A stable 40-hex commit id for the repo's current content."""
        digest = hashlib.sha1()
        for path in sorted((self.root / repo).rglob("*")):
            if path.is_file():
                digest.update(str(path.relative_to(self.root / repo)).encode())
                digest.update(hashlib.sha256(path.read_bytes()).digest())
        return digest.hexdigest()

    def _resolve_revision(self, repo: str, rev: str) -> str | None:
        commit = self.commit(repo)
        if rev in ("main", commit) or self.tags.get((repo, rev)) == "main":
            return commit
        return None

    def _handler(self):
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args) -> None:
                pass

            def _error(self, code: int, error_code: str, message: str) -> None:
                body = json.dumps({"error": message}).encode()
                self.send_response(code)
                self.send_header("X-Error-Code", error_code)
                self.send_header("X-Error-Message", message)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(body)

            def _route(self, send_body: bool) -> None:
                path = unquote(urlparse(self.path).path)
                server.requests.append((self.command, path))
                parts = path.strip("/").split("/")
                if self.server is server._cdn:
                    return self._cdn_file(parts, send_body)
                if parts[:2] == ["api", "models"] and "revision" in parts:
                    i = parts.index("revision")
                    repo, rev = "/".join(parts[2:i]), "/".join(parts[i + 1 :])
                    return self._api_revision(repo, rev, send_body)
                if len(parts) >= 5 and parts[2] == "resolve":
                    repo, rev, file = "/".join(parts[:2]), parts[3], "/".join(parts[4:])
                    return self._file(repo, rev, file, send_body)
                return self._error(404, "RepoNotFound", f"no route {path}")

            def _api_revision(self, repo: str, rev: str, send_body: bool) -> None:
                if not (server.root / repo).is_dir():
                    return self._error(404, "RepoNotFound", f"Repository {repo} not found")
                commit = server._resolve_revision(repo, rev)
                if commit is None:
                    return self._error(404, "RevisionNotFound", f"Invalid rev id: {rev}")
                files = sorted(
                    str(p.relative_to(server.root / repo)) for p in (server.root / repo).rglob("*") if p.is_file()
                )
                body = json.dumps({"id": repo, "sha": commit, "siblings": [{"rfilename": f} for f in files]})
                self._send(200, body.encode(), {"Content-Type": "application/json"}, send_body)

            def _file(self, repo: str, rev: str, file: str, send_body: bool) -> None:
                if not (server.root / repo).is_dir():
                    return self._error(404, "RepoNotFound", f"Repository {repo} not found")
                commit = server._resolve_revision(repo, rev)
                if commit is None:
                    return self._error(404, "RevisionNotFound", f"Invalid rev id: {rev}")
                target = server.root / repo / file
                if not target.is_file():
                    return self._error(404, "EntryNotFound", f"{file} does not exist at {rev}")
                data = target.read_bytes()
                if server.is_lfs(target):
                    # the Hub answers an LFS file with a redirect to the CDN; the metadata is on the 302
                    sha256 = sha256_file(target)
                    headers = {
                        "X-Repo-Commit": commit,
                        "X-Linked-Etag": f'"{sha256}"',
                        "X-Linked-Size": str(len(data)),
                        "ETag": f'W/"{hashlib.sha1(sha256.encode()).hexdigest()}"',  # the redirect's own
                        "Location": f"{server.cdn_endpoint}/{repo}/{sha256}/{file}",
                    }
                    return self._send(302, b"", headers, send_body)
                headers = {"X-Repo-Commit": commit, "ETag": f'"{git_blob_sha1(target)}"'}
                return self._bytes(f"{repo}/{file}", data, headers, send_body)

            def _cdn_file(self, parts: list[str], send_body: bool) -> None:
                """``/{org}/{repo}/{sha256}/{file}``: the LFS bytes whose sha256 is in the path."""
                if len(parts) < 4:
                    return self._error(404, "EntryNotFound", "no such object")
                repo, sha256, file = "/".join(parts[:2]), parts[2], "/".join(parts[3:])
                target = server.root / repo / file
                data = target.read_bytes() if target.is_file() else b""
                if hashlib.sha256(data).hexdigest() != sha256:
                    return self._error(404, "EntryNotFound", "no such object")
                return self._bytes(f"{repo}/{file}", data, {"ETag": f'"{sha256}"'}, send_body)

            def _bytes(self, key: str, data: bytes, headers: dict, send_body: bool) -> None:
                """Send a file's bytes (or the configured fault), honouring a ``Range`` request."""
                if key in server.corrupt:
                    data = bytes(b ^ 0xFF for b in data[:64]) + data[64:]
                headers = {**headers, "Accept-Ranges": "bytes"}
                rng = self.headers.get("Range")
                if rng and rng.startswith("bytes=") and send_body:
                    start = int(rng[6:].split("-")[0] or 0)
                    headers["Content-Range"] = f"bytes {start}-{len(data) - 1}/{len(data)}"
                    return self._send(206, data[start:], headers, True)
                if key in server.truncate and send_body:
                    self.send_response(200)
                    for k, v in headers.items():
                        self.send_header(k, v)
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data[: len(data) // 2])
                    self.wfile.flush()
                    self.close_connection = True
                    return
                self._send(200, data, headers, send_body)

            def _send(self, code: int, body: bytes, headers: dict, send_body: bool) -> None:
                self.send_response(code)
                for k, v in headers.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if send_body:
                    self.wfile.write(body)

            def do_HEAD(self) -> None:  # noqa: N802
                self._route(send_body=False)

            def do_GET(self) -> None:  # noqa: N802
                self._route(send_body=True)

        return Handler
