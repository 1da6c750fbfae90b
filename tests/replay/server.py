"""A small local HTTP server that answers with fixture files, for the real tweepy and
Mastodon.py clients to talk to.

A fixture is one JSON file under `fixtures/` (see SOURCES.md for where each shape comes
from): the request it answers (`method`, `path`, and optionally `query`, each key of which
must have that one value, or be absent when the value is null) and the response (`status`,
`headers`, and `json` or `text`). Loaded fixtures are tried in the order given and the first
that matches answers, as often as it is asked. Every request is recorded, so that a test can
assert what the client asked for; one that no fixture matches is answered 501 and kept in
`unmatched`, which the test fixture checks is empty.

Header values may hold `{{epoch+N}}` (Unix time N seconds from now) or `{{iso+N}}` (the
same moment as ISO 8601 with microseconds, Mastodon's form), so that reset times recorded in
a fixture are always in the future when it is replayed.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import json
import re
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

FIXTURES = Path(__file__).parent / "fixtures"
_PLACEHOLDER = re.compile(r"\{\{(epoch|iso)\+(\d+)\}\}")
_HOP_BY_HOP = {"content-length", "transfer-encoding", "content-encoding", "connection", "date"}


def load(name: str) -> dict[str, Any]:
    """The fixture `name` ("x/get_me"), as written."""
    return json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8"))


def _fill(value: str) -> str:
    def moment(match: re.Match[str]) -> str:
        when = time.time() + int(match.group(2))
        if match.group(1) == "epoch":
            return str(int(when))
        return dt.datetime.fromtimestamp(when, dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")

    return _PLACEHOLDER.sub(moment, value)


@dataclass
class Recorded:
    """One request as the server received it."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes
    fixture: str | None

    def param(self, name: str) -> str | None:
        values = self.query.get(name)
        return values[0] if values else None

    def form(self) -> dict[str, list[str]]:
        """A form-encoded body (Mastodon.py's POSTs), as lists of values."""
        return parse_qs(self.body.decode("utf-8"), keep_blank_values=True)

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class _Route:
    name: str
    method: str
    path: str
    query: dict[str, str | None]
    status: int
    headers: dict[str, str]
    body: bytes

    def matches(self, method: str, path: str, query: dict[str, list[str]]) -> bool:
        if method != self.method or path != self.path:
            return False
        for key, wanted in self.query.items():
            got = query.get(key)
            if wanted is None and got is not None:
                return False
            if wanted is not None and (got is None or wanted not in got):
                return False
        return True


@dataclass
class ReplayServer:
    """`start()`, `serve(*names)`, then point a client at `url`; `requests` says what came."""

    routes: list[_Route] = field(default_factory=list)
    requests: list[Recorded] = field(default_factory=list)
    unmatched: list[Recorded] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _httpd: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        assert self._httpd is not None
        return f"http://127.0.0.1:{self._httpd.server_port}"

    def serve(self, *names: str) -> None:
        """Answer with these fixtures (tried in this order, before any served earlier)."""
        routes = []
        for name in names:
            fixture = load(name)
            request, response = fixture["request"], fixture["response"]
            if "json" in response:
                body = json.dumps(response["json"], ensure_ascii=False).encode("utf-8")
            else:
                body = response.get("text", "").encode("utf-8")
            routes.append(_Route(name, request["method"], request["path"],
                                 request.get("query", {}), response["status"],
                                 response.get("headers", {}), body))
        with self._lock:
            self.routes[:0] = routes

    def reset(self) -> None:
        with self._lock:
            self.routes.clear()
            self.requests.clear()
            self.unmatched.clear()

    def asked(self, method: str, path: str) -> list[Recorded]:
        """The requests received for `method` and `path`, in order."""
        return [r for r in self.requests if r.method == method and r.path == path]

    def start(self) -> ReplayServer:
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self._httpd.daemon_threads = True
        threading.Thread(target=self._httpd.serve_forever, daemon=True,
                         name="replay-server").start()
        return self

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()

    def _answer(self, method: str, target: str, headers: dict[str, str],
                body: bytes) -> tuple[int, dict[str, str], bytes]:
        parts = urlsplit(target)
        # Like the platforms (Rails routes Mastodon.py's POST /api/v1/reports/), a trailing
        # slash does not matter.
        path = parts.path.rstrip("/") or "/"
        query = parse_qs(parts.query, keep_blank_values=True)
        with self._lock:
            route = next((r for r in self.routes if r.matches(method, path, query)), None)
            seen = Recorded(method, path, query, headers, body,
                            route.name if route else None)
            self.requests.append(seen)
            if route is None:
                self.unmatched.append(seen)
        if route is None:
            message = json.dumps({"error": f"no replay fixture for {method} {target}"})
            return 501, {"Content-Type": "application/json"}, message.encode()
        return route.status, {k: _fill(v) for k, v in route.headers.items()}, route.body


def _handler(server: ReplayServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _any(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            status, headers, payload = server._answer(
                self.command, self.path, {k.lower(): v for k, v in self.headers.items()}, body)
            # send_response_only: the fixture names its own Server header.
            self.send_response_only(status)
            self.send_header("Date", email.utils.formatdate(usegmt=True))
            for name, value in headers.items():
                if name.lower() not in _HOP_BY_HOP:
                    self.send_header(name, value)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _any

        def log_message(self, format: str, *args: Any) -> None:
            pass  # the recorded requests say what came

    return Handler
