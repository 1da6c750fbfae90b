"""The one place a failed worker becomes something a person sees."""

from __future__ import annotations

from textual.dom import DOMNode
from textual.worker import Worker, WorkerState

from inmm_tui.domain.errors import DomainError, NotAuthorised


def report_worker_failure(node: DOMNode, event: Worker.StateChanged) -> None:
    """Turn a worker's error into a notification: the domain's own words for a refusal
    (they are written for volunteers), a short line for anything unexpected."""
    if event.state is not WorkerState.ERROR:
        return
    error = event.worker.error
    if isinstance(error, NotAuthorised):
        node.app.notify(str(error), title="Not allowed", severity="error", timeout=8)
    elif isinstance(error, DomainError):
        node.app.notify(str(error), title="Refused", severity="warning", timeout=8)
    else:
        node.app.notify(f"{type(error).__name__}: {error}", title="Something went wrong",
                        severity="error", timeout=10)
