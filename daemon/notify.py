"""The `notify` job: send the outbox's messages by e-mail (SMTP) and webhook.

Each message is claimed (`sending`, committed), sent, then recorded `sent`. A failure puts
it back with a wait that doubles each time (never given up: `--report` shows it while it
fails). A daemon killed after the server took a message but before recording so leaves it
`sending`; the next run sends it again with the same id (the e-mail's Message-ID, the
webhook's `X-INMM-Event-Id`), which is how a receiver drops the copy.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import logging
import smtplib
import ssl
import urllib.request
from collections.abc import Mapping
from email.message import EmailMessage
from email.utils import format_datetime
from typing import TYPE_CHECKING

from inmm_tui.config import Notifications, web_url
from inmm_tui.domain import notify
from inmm_tui.store.tx import write
from inmm_tui.timeutil import from_db

if TYPE_CHECKING:
    from inmm_tui.domain.services import Services

log = logging.getLogger("inmm_daemon.notify")
SIGNATURE_HEADER = "X-INMM-Signature"
ID_HEADER = "X-INMM-Event-Id"


class NotifySecretsMissing(Exception):
    exit_code = 2


class Messenger:
    """Sends one message by e-mail or webhook; holds the SMTP password and the webhook
    secret (from the secrets file), and nothing else does."""

    def __init__(self, settings: Notifications, secrets: Mapping[str, str], source: str = ""):
        self.settings = settings
        self._password = _usable(secrets.get("smtp_password", ""))
        self._webhook_secret = _usable(secrets.get("webhook_secret", "")).encode()
        where = source or "the secrets file"
        if settings.smtp_host and settings.smtp_username and not self._password:
            raise NotifySecretsMissing(f"{where}: notifications.smtp_password: missing or still "
                                       "the placeholder (needed because "
                                       "notifications.smtp_username is set)")
        if settings.webhooks and not self._webhook_secret:
            raise NotifySecretsMissing(f"{where}: notifications.webhook_secret: missing or still "
                                       "the placeholder (the webhooks' posts are signed with it)")
        self._urls: dict[str, str] = {}
        for name, url in settings.webhooks.items():
            if url.startswith("secret:"):
                key = url[len("secret:"):]
                url = _usable(secrets.get(key, ""))
                if not web_url(url):
                    raise NotifySecretsMissing(
                        f"{where}: notifications.{key}: missing, still the placeholder, or not "
                        "an https:// URL (http:// only to this host; notifications.webhooks."
                        f"{name} names it)")
            self._urls[name] = url

    @property
    def email(self) -> bool:
        return bool(self.settings.smtp_host)

    def webhooks(self) -> list[notify.Webhook]:
        return [notify.Webhook(name, tuple(self.settings.webhook_events))
                for name in self.settings.webhooks]

    def send_email(self, to: str, message_id: str, subject: str, body: str,
                   when: dt.datetime) -> None:
        s = self.settings
        mail = EmailMessage()
        mail["From"] = s.from_address
        mail["To"] = to
        mail["Subject"] = subject
        mail["Date"] = format_datetime(when)
        mail["Message-ID"] = f"<{message_id}@inmm-tui>"
        mail.set_content(body)
        context = ssl.create_default_context(cafile=s.smtp_cafile or None)
        smtp: smtplib.SMTP
        if s.smtp_security == "tls":
            smtp = smtplib.SMTP_SSL(s.smtp_host, s.smtp_port, timeout=s.timeout_seconds,
                                    context=context)
        else:
            smtp = smtplib.SMTP(s.smtp_host, s.smtp_port, timeout=s.timeout_seconds)
        with smtp:
            if s.smtp_security == "starttls":
                smtp.starttls(context=context)
            if s.smtp_username:
                smtp.login(s.smtp_username, self._password)
            smtp.send_message(mail)

    def send_webhook(self, name: str, payload: dict[str, str]) -> None:
        body = json.dumps(payload, ensure_ascii=False, sort_keys=True).encode("utf-8")
        signature = hmac.new(self._webhook_secret, body, hashlib.sha256).hexdigest()
        request = urllib.request.Request(
            self._urls[name], data=body, method="POST",
            headers={"Content-Type": "application/json", ID_HEADER: payload["id"],
                     SIGNATURE_HEADER: f"sha256={signature}"})
        with urllib.request.urlopen(request, timeout=self.settings.timeout_seconds) as answer:
            answer.read()


def _usable(value: str) -> str:
    """The value, or '' for a placeholder left from the example ("<mail password>")."""
    return "" if value.startswith("<") and value.endswith(">") else value


def verify_signature(secret: bytes, body: bytes, header: str) -> bool:
    """What a receiver does with the signature header (used by the tests and the demo)."""
    expected = "sha256=" + hmac.new(secret, body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, header)


def _footer(login: str | None, message_id: str) -> str:
    who = login or "LOGIN"
    return ("\n\n--\nFrom inmm-tui, INMM's social media tool. Choose what you receive, a daily "
            f"digest or quiet hours with `inmm-tui roster notify {who} ...`.\n"
            f"Message id: {message_id}\n")


def compose(services: Services, message: notify.Message) -> tuple[str, str]:
    """(subject line, plain text) of one message."""
    conn = services.db.conn
    if message.kind == "digest":
        items = notify.digest_items(conn, message.id)
        tz = services.config.tz
        lines = [f"- {from_db(at).astimezone(tz):%a %d %b %H:%M}  {summary}"
                 for _kind, summary, at in items]
        subject = f"[INMM] Daily digest: {len(items)} notification{'s' if len(items) != 1 else ''}"
        return subject, "\n".join(lines) + _footer(message.login, message.message_id)
    title = notify.EVENTS[message.kind]
    return (f"[INMM] {title[0].upper()}{title[1:]}",
            message.summary + _footer(message.login, message.message_id))


def _backoff(settings: Notifications, attempts: int) -> dt.timedelta:
    seconds = settings.retry_base_seconds * 2 ** min(max(attempts - 1, 0), 30)
    return dt.timedelta(seconds=min(seconds, settings.retry_max_seconds))


def run(services: Services, messenger: Messenger | None) -> tuple[int, int]:
    """One run of the job: (messages sent, failed attempts)."""
    db, conn, now = services.db, services.db.conn, services.clock()
    tz = services.config.tz
    with write(db):
        in_doubt = notify.recover(conn)
        if in_doubt:
            log.warning("%d notifications were being sent when the daemon stopped: sending "
                        "them again with the same id", in_doubt)
        notify.note_overdue(conn, now)
        notify.fan_out(conn, messenger.webhooks() if messenger else [],
                       bool(messenger and messenger.email), now)
        notify.make_digests(conn, services.config.notifications.digest_hour, tz, now)
        notify.purge(conn, now)
    if messenger is None:
        return 0, 0
    sent = failed = 0
    for message in notify.due(conn, now):
        if message.channel == "email":
            with write(db):
                if notify.drop_if_withdrawn(conn, message):
                    continue
        if message.channel == "email" and message.kind not in notify.URGENT:
            wanted = notify.settings(conn, message.login or "")
            until = wanted.quiet_until(now, tz) if wanted else None
            if until is not None:
                with write(db):
                    notify.defer(conn, message.id, until)
                continue
        subject, text = compose(services, message)
        with write(db):
            if not notify.claim(conn, message.id):
                continue
        try:
            if message.channel == "email":
                messenger.send_email(message.target, message.message_id, subject, text, now)
            else:
                messenger.send_webhook(message.target, {
                    "id": message.message_id, "event": message.kind,
                    "subject": message.subject, "text": f"{subject}: {message.summary}",
                    "created_at": message.created_at.isoformat()})
        except Exception as exc:  # the server's fault or ours: not lost, tried again later
            failed += 1
            error = f"{type(exc).__name__}: {exc}"
            log.warning("notification %s by %s to %s failed (attempt %d): %s",
                        message.message_id, message.channel, message.target,
                        message.attempts + 1, error)
            with write(db):
                notify.mark_failed(conn, message.id, error,
                                   services.clock() + _backoff(services.config.notifications,
                                                               message.attempts + 1))
            continue
        with write(db):
            notify.mark_sent(conn, message.id, services.clock())
        sent += 1
    return sent, failed
