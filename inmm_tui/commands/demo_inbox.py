"""The demo's webhook receiver: where the daemon's notifications go during the demo. It
checks each post's signature, drops a copy it has seen (by its id), and writes what it
received to a text file one can read in another terminal while the demo runs."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

from inmm_tui.outside_text import printable

RECEIVED = "notifications-received.txt"


class WebhookInbox:
    def __init__(self, port: int, secret: bytes, path: Path) -> None:
        from inmm_daemon.notify import ID_HEADER, SIGNATURE_HEADER, verify_signature

        self.path = path
        self.seen: set[str] = set()
        inbox = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0) or 0))
                signed = verify_signature(secret, body, self.headers.get(SIGNATURE_HEADER, ""))
                event_id = self.headers.get(ID_HEADER, "")
                self.send_response(200 if signed else 401)
                self.send_header("Content-Length", "0")
                self.end_headers()
                if signed:
                    inbox.receive(event_id, body)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        path.write_text("Notifications the demo's daemon sent to its webhook (newest last):\n",
                        encoding="utf-8")

    def receive(self, event_id: str, body: bytes) -> None:
        if event_id in self.seen:  # sent again after a crash: the same id, dropped
            return
        self.seen.add(event_id)
        try:
            text = str(json.loads(body).get("text", ""))
        except (ValueError, AttributeError):
            text = "(not JSON)"
        with self.path.open("a", encoding="utf-8") as out:
            out.write(printable(text) + "\n")

    def start(self) -> WebhookInbox:
        threading.Thread(target=self.server.serve_forever, name="demo-webhook",
                         daemon=True).start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def for_demo(config_path: Path) -> WebhookInbox | None:
    """The receiver the demo's configuration points its webhook at, or None without one."""
    from inmm_tui.config import load_config
    from inmm_tui.platforms.secrets import load_secrets

    config = load_config(str(config_path))
    url = config.notifications.webhooks.get("demo")
    if not url:
        return None
    secret = load_secrets(config.secrets_path).notifications["webhook_secret"]
    port = urlsplit(url).port or 80
    return WebhookInbox(port, secret.encode(), config_path.parent / RECEIVED).start()
