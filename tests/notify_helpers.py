"""Real local receivers for the notification tests: an SMTP server (aiosmtpd) and a webhook
receiver (http.server), each on 127.0.0.1, each keeping what it received."""

from __future__ import annotations

import email
import email.policy
import socket
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from aiosmtpd.controller import Controller


class MailBox:
    """What the SMTP server accepted. `on_receive`, when set, runs before the server
    answers 250 (the tests use it to hold the database when the server accepts)."""

    def __init__(self) -> None:
        self.messages: list[email.message.EmailMessage] = []
        self.on_receive: Callable[[], None] | None = None
        self.received = threading.Event()

    async def handle_DATA(self, server, session, envelope) -> str:
        self.messages.append(email.message_from_bytes(envelope.content,
                                                      policy=email.policy.default))
        if self.on_receive is not None:
            self.on_receive()
        self.received.set()
        return "250 OK"


class SmtpServer:
    def __init__(self) -> None:
        self.box = MailBox()
        with socket.socket() as probe:  # aiosmtpd's start-up check cannot use port 0
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.controller = Controller(self.box, hostname="127.0.0.1", port=self.port)

    def __enter__(self) -> SmtpServer:
        self.controller.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.controller.stop()


class WebhookReceiver:
    """Keeps each POST's headers and body; answers `status` (a list is used up in order)."""

    def __init__(self) -> None:
        self.requests: list[tuple[Any, bytes]] = []
        self.statuses: list[int] = []
        self.on_receive: Callable[[], None] | None = None
        self.received = threading.Event()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                receiver.requests.append((self.headers, body))  # case-insensitive
                status = receiver.statuses.pop(0) if receiver.statuses else 200
                if status == 200 and receiver.on_receive is not None:
                    receiver.on_receive()
                self.send_response(status)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")
                self.wfile.flush()
                receiver.received.set()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> WebhookReceiver:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/hook"
