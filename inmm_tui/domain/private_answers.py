"""Answering a private message privately (the policy: HQ "represent INMM as a point of
contact for social media inquiries"). Only those who may read private messages
(`Action.READ_PRIVATE`: HQ and the Subcommittee Chair) may answer one; the answer is
screened with the outgoing rules (a block refuses it, naming why) and is never public: the
daemon sends it as a private message to the sender alone, where the outlet's API can
(`Capabilities.private_answers`), and nowhere else.

Exactly once: the daemon claims an answer (`sending`, with a key kept from the first
attempt) before it calls the platform, which takes the key as its Idempotency-Key, so a
send repeated after a crash hands back the message already made. A claim older than the
platform keeps keys for (`daemon.idempotency_key_seconds`) is not sent again: it is
`in_doubt`, with an alert to HQ to look on the platform, because a second private
message to a member is worse than one that must be checked by hand.

The audit log records who answered which message, its length and SHA-256, never its text.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from typing import TYPE_CHECKING

from inmm_tui.capabilities import for_api
from inmm_tui.domain import audit
from inmm_tui.domain.alerts import raise_alert
from inmm_tui.domain.base import DomainService
from inmm_tui.domain.errors import InvalidInput, InvalidState, NotAuthorised, NotFound
from inmm_tui.domain.people import get_person
from inmm_tui.domain.posts import Screener, ScreenRequest, check_body
from inmm_tui.domain.private_messages import authorise_reading
from inmm_tui.domain.roles import Role
from inmm_tui.store.tx import write
from inmm_tui.timeutil import Clock, from_db, to_db, utcnow

if TYPE_CHECKING:
    from sqlite_utils import Database

PENDING, SENDING, SENT, FAILED, IN_DOUBT = "pending", "sending", "sent", "failed", "in_doubt"
ANSWER_TOPIC = ""
"""An answer has no topic (the `topic` finding is not asked of it)."""
NOT_SCREENED_FOR_ANSWERS = frozenset({"topic", "signature", "credibility", "timeliness"})
"""What the outgoing screen asks of a public post and not of a private answer: a topic,
the author's signature, a link or call to action, dates against the publishing day."""
_COLUMNS = ("id, message_id, outlet, recipient_id, recipient_handle, in_reply_to, text,"
            " state, attempt_key, attempts, last_error, platform_id, created_by, created_at,"
            " claimed_at, sent_at")


@dataclass(frozen=True)
class PrivateAnswer:
    id: int
    message_id: int
    outlet: str
    recipient_id: str
    recipient_handle: str
    in_reply_to: str
    text: str
    state: str
    attempt_key: str | None
    attempts: int
    last_error: str | None
    platform_id: str | None
    created_by: str
    created_at: str
    claimed_at: str | None
    sent_at: str | None


def text_digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class PrivateAnswers(DomainService):
    def __init__(self, db: Database, *, outlets: dict[str, str], screener: Screener,
                 max_attempts: int = 8, clock: Clock = utcnow):
        self.db = db
        self.outlet_apis = outlets
        self.screener = screener
        self.max_attempts = max_attempts
        self.clock = clock

    # ----- asking -----------------------------------------------------------------

    def answer(self, actor: str, message_id: int, text: str) -> PrivateAnswer:
        """Queue a private answer to private message `message_id`; refused (and the
        refusal audited) for someone who may not read private messages, for an outlet
        whose API cannot send one, for empty or blocked text."""
        authorise_reading(self.db, actor, None, self.clock)
        text = text.strip()
        try:
            if not text:
                raise InvalidInput("the answer is empty: write what to tell them")
            check_body(text)
            row = self.conn.execute(
                "SELECT outlet, author_id, author_handle, platform_id FROM private_messages"
                " WHERE id = ?", (message_id,)).fetchone()
            if row is None:
                raise NotFound(f"there is no private message #{message_id}")
            outlet, recipient_id, handle, platform_id = row
            api = self.outlet_apis.get(outlet, "")
            capabilities = for_api(api) if api else None
            if capabilities is None or not capabilities.private_answers:
                label = capabilities.label if capabilities else outlet
                raise InvalidState(f"the {label} API cannot send a private message: answer "
                                   f"@{handle} on {label} itself")
            blocked = self._blocking_findings(actor, outlet, api, f"@{handle} {text}")
            if blocked:
                raise InvalidInput("the answer is refused by the policy screen: "
                                   + "; ".join(blocked))
        except (InvalidInput, InvalidState) as refusal:
            self._audit_refusal(actor, message_id, refusal)
            raise
        now = self.clock()
        with write(self.db):
            answer_id = self.conn.execute(
                "INSERT INTO private_answers (message_id, outlet, recipient_id,"
                " recipient_handle, in_reply_to, text, state, created_by, created_at)"
                " VALUES (?, ?, ?, ?, ?, ?, 'pending', ?, ?)",
                (message_id, outlet, recipient_id, handle, platform_id, text, actor,
                 to_db(now))).lastrowid
            audit.append(self.conn, actor, "private.answer", f"private:{message_id}",
                         {"answer": answer_id, "outlet": outlet, "length": len(text),
                          "sha256": text_digest(text)}, at=now)
        return self.get(int(answer_id or 0))

    def _blocking_findings(self, actor: str, outlet: str, api: str, text: str) -> list[str]:
        person = get_person(self.conn, actor)
        outcome = self.screener(ScreenRequest(
            text=text, outlet=outlet, api=api, topic=ANSWER_TOPIC, announcement=False,
            author_role=person.role if person else Role.ACCOUNT_MANAGER, now=self.clock()))
        return [str(f.get("message") or f.get("rule")) for f in outcome.findings
                if f.get("severity", outcome.verdict) == "block"
                and f.get("category") not in NOT_SCREENED_FOR_ANSWERS]

    def _audit_refusal(self, actor: str, message_id: int, refusal: Exception) -> None:
        with write(self.db):
            audit.append(self.conn, actor, "private.answer_refused", f"private:{message_id}",
                         {"refusal": str(refusal)}, at=self.clock())

    # ----- reading ----------------------------------------------------------------

    def get(self, answer_id: int) -> PrivateAnswer:
        row = self.conn.execute(f"SELECT {_COLUMNS} FROM private_answers WHERE id = ?",
                                (answer_id,)).fetchone()
        if row is None:
            raise NotFound(f"there is no private answer #{answer_id}")
        return PrivateAnswer(*row)

    def of_messages(self, login: str) -> dict[int, PrivateAnswer]:
        """Message id -> its latest answer, for someone who may read private messages."""
        try:
            authorise_reading(self.db, login, None, self.clock)
        except NotAuthorised:
            return {}
        return {answer.message_id: answer for answer in (PrivateAnswer(*row) for row in
                self.conn.execute(f"SELECT {_COLUMNS} FROM private_answers ORDER BY id"))}

    # ----- what the daemon does -----------------------------------------------------

    def waiting(self, outlet: str) -> bool:
        """Whether the outlet has an answer to send or to recover: one read, so that the
        publish run every few seconds takes the write lock only when there is work."""
        return self.conn.execute(
            "SELECT 1 FROM private_answers WHERE outlet = ? AND state IN ('pending', 'sending')"
            " LIMIT 1", (outlet,)).fetchone() is not None

    def recover(self, outlet: str, key_seconds: float) -> int:
        """Answers left `sending` by a daemon that stopped: sent again under their key
        while the platform still knows it, else `in_doubt` with an alert to HQ. Returns
        how many were put in doubt."""
        now = self.clock()
        doubtful = 0
        with write(self.db):
            for answer_id, message_id, claimed_at in self.conn.execute(
                    "SELECT id, message_id, claimed_at FROM private_answers WHERE outlet = ?"
                    " AND state = 'sending'", (outlet,)).fetchall():
                if claimed_at and now - from_db(claimed_at) < dt.timedelta(seconds=key_seconds):
                    self.conn.execute("UPDATE private_answers SET state = 'pending' WHERE id = ?",
                                      (answer_id,))
                    continue
                self._settle(answer_id, IN_DOUBT, "the daemon stopped while sending it, too "
                             "long ago for the platform to recognise a repeat", now)
                raise_alert(self.conn, "private_answer_in_doubt", f"private:{message_id}",
                            f"the private answer #{answer_id} on {outlet} may or may not have "
                            "gone out: look in the conversation on the platform, and answer "
                            "again only if it is not there", now)
                doubtful += 1
        return doubtful

    def claim_due(self, outlet: str) -> list[PrivateAnswer]:
        """The outlet's pending answers, each marked `sending` (with its key) before any call."""
        now = self.clock()
        with write(self.db):
            ids = [row[0] for row in self.conn.execute(
                "SELECT id FROM private_answers WHERE outlet = ? AND state = 'pending'"
                " ORDER BY id", (outlet,))]
            for answer_id in ids:
                self.conn.execute(
                    "UPDATE private_answers SET state = 'sending', attempts = attempts + 1,"
                    " claimed_at = ?, attempt_key = coalesce(attempt_key, ?) WHERE id = ?",
                    (to_db(now), f"inmm-private-{answer_id}-{now.timestamp():.0f}", answer_id))
        return [self.get(answer_id) for answer_id in ids]

    def record_sent(self, answer: PrivateAnswer, platform_id: str) -> None:
        now = self.clock()
        with write(self.db):
            self.conn.execute(
                "UPDATE private_answers SET state = 'sent', platform_id = ?, sent_at = ?,"
                " last_error = NULL WHERE id = ?", (platform_id, to_db(now), answer.id))
            audit.append(self.conn, audit.DAEMON, "private.answered",
                         f"private:{answer.message_id}",
                         {"answer": answer.id, "outlet": answer.outlet,
                          "platform_id": platform_id}, at=now)

    def record_retry(self, answer: PrivateAnswer, message: str) -> str:
        """A transient failure: pending again (the same key), or failed once the attempts
        are spent. Returns the new state."""
        now = self.clock()
        with write(self.db):
            if answer.attempts >= self.max_attempts:
                self._settle(answer.id, FAILED, message, now)
                return FAILED
            self.conn.execute("UPDATE private_answers SET state = 'pending', last_error = ?"
                              " WHERE id = ?", (message, answer.id))
        return PENDING

    def record_failed(self, answer: PrivateAnswer, message: str) -> None:
        now = self.clock()
        with write(self.db):
            self._settle(answer.id, FAILED, message, now)
            raise_alert(self.conn, "private_answer_failed", f"private:{answer.message_id}",
                        f"the private answer #{answer.id} on {answer.outlet} was refused: "
                        f"{message}", now)

    def _settle(self, answer_id: int, state: str, message: str, now: dt.datetime) -> None:
        self.conn.execute("UPDATE private_answers SET state = ?, last_error = ? WHERE id = ?",
                          (state, message, answer_id))
        audit.append(self.conn, audit.DAEMON, f"private.answer_{state}",
                     f"private_answer:{answer_id}", {"reason": message}, at=now)
