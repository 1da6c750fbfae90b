"""Questions-inbox jobs (R9): after mentions are ingested and screened, the ones that ask
something go to the inbox; questions left unanswered too long raise a reminder.

Plain functions of the services (no platform call: the inbox works on ingested mentions);
the scheduler registers them, `triage_questions` right after the mention ingestion and
its moderation screening, `remind_questions` with the daily reminders.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from inmm_tui.domain import skips
from inmm_tui.domain.questions import questions_for

if TYPE_CHECKING:
    from inmm_tui.domain.services import Services

log = logging.getLogger("inmm_daemon.questions")

MAX_BATCHES = 20
"""Bound on one run: at most this many batches of mentions are triaged."""


def triage_questions(services: Services) -> list[int]:
    """Mark new mentions that ask something (and were not queued for moderation) as
    questions. A mention that cannot be judged stays a plain mention and is recorded as
    skipped (an alert after a few): the triage goes on with the others."""

    def skip(mention_id: int, outlet: str, exc: Exception) -> None:
        skips.skip(services.db, "questions", outlet, f"mention #{mention_id}", exc,
                   services.clock(), log, "question triage of")

    found = questions_for(services).triage(max_batches=MAX_BATCHES, on_error=skip)
    if found:
        log.info("questions: %d new in the inbox", len(found))
    return found


def remind_questions(services: Services) -> list[int]:
    """A reminder for each question unanswered after `[questions] remind_after_hours`."""
    reminded = questions_for(services).remind_unanswered()
    if reminded:
        log.info("questions: reminders for %d unanswered", len(reminded))
    return reminded
