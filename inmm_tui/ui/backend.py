"""What screens are handed: the services, who is signed in, and one lock so that thread
workers never interleave transactions on the services' single connection."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    from inmm_tui.config import Config
    from inmm_tui.domain.services import Services

T = TypeVar("T")


@dataclass
class Backend:
    """The services and the person at the keyboard, shared by every screen; one lock keeps their service
    calls from running at once."""

    services: Services
    login: str
    """The person at the keyboard; every service call is made as them."""
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def config(self) -> Config:
        return self.services.config

    def call(self, fn: Callable[..., T], *args: object, **kwargs: object) -> T:
        """Run one service call under the lock (from a thread worker, never the UI thread)."""
        with self.lock:
            return fn(*args, **kwargs)

    def start(self, fn: Callable[..., T], *args: object) -> Future[T]:
        """Run `fn` on a thread of its own, now (it takes the lock through `call` for each
        service call); the caller takes the result, or the exception, from the future."""
        future: Future[T] = Future()

        def run() -> None:
            try:
                future.set_result(fn(*args))
            except BaseException as exc:  # handed to whoever takes the result
                future.set_exception(exc)

        threading.Thread(target=run, name="backend-start", daemon=True).start()
        return future
