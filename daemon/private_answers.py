"""Send the private answers people queued (inmm_tui/domain/private_answers.py), each on its
own: claimed before the call, sent under its key, recorded when the platform answers.

A transient failure puts the answer back for the next run under the same key (the
platform hands back what it already made); a rate limit or refused credentials stop the
outlet's run; a refusal fails that answer with an alert. After a crash, `recover` sends
again only what the platform can still recognise by its key.
"""

from __future__ import annotations

import logging

from inmm_tui.domain.services import Services
from inmm_tui.domain.skips import database_failing, skip
from inmm_tui.platforms.base import Platform
from inmm_tui.platforms.errors import AuthFailed, RateLimited, Rejected, TransientError, Unsupported

log = logging.getLogger("inmm_daemon.private_answers")

JOB = "private answers"


def send_answers(services: Services, platform: Platform, outlet: str) -> int:
    """Send the outlet's pending private answers; returns how many went out."""
    answers = services.private_answers
    if not platform.capabilities.private_answers or not answers.waiting(outlet):
        return 0
    answers.recover(outlet, services.config.daemon.idempotency_key_seconds)
    sent = 0
    due = answers.claim_due(outlet)
    for index, answer in enumerate(due):
        try:
            published = platform.answer_privately(
                answer.text, recipient=answer.recipient_handle, in_reply_to=answer.in_reply_to,
                idempotency_key=answer.attempt_key or "")
        except (RateLimited, AuthFailed) as exc:
            # Every later call would be refused too: this one and the rest wait, same keys.
            for waiting in due[index:]:
                answers.record_retry(waiting, str(exc) or type(exc).__name__)
            log.warning("%s: private answers wait: %s", outlet, exc)
            return sent
        except (Rejected, Unsupported) as exc:
            answers.record_failed(answer, str(exc) or type(exc).__name__)
            log.error("private answer #%d refused by %s: %s", answer.id, outlet, exc)
            continue
        except Exception as exc:
            if database_failing(exc):
                raise
            message = (str(exc) or "temporary failure") if isinstance(exc, TransientError) \
                else skip(services.db, JOB, outlet, str(answer.id), exc, services.clock(), log,
                          "private answer")
            answers.record_retry(answer, message)
            continue
        answers.record_sent(answer, published.platform_id)
        sent += 1
    return sent
