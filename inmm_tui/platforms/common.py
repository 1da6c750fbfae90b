"""Small helpers both adapters share."""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Callable, Iterable
from typing import Any, TypeVar
from urllib.parse import urlsplit

from inmm_tui.capabilities import PollRules
from inmm_tui.media_file import MediaFile
from inmm_tui.outside_text import printable, storable
from inmm_tui.platforms.base import Account, Published
from inmm_tui.platforms.errors import PlatformError, Rejected, TransientError, Unsupported

T = TypeVar("T")
log = logging.getLogger("inmm_tui.platforms")
MALFORMED = (KeyError, TypeError, ValueError, AttributeError)
"""What building our objects from a surprising answer raises."""

MEDIA_PROCESSING_SECONDS = 120.0
"""How long an upload the platform is still processing (a video; Mastodon's 202) is
waited for within one attempt; past it the attempt fails as transient and is retried."""

RATE_LIMIT_FALLBACK = dt.timedelta(minutes=15)
"""When a 429 carries no usable reset time, wait as long as X's shortest window."""


def reset_time(epoch: float | None) -> dt.datetime:
    now = dt.datetime.now(dt.UTC)
    if epoch is None:
        return now + RATE_LIMIT_FALLBACK
    moment = dt.datetime.fromtimestamp(epoch, dt.UTC)
    return moment if moment > now else now + dt.timedelta(seconds=1)


def count(value: Any) -> int | None:
    """A count from the platform: a whole number not below zero, else None (absent, or
    garbage such as a string or an object), so that one odd field never sinks a poll."""
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    return None


def id_key(platform_id: str) -> tuple[int, str]:
    """Order ids the way the platforms do: both use numbers that grow with time."""
    return (len(platform_id), platform_id)


def is_loopback(url: str | None) -> bool:
    """Whether `url` points at this machine (the sandbox): no proxy from the environment."""
    host = urlsplit(url or "").hostname or ""
    return host in ("localhost", "::1") or host.startswith("127.")


def media_bytes(outlet: str, item: MediaFile) -> bytes:
    """The stored file's bytes; Rejected when they are not the ones cleared (changed or
    gone since the daemon checked): retrying cannot mend that, clearing it again can."""
    try:
        return item.read()
    except (OSError, ValueError) as exc:
        raise Rejected(f"{outlet}: {item.name}: {exc}") from None


def one_line(text: str) -> str:
    return " ".join(text.split())


class Adapter:
    """What both adapters share: the outlet's name, our account id (looked up once), one
    call at a time, and the translation of any failure into one of our errors."""

    def __init__(self, name: str):
        self.name = name
        self._me: Account | None = None
        # One call at a time per outlet: the client's session and rate-limit state are not
        # safe to share between the scheduler's threads.
        self._lock = threading.RLock()

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.name!r})"  # never the client: it holds tokens

    def whoami(self) -> Account:
        raise NotImplementedError

    def keyed_post(self, key: str) -> Published | None:
        raise Unsupported(f"{self.name}: posts here are not created under a key of ours")

    def poll_rules(self, *, fresh: bool = False) -> PollRules | None:
        return None  # the platform's limits are the documented ones, its capabilities'

    def answer_privately(self, text: str, *, recipient: str, in_reply_to: str,
                         idempotency_key: str) -> Published:
        raise Unsupported(f"{self.name}: private messages are answered on the platform itself")

    def _me_id(self) -> str:
        if self._me is None:
            self._me = self.whoami()
        return self._me.user_id

    def _translate(self, what: str, exc: Exception) -> PlatformError | None:
        """Our error for the client library's `exc`; None to let it through (a bug of ours)."""
        raise NotImplementedError

    def _call(self, what: str, method: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        with self._lock:
            try:
                return method(*args, **kwargs)
            except PlatformError:
                raise
            except Exception as exc:
                error = self._translate(what, exc)
                if error is None:
                    raise
            # One line: the libraries' messages carry newlines that would split a log line.
            error.args = (one_line(str(error)), *error.args[1:])
            raise error

    def _parse(self, what: str, build: Callable[[Any], T], value: Any) -> T:
        """Build our result from the platform's answer; a surprising shape is transient."""
        try:
            return build(value)
        except MALFORMED as exc:
            raise TransientError(f"{self.name}: {what}: malformed answer ({exc!r})") from None

    def _each(self, what: str, build: Callable[[Any], T], items: Iterable[Any],
              ident: Callable[[Any], Any] = lambda item: item["id"],
              ) -> tuple[list[T], list[tuple[str, str]]]:
        """Build each item of a list alone: one the platform sent malformed is left out
        and named, as (its id by `ident`, or "?", what was wrong), instead of failing the
        whole list, so that it cannot stop every later item for ever."""
        built: list[T] = []
        bad: list[tuple[str, str]] = []
        for item in items:
            try:
                built.append(build(item))
            except MALFORMED as exc:
                try:
                    name = ident(item)
                except MALFORMED:
                    name = None
                bad.append((storable(name) if name is not None else "?",
                            f"malformed: {type(exc).__name__}: {storable(exc)}"))
                log.warning("%s: %s: left out a malformed item %s (%s)", self.name, what,
                            printable(bad[-1][0], limit=40), printable(bad[-1][1], limit=200))
        return built, bad
