"""The sandbox's HTTP server: dispatches to the X API (`x_api`, under `/2/`), the
Mastodon API (`mastodon_api`, under `/api/v1/`) and the Bluesky XRPC API (`bluesky_api`,
under `/xrpc/`), injects the faults a test asks for, and
serves the `/_sandbox/` control endpoints (see the package docstring).
"""

from __future__ import annotations

import datetime as dt
import json
import re
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from inmm_tui.platforms.sandbox import (  # each module's routes register on import
    bluesky_api,
    bluesky_people,  # noqa: F401
    linkedin_api,
)
from inmm_tui.platforms.sandbox.bluesky_api import bsky_error, bsky_rate_limited, bsky_wrong_shape
from inmm_tui.platforms.sandbox.common import ROUTES, Answer, Request, iso_time
from inmm_tui.platforms.sandbox.linkedin_api import li_error, linkedin_fault
from inmm_tui.platforms.sandbox.mastodon_api import mastodon_error, mastodon_wrong_shape
from inmm_tui.platforms.sandbox.world import APIS, BLUESKY, LINKEDIN, MASTODON, World, X
from inmm_tui.platforms.sandbox.x_api import x_duplicate, x_problem
from inmm_tui.platforms.sandbox.x_limits import (
    X_PLAN_LACKS,
    x_daily_cap_fault,
    x_not_enrolled,
    x_serve,
    x_usage_capped,
    x_wrong_shape,
)

X_ONLY_FAULTS = {"daily_cap": x_daily_cap_fault, "usage_cap": lambda _: x_usage_capped(),
                 "not_enrolled": lambda _: x_not_enrolled()}
"""X's own refusals, by fault kind (given `reset_in`); on Mastodon these faults do nothing."""

# ---- the control endpoints ---------------------------------------------------------------


def control(world: World, method: str, path: str, body: dict[str, Any]) -> Answer:
    api = body.get("api", "")
    if path == "/_sandbox/state" and method == "GET":
        return Answer(200, world.snapshot())
    if path == "/_sandbox/reset" and method == "POST":
        world.reset()
        return Answer(200, {"ok": True})
    if path == "/_sandbox/faults" and method == "POST":
        try:
            fault = world.add_fault(body)
        except (ValueError, TypeError) as exc:
            return Answer(400, {"error": str(exc)})
        return Answer(200, {"id": fault.id})
    if path == "/_sandbox/faults" and method == "DELETE":
        world.faults.clear()
        return Answer(200, {"ok": True})
    if path == "/_sandbox/settings" and method == "POST":
        if "follow_limit" in body:
            world.follow_limit = int(body["follow_limit"])
        if "follow_window" in body:
            world.follow_window = float(body["follow_window"])
        if "mastodon_max_attachments" in body:  # the server's own, in /api/v2/instance
            world.mastodon_max_attachments = int(body["mastodon_max_attachments"])
        if "mastodon_polls" in body:  # the server's own `configuration.polls`
            polls = body["mastodon_polls"]
            if not isinstance(polls, dict) or not all(
                    key in world.mastodon_polls and isinstance(value, int) and value >= 0
                    for key, value in polls.items()):
                return Answer(400, {"error": "mastodon_polls: whole numbers for any of "
                                            + ", ".join(world.mastodon_polls)})
            world.mastodon_polls.update(polls)
        if "media_processing_polls" in body:
            world.media_processing_polls = int(body["media_processing_polls"])
        if "media_processing_fails" in body:
            world.media_processing_fails = bool(body["media_processing_fails"])
        if "idempotency_window" in body:
            world.idempotency_window = float(body["idempotency_window"])
        if "x_plan" in body:
            plan = str(body["x_plan"] or "")
            if plan and plan not in X_PLAN_LACKS:
                return Answer(400, {"error": f"x_plan: expected one of {', '.join(X_PLAN_LACKS)}"})
            world.x_plan = plan
        if "x_daily_posts" in body:
            limit = body["x_daily_posts"]
            if limit is not None and not (isinstance(limit, int) and limit >= 0):
                return Answer(400, {"error": "x_daily_posts: a whole number, or null for none"})
            world.x_daily_posts = limit
        if "mastodon_quotes" in body:
            world.mastodon_quotes = bool(body["mastodon_quotes"])
        for name, tokens in (body.get("tokens") or {}).items():
            world.tokens[name] = set(tokens)
        return Answer(200, {"ok": True})
    if api not in APIS:
        return Answer(400, {"error": f"api: expected one of {', '.join(APIS)}"})
    handle = str(body.get("handle", ""))
    if path in ("/_sandbox/accounts", "/_sandbox/followers") and method == "POST":
        if not re.fullmatch(r"[A-Za-z0-9_]{1,30}", handle):
            return Answer(400, {"error": "handle: letters, digits and _ (at most 30)"})
        count = int(body.get("count", 1))
        if not 1 <= count <= 100_000:
            return Answer(400, {"error": "count: between 1 and 100000"})
        ids = []
        for n in range(count):
            # With a count, handles are numbered: handle_1, handle_2, ...
            name = handle if count == 1 else f"{handle}_{n + 1}"
            account = world.add_account(api, name, body.get("name", ""),
                                        body.get("description", ""))
            account.garbage = dict(body.get("garbage") or {})
            if path == "/_sandbox/followers":
                world.add_follower(api, account)
            ids.append(account.id)
        return Answer(200, {"id": ids[0], "ids": ids})
    if path == "/_sandbox/posts" and method == "POST":
        author = world.by_handle(api, handle) or world.add_account(api, handle)
        reply_to = body.get("in_reply_to")
        if reply_to and reply_to not in world.posts[api]:
            return Answer(400, {"error": f"in_reply_to: no post {reply_to}"})
        try:
            # Mastodon: `created_at` earlier than now is a reply that federated late.
            created_at = (dt.datetime.fromisoformat(body["created_at"]).astimezone(dt.UTC)
                          if body.get("created_at") else None)
            post = world.add_post(api, author, str(body.get("text", "")), in_reply_to=reply_to,
                                  created_at=created_at,
                                  visibility=str(body.get("visibility") or "public"))
        except (ValueError, TypeError) as exc:
            return Answer(400, {"error": str(exc)})
        post.garbage = dict(body.get("garbage") or {})
        post.withheld = bool(body.get("withheld"))
        return Answer(200, {"id": post.id})
    if path == "/_sandbox/posts/edit" and method == "POST":
        # Its author edits it (as Mastodon, X within its hour, or a Bluesky record put).
        edited = world.posts[api].get(str(body.get("id", "")))
        if edited is None:
            return Answer(404, {"error": "no such post"})
        edited.text = str(body.get("text", ""))
        return Answer(200, {"ok": True})
    if path == "/_sandbox/posts" and method == "DELETE":
        # Its author deletes it (upstream, as seen by anyone sharing it).
        gone = world.posts[api].get(str(body.get("id", "")))
        if gone is None:
            return Answer(404, {"error": "no such post"})
        gone.deleted = True
        return Answer(200, {"ok": True})
    if path == "/_sandbox/metrics" and method == "POST":
        measured = world.posts[api].get(str(body.get("id", "")))
        if measured is None:
            return Answer(404, {"error": "no such post"})
        for name in ("reposts", "replies", "likes", "quotes", "impressions"):
            if name in body:
                # A number, or any other JSON value as the garbage a platform may send.
                value = body[name]
                setattr(measured, name, value if isinstance(value, dict | list) else int(value))
        return Answer(200, {"ok": True})
    if path == "/_sandbox/votes" and method == "POST":
        voted = world.posts[api].get(str(body.get("id", "")))
        if voted is None or voted.poll is None:
            return Answer(404, {"error": "no such post with a poll"})
        try:
            world.vote(api, voted.id, int(body.get("option", 0)), int(body.get("count", 1)))
        except (IndexError, ValueError) as exc:
            return Answer(400, {"error": str(exc)})
        if body.get("close"):  # the poll's time is up
            voted.poll.created_at -= dt.timedelta(minutes=voted.poll.minutes)
        return Answer(200, {"ok": True})
    return Answer(404, {"error": f"no control endpoint {method} {path}"})


# ---- the server -------------------------------------------------------------------------------


class SandboxHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body leave in one write, without Nagle: otherwise each answer waits
    # ~40 ms for the client's delayed ACK.
    wbufsize = -1
    disable_nagle_algorithm = True
    server: SandboxHTTPServer

    def log_message(self, format: str, *args: Any) -> None:
        # Quiet by default: request lines would drown a test's output.
        if self.server.verbose:
            super().log_message(format, *args)

    def do_GET(self) -> None:
        self.dispatch("GET")

    def do_POST(self) -> None:
        self.dispatch("POST")

    def do_PUT(self) -> None:
        self.dispatch("PUT")

    def do_DELETE(self) -> None:
        self.dispatch("DELETE")

    def dispatch(self, method: str) -> None:
        world = self.server.world
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        parts = urlsplit(self.path)
        path = parts.path
        if path.startswith("/_sandbox/"):
            try:
                data = json.loads(body or b"{}")
            except ValueError:
                data = None
            with world.lock:
                if not isinstance(data, dict):
                    answer = Answer(400, {"error": "body: expected a JSON object"})
                else:
                    answer = control(world, method, path, data)
            self.send(answer)
            return
        api = (X if path.startswith(("/2/", "/1.1/")) else MASTODON if path.startswith("/api/")
               else BLUESKY if path.startswith("/xrpc/")
               else LINKEDIN if path.startswith(("/rest/", "/oauth/v2/", "/dms-uploads/")) else "")
        headers = {k.lower(): v for k, v in self.headers.items()}
        request = Request(method, path, api, parse_qs(parts.query, keep_blank_values=True),
                          headers, body, self.server.base_url)
        handler, name = None, ""
        for route_method, pattern, regex, fn in ROUTES:
            match = regex.match(path)
            if match and route_method == method:
                handler, request.params, name = fn, match.groupdict(), pattern
                with world.lock:
                    world.requests[f"{api} {method} {pattern}"] += 1
                break
        if handler is None:
            with world.lock:
                world.requests[f"{api or '?'} {method} (unknown) {path}"] += 1
            self.send(x_problem(404, "Not Found Error", f"no route {method} {path}")
                      if api == X else
                      bsky_error(501, "MethodNotImplemented", "Method Not Implemented")
                      if api == BLUESKY else
                      li_error(404, "NOT_FOUND", f"no resource {method} {path}")
                      if api == LINKEDIN else mastodon_error(404, "Not Found"))
            return
        with world.lock:
            fault = world.take_fault(api, method, path)
            generation = world.generation
        if fault and fault.kind in X_ONLY_FAULTS and api != X:
            fault = None
        if fault and fault.kind == "slow":
            world.stopping.wait(fault.delay)
            fault = None
            if world.generation != generation or world.stopping.is_set():
                # The world was reset meanwhile (the next test): do not act in it.
                self.close_connection = True
                return
        if fault and fault.kind not in ("truncated", "lost"):
            self.send(fault_answer(fault.kind, api, fault.reset_in))
            return
        with world.lock:
            try:
                denied = authenticate(world, request)
                answer = denied or (x_serve(world, request, name, handler) if api == X
                                    else handler(world, request))
            except Answer as raised:
                answer = raised
        if fault and fault.kind == "lost":
            # The action happened; the answer never arrives.
            self.close_connection = True
            return
        self.send(answer, truncate=bool(fault and fault.kind == "truncated"))

    def send(self, answer: Answer, truncate: bool = False) -> None:
        payload = answer.payload()
        try:
            self.send_response(answer.status)
            self.send_header("Content-Type", answer.content_type)
            self.send_header("Content-Length", str(len(payload)))
            for name, value in answer.headers.items():
                self.send_header(name, value)
            if truncate:
                self.send_header("Connection", "close")
                self.close_connection = True
            self.end_headers()
            self.wfile.write(payload[: len(payload) // 2] if truncate else payload)
        except OSError:
            # The client gave up (a timeout we caused on purpose, usually).
            self.close_connection = True


def authenticate(world: World, request: Request) -> Answer | None:
    if request.api == BLUESKY:
        return bluesky_api.authenticate(world, request)
    if request.api == LINKEDIN:
        return linkedin_api.authenticate(world, request)
    header = request.headers.get("authorization", "")
    if request.api == X:
        if header.startswith("Bearer "):
            return x_problem(
                403, "Unsupported Authentication",
                "Authenticating with OAuth 2.0 Application-Only is forbidden for this endpoint.  "
                "Supported authentication types are "
                "[OAuth 1.0a User Context, OAuth 2.0 User Context].",
                "https://api.twitter.com/2/problems/unsupported-authentication",
            )
        fields = dict(re.findall(r'(\w+)="([^"]*)"', header)) if header.startswith("OAuth ") else {}
        request.token = unquote(fields.get("oauth_token", ""))
        if not request.token or request.token not in world.tokens[X]:
            return x_problem(401, "Unauthorized", "Unauthorized")
        return None
    request.token = header.removeprefix("Bearer ").strip() if header.startswith("Bearer ") else ""
    if not request.token or request.token not in world.tokens[MASTODON]:
        return mastodon_error(401, "The access token is invalid")
    return None


def fault_answer(kind: str, api: str, reset_in: float) -> Answer:
    reset = time.time() + reset_in
    shaped = linkedin_fault(kind) if api == LINKEDIN else None
    if shaped is not None:
        return shaped
    if kind == "unavailable":
        if api == BLUESKY:
            return bsky_error(503, "InternalServerError", "Service Unavailable")
        if api == X:
            return x_problem(503, "Service Unavailable", "Service Unavailable")
        return Answer(503, b"<html><head><title>503 Service Temporarily Unavailable</title></head>"
                      b"<body><center><h1>503 Service Temporarily Unavailable</h1></center>"
                      b"<hr><center>nginx</center></body></html>", content_type="text/html")
    if kind == "rate_limit":
        if api == BLUESKY:
            return bsky_rate_limited(reset_in)
        if api == X:
            return Answer(429, {"title": "Too Many Requests", "detail": "Too Many Requests",
                                "type": "about:blank", "status": 429},
                          {"x-rate-limit-limit": "50", "x-rate-limit-remaining": "0",
                           "x-rate-limit-reset": str(int(reset))})
        return Answer(429, {"error": "Too many requests"},
                      {"X-RateLimit-Limit": "300", "X-RateLimit-Remaining": "0",
                       "X-RateLimit-Reset": iso_time(dt.datetime.fromtimestamp(reset, dt.UTC))})
    if kind == "unauthorized":
        if api == BLUESKY:
            return bsky_error(401, "InvalidToken", "Token could not be verified")
        if api == X:
            return x_problem(401, "Unauthorized", "Unauthorized")
        return mastodon_error(401, "The access token is invalid")
    if kind in X_ONLY_FAULTS:
        return X_ONLY_FAULTS[kind](reset_in)
    if kind == "wrong_shape":
        # 200 and JSON, but not the endpoint's shape: each API shapes its own.
        return (x_wrong_shape() if api == X else bsky_wrong_shape() if api == BLUESKY
                else mastodon_wrong_shape())
    if kind == "duplicate" and api == X:
        return x_duplicate()
    if kind == "duplicate":
        return mastodon_error(422, "Validation failed: duplicate")
    # non_json: a proxy or captive portal answered instead of the API.
    return Answer(200, b"<!DOCTYPE html><html><body><h1>Please log in to the network</h1>"
                  b"</body></html>", content_type="text/html; charset=utf-8")


class SandboxHTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, host: str, port: int, world: World | None = None, verbose: bool = False):
        super().__init__((host, port), SandboxHandler)
        self.world = world or World()
        self.verbose = verbose
        # getsockname, not server_address: typeshed types the latter for every address family
        # (bytes for AF_UNIX), and this is an AF_INET server, whose host is a str.
        bound_host, bound_port = self.socket.getsockname()[:2]
        self.base_url = f"http://{bound_host}:{bound_port}"

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that hangs up mid-answer is normal here (timeouts are injected on purpose).
        if self.verbose:
            super().handle_error(request, client_address)


class Sandbox:
    """The sandbox server run in a background thread (tests, `--demo`), or in the foreground."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0, verbose: bool = False):
        self.httpd = SandboxHTTPServer(host, port, verbose=verbose)
        self.world = self.httpd.world
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return self.httpd.base_url

    def start(self) -> Sandbox:
        self._thread = threading.Thread(target=self.httpd.serve_forever, name="sandbox",
                                        kwargs={"poll_interval": 0.1}, daemon=True)
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        self.httpd.serve_forever(poll_interval=0.2)

    def stop(self) -> None:
        self.world.stopping.set()
        if self._thread:
            self.httpd.shutdown()
        self.httpd.server_close()
        if self._thread:
            self._thread.join(timeout=5)

    def __enter__(self) -> Sandbox:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
