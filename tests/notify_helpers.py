"""Real local receivers for the notification tests: an SMTP server (aiosmtpd) and a webhook
receiver (http.server), each on 127.0.0.1, each keeping what it received."""

from __future__ import annotations

import email
import email.policy
import socket
import ssl
import subprocess
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult


def self_signed(folder: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 and its key, made with the openssl command."""
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout",
                    str(key), "-out", str(cert), "-days", "2", "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1"], check=True,
                   capture_output=True)
    return cert, key


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
    """aiosmtpd on 127.0.0.1. With `tls` ("starttls" or "tls") and a certificate, it speaks
    TLS and takes mail only from `login` with `password`, after TLS."""

    def __init__(self, tls: str = "", cert: tuple[Path, Path] | None = None,
                 login: str = "", password: str = "") -> None:
        self.box = MailBox()
        self.logins: list[str] = []
        with socket.socket() as probe:  # aiosmtpd's start-up check cannot use port 0
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        kwargs: dict[str, Any] = {}
        if tls:
            assert cert is not None
            context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            context.load_cert_chain(str(cert[0]), str(cert[1]))

            def check(server, session, envelope, mechanism, auth_data) -> AuthResult:
                ok = auth_data.login == login.encode() and auth_data.password == password.encode()
                if ok:
                    self.logins.append(login)
                return AuthResult(success=ok)

            kwargs = {"authenticator": check, "auth_required": True, "auth_require_tls": True}
            if tls == "starttls":
                kwargs.update(tls_context=context, require_starttls=True)
            else:  # aiosmtpd does not see implicit TLS as TLS; the socket is TLS all along
                kwargs.update(ssl_context=context, auth_require_tls=False)
        self.controller = Controller(self.box, hostname="127.0.0.1", port=self.port, **kwargs)

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
