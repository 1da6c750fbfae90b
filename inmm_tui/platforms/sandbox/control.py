"""A small client for the sandbox's `/_sandbox/` control endpoints, for tests, demos and
another process (the daemon's tests, the UI's demo)."""

from __future__ import annotations

from typing import Any

import requests

TIMEOUT = (2.0, 10.0)


class SandboxError(Exception):
    """The sandbox refused a control request; the message is its answer."""


class SandboxControl:
    def __init__(self, base_url: str):
        self.base_url = base_url.rstrip("/")
        self._session = requests.Session()
        self._session.trust_env = False  # the sandbox is local: never through a proxy

    def _call(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        response = self._session.request(method, f"{self.base_url}/_sandbox/{path}",
                                         json=body or {}, timeout=TIMEOUT)
        if response.status_code != 200:
            raise SandboxError(f"{method} /_sandbox/{path}: {response.status_code} {response.text}")
        return response.json()

    def state(self) -> dict[str, Any]:
        return self._call("GET", "state")

    def reset(self) -> None:
        self._call("POST", "reset")

    def fault(self, kind: str, *, api: str = "", method: str = "", path: str = "",
              count: int | None = None, seconds: float | None = None, delay: float | None = None,
              reset_in: float | None = None) -> int:
        spec: dict[str, Any] = {"kind": kind, "api": api, "method": method, "path": path}
        for name, value in (("count", count), ("seconds", seconds), ("delay", delay),
                            ("reset_in", reset_in)):
            if value is not None:
                spec[name] = value
        return int(self._call("POST", "faults", spec)["id"])

    def clear_faults(self) -> None:
        self._call("DELETE", "faults")

    def add_account(self, api: str, handle: str, name: str = "", description: str = "",
                    garbage: dict[str, Any] | None = None) -> str:
        """Plant an account; `garbage` as in `add_follower`."""
        body = {"api": api, "handle": handle, "name": name, "description": description,
                "garbage": garbage or {}}
        return str(self._call("POST", "accounts", body)["id"])

    def add_follower(self, api: str, handle: str, name: str = "", description: str = "",
                     garbage: dict[str, Any] | None = None) -> str:
        """An account follows us; `garbage` replaces fields of it as served (a None
        leaves the field out), for a malformed account."""
        body = {"api": api, "handle": handle, "name": name, "description": description,
                "garbage": garbage or {}}
        return str(self._call("POST", "followers", body)["id"])

    def add_followers(self, api: str, prefix: str, count: int) -> list[str]:
        """`count` new followers named prefix_1 .. prefix_<count>, oldest first."""
        body = {"api": api, "handle": prefix, "count": count}
        return [str(i) for i in self._call("POST", "followers", body)["ids"]]

    def post(self, api: str, handle: str, text: str, in_reply_to: str | None = None,
             garbage: dict[str, Any] | None = None, *, created_at: str | None = None,
             visibility: str | None = None, withheld: bool = False) -> str:
        """That account posts; `garbage` as in `add_follower`, for a malformed post.
        Mastodon only: `created_at` (ISO time) earlier than now for a reply that federated
        late, `visibility` (public, unlisted, private, direct), `withheld` for a
        notification served with `"status": null`."""
        body: dict[str, Any] = {"api": api, "handle": handle, "text": text,
                                "in_reply_to": in_reply_to, "garbage": garbage or {},
                                "withheld": withheld}
        if created_at is not None:
            body["created_at"] = created_at
        if visibility is not None:
            body["visibility"] = visibility
        return str(self._call("POST", "posts", body)["id"])

    def edit_post(self, api: str, post_id: str, text: str) -> None:
        """Its author edits the post (a shared post changed upstream)."""
        self._call("POST", "posts/edit", {"api": api, "id": post_id, "text": text})

    def delete_post(self, api: str, post_id: str) -> None:
        """Its author deletes the post (a shared post gone upstream)."""
        self._call("DELETE", "posts", {"api": api, "id": post_id})

    def set_metrics(self, api: str, post_id: str, **counts: Any) -> None:
        """Set a post's counts: numbers, or any other JSON value as a platform's garbage."""
        self._call("POST", "metrics", {"api": api, "id": post_id, **counts})

    def vote(self, api: str, post_id: str, option: int, count: int = 1, *,
             close: bool = False) -> None:
        """`count` people vote for option `option` (from 0) of the post's poll; with
        `close`, the poll's time is then up."""
        self._call("POST", "votes", {"api": api, "id": post_id, "option": option,
                                     "count": count, "close": close})

    def settings(self, **values: Any) -> None:
        self._call("POST", "settings", values)

    def requests(self, fragment: str = "") -> int:
        """How many requests reached endpoints whose key contains `fragment`."""
        return sum(n for key, n in self.state()["requests"].items() if fragment in key)
