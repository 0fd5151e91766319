"""Real receivers for what the service sends: an SMTP server (aiosmtpd) and an HTTP
server for webhooks, both on loopback, recording what arrived."""

from __future__ import annotations

import email
import email.policy
import json
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from .helpers import free_port


class Mailbox:
    """An aiosmtpd server on a free loopback port; ``messages`` is what it received."""

    def __init__(self, **options: Any) -> None:
        from aiosmtpd.controller import Controller

        # aiosmtpd's own options (an authenticator…), kept for a restart.
        self.options = options
        self.port = free_port()
        self.messages: list[EmailMessage] = []
        self.envelopes: list[tuple[str, list[str]]] = []
        self._lock = threading.Lock()
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port, **options)
        self.running = False
        # Seconds each mail takes to be accepted (a slower server, for concurrency tests).
        self.delay = 0.0

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.delay:
            import asyncio

            await asyncio.sleep(self.delay)
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        with self._lock:
            self.messages.append(message)
            self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        return "250 Message accepted for delivery"

    def start(self) -> Mailbox:
        self.controller.start()
        self.running = True
        return self

    def stop(self) -> None:
        """The mail server goes down: connections are refused from now on."""
        if self.running:
            self.controller.stop()
            self.running = False

    def restart(self) -> None:
        from aiosmtpd.controller import Controller

        self.controller = Controller(self, hostname="127.0.0.1", port=self.port, **self.options)
        self.start()

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.messages if m["To"] == address]

    def wait_for(self, count: int, timeout: float = 10) -> list[EmailMessage]:
        deadline = time.monotonic() + timeout
        while len(self.messages) < count and time.monotonic() < deadline:
            time.sleep(0.05)
        return list(self.messages)


def text_of(message: EmailMessage) -> str:
    part = message.get_body(("plain",))
    assert part is not None, "no plain-text part"
    return str(part.get_content())  # type: ignore[attr-defined]


def html_of(message: EmailMessage) -> str:
    part = message.get_body(("html",))
    assert part is not None, "no HTML part"
    return str(part.get_content())  # type: ignore[attr-defined]


def links_in(text: str) -> list[str]:
    import re

    return re.findall(r"https?://[^\s<>\"]+", text)


@pytest.fixture
def mailbox() -> Iterator[Mailbox]:
    box = Mailbox().start()
    yield box
    box.stop()


@dataclass
class Delivery:
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class WebhookReceiver:
    """An HTTP server that records each POST and answers ``status`` (200 by default)."""

    port: int = field(default_factory=free_port)
    status: int = 200
    deliveries: list[Delivery] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks/comments"

    def start(self) -> WebhookReceiver:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - the standard library's name
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                receiver.deliveries.append(
                    Delivery({k.lower(): v for k, v in self.headers.items()}, body)
                )
                self.send_response(receiver.status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)


@pytest.fixture
def webhook_receiver() -> Iterator[WebhookReceiver]:
    receiver = WebhookReceiver().start()
    yield receiver
    receiver.stop()


class SilentServer:
    """Accepts connections and never says a word: a mail server that hangs."""

    def __init__(self) -> None:
        self.port = free_port()
        self.sock = socket.create_server(("127.0.0.1", self.port))
        self.connections: list[socket.socket] = []
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.connections.append(conn)

    def close(self) -> None:
        self.sock.close()
        for conn in self.connections:
            conn.close()


@pytest.fixture
def silent_server() -> Iterator[SilentServer]:
    server = SilentServer()
    yield server
    server.close()


WEBHOOK_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"


def notify_config(mailbox: Mailbox, receiver: WebhookReceiver, **overrides: Any) -> dict[str, Any]:
    """An app's settings to mail through ``mailbox`` and call ``receiver``."""
    return {
        "PUBLIC_URL": "http://localhost",
        "SMTP_HOST": "127.0.0.1",
        "SMTP_PORT": mailbox.port,
        "SMTP_STARTTLS": False,
        "SMTP_FROM": "Comments <comments@blog.example>",
        "WEBHOOK_URLS": [receiver.url],
        "WEBHOOK_SECRET": WEBHOOK_SECRET,
        "OUTBOX_RETRY_SECONDS": 0,
        "OUTBOX_MAX_ATTEMPTS": 3,
        **overrides,
    }


@pytest.fixture
def notify_app(
    make_app: Callable[..., Any], mailbox: Mailbox, webhook_receiver: WebhookReceiver
) -> Iterator[Any]:
    """The ``app`` of the notification tests (their modules name it ``app``): it mails
    through ``mailbox`` and calls ``webhook_receiver``."""
    app = make_app(**notify_config(mailbox, webhook_receiver))
    with app.app_context():
        yield app
