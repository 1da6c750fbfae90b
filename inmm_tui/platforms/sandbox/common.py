"""What the sandbox's two APIs share: the request and answer types, the route table the
platform modules fill, ISO times, page-size parameters and blocking."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import functools
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs

from inmm_tui.platforms.sandbox.world import SbAccount, SbPost, World, X


@dataclass
class Request:
    method: str
    path: str
    api: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes
    base_url: str
    params: dict[str, str] = field(default_factory=dict)
    token: str = ""

    def q(self, name: str, default: str | None = None) -> str | None:
        values = self.query.get(name)
        return values[0] if values else default

    def json(self) -> dict[str, Any]:
        try:
            data = json.loads(self.body or b"{}")
        except ValueError:
            raise Answer(400, {"title": "Invalid Request", "detail": "body is not JSON"}) from None
        if not isinstance(data, dict):
            raise Answer(400, {"title": "Invalid Request", "detail": "body is not a JSON object"})
        return data

    def multipart(self) -> dict[str, tuple[bytes, str]]:
        """A multipart/form-data body: field name → (its bytes, its content type)."""
        kind = self.headers.get("content-type", "")
        if not kind.startswith("multipart/form-data"):
            return {}
        message = email.message_from_bytes(
            f"Content-Type: {kind}\r\n\r\n".encode() + self.body, policy=email.policy.HTTP)
        parts: dict[str, tuple[bytes, str]] = {}
        for part in message.iter_parts():
            name = part.get_param("name", header="content-disposition")
            if isinstance(name, str):
                payload = part.get_payload(decode=True)
                parts[name] = (payload if isinstance(payload, bytes) else b"",
                               part.get_content_type())
        return parts

    def fields(self) -> dict[str, str]:
        """Form fields, from a multipart body or a urlencoded one (the last of each)."""
        parts = self.multipart()
        if parts:
            return {name: data.decode("utf-8", "replace") for name, (data, kind) in parts.items()
                    if kind == "text/plain"}
        return {name: values[-1] for name, values in self.form().items()}

    def form(self) -> dict[str, list[str]]:
        kind = self.headers.get("content-type", "")
        if kind.startswith("application/json"):
            return {k: v if isinstance(v, list) else [str(v)] for k, v in self.json().items()}
        return parse_qs(self.body.decode("utf-8"), keep_blank_values=True)


class Answer(Exception):
    """An HTTP answer: raised by handlers for errors, returned for success."""

    def __init__(self, status: int, body: Any, headers: dict[str, str] | None = None,
                 content_type: str = "application/json; charset=utf-8"):
        super().__init__(status)
        self.status = status
        self.body = body
        self.headers = headers or {}
        self.content_type = content_type

    def payload(self) -> bytes:
        if isinstance(self.body, bytes):
            return self.body
        return json.dumps(self.body).encode("utf-8")


Handler = Callable[[World, Request], Answer]
ROUTES: list[tuple[str, str, re.Pattern[str], Handler]] = []


def route(method: str, pattern: str) -> Callable[[Handler], Handler]:
    def register(fn: Handler) -> Handler:
        # Counted under a readable name: "/2/users/:id/followers".
        name = re.sub(r"\(\?P<(\w+)>[^)]*\)", r":\1", pattern).removesuffix("/?")
        ROUTES.append((method, name, re.compile(f"^{pattern}$"), fn))
        return fn

    return register


def headed_route(method: str, pattern: str,
                 headers: Callable[[World], dict[str, str]]) -> Callable[[Handler], Handler]:
    """`route`, with `headers(world)` (a platform's rate-limit headers) added to every
    answer, errors included, as the real services send them."""
    def register(fn: Handler) -> Handler:
        @functools.wraps(fn)
        def handler(world: World, request: Request) -> Answer:
            try:
                answer = fn(world, request)
            except Answer as raised:
                raised.headers.update(headers(world))
                raise
            answer.headers.update(headers(world))
            return answer

        return route(method, pattern)(handler)

    return register


def iso_time(moment: dt.datetime) -> str:
    moment = moment.astimezone(dt.UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"








def limit_from(request: Request, name: str, default: int, low: int, high: int) -> int:
    raw = request.q(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        value = -1
    if request.api == X and not low <= value <= high:
        raise Answer(400, {
            "errors": [{"parameters": {name: [raw]},
                        "message": f"The `{name}` query parameter value [{raw}] is not between "
                        f"{low} and {high}"}],
            "title": "Invalid Request",
            "detail": "One or more parameters to your request was invalid.",
            "type": "https://api.twitter.com/2/problems/invalid-request",
        })
    return max(1, min(value if value > 0 else default, high))


def block(world: World, api: str, target: str) -> None:
    # Blocking also breaks the follow both ways, as on the real services.
    if target not in world.blocks[api]:
        world.blocks[api].append(target)
    world.followers[api].pop(target, None)
    world.following[api].pop(target, None)


def with_garbage(body: dict[str, Any], planted: SbAccount | SbPost) -> dict[str, Any]:
    """An account or post as served, with its planted garbage (a null leaves the field
    out)."""
    for name, value in planted.garbage.items():
        if value is None:
            body.pop(name, None)
        else:
            body[name] = value
    return body


def sniff(data: bytes) -> str | None:
    """The MIME type of an upload by its first bytes, as the services find it (they do
    not trust the name or the declared type)."""
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data.startswith(b"GIF8"):
        return "image/gif"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    if data[4:8] == b"ftyp":
        return "video/mp4"
    return None
