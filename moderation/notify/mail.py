"""Mails: an ``EmailMessage`` with a plain-text and an HTML part, sent through
``smtplib`` (or printed to the console when no mail server is configured)."""

from __future__ import annotations

import logging
import smtplib
import ssl
import sys
from email.message import EmailMessage
from email.utils import formatdate
from html.parser import HTMLParser
from typing import IO

from ..core.text import clean_line
from .settings import NotifySettings

log = logging.getLogger(__name__)

SUBJECT_MAX = 200


class DeliveryError(Exception):
    """A message could not be delivered; ``permanent`` when retrying cannot help."""

    def __init__(self, message: str, *, permanent: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.permanent = permanent


def build_message(
    settings: NotifySettings,
    *,
    to: str,
    subject: str,
    text: str,
    html: str,
    uid: str,
    headers: dict[str, str] | None = None,
) -> EmailMessage:
    """A mail with both parts; its Message-ID comes from ``uid``, the same on every try."""
    message = EmailMessage()
    message["From"] = settings.sender
    message["To"] = to
    # Readers' names and articles' titles end up here: one clean line, nothing injected.
    message["Subject"] = clean_line(subject, SUBJECT_MAX)
    message["Date"] = formatdate(usegmt=True)
    message["Message-ID"] = f"<{uid}@{settings.mail_domain}>"
    message["Auto-Submitted"] = "auto-generated"
    for name, value in (headers or {}).items():
        message[name] = value
    message.set_content(text)
    message.add_alternative(html, subtype="html")
    return message


class _Text(HTMLParser):
    """The text of sanitized HTML, with links spelled out and paragraphs kept apart."""

    BLOCKS = frozenset({"p", "div", "blockquote", "pre", "ul", "ol", "li", "br", "h1", "h2"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.href: list[str | None] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.BLOCKS:
            self.parts.append("\n" if tag in ("br", "li") else "\n\n")
        if tag == "li":
            self.parts.append("- ")
        if tag == "a":
            self.href.append(dict(attrs).get("href"))

    def handle_endtag(self, tag: str) -> None:
        if tag == "a" and self.href:
            href = self.href.pop()
            if href:
                self.parts.append(f" <{href}>")
        elif tag in self.BLOCKS:
            self.parts.append("\n\n")

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def html_to_text(html: str) -> str:
    """Plain text from a comment's sanitized HTML (never its raw markup)."""
    parser = _Text()
    parser.feed(html)
    parser.close()
    lines = [line.rstrip() for line in "".join(parser.parts).splitlines()]
    text = "\n".join(lines).strip()
    while "\n\n\n" in text:
        text = text.replace("\n\n\n", "\n\n")
    return text


class Mailer:
    """Sends mails through one SMTP connection, opened on the first mail; ``close``
    when the batch is done."""

    def __init__(self, settings: NotifySettings, console: IO[str] | None = None) -> None:
        self.settings = settings
        self.console = console
        self._smtp: smtplib.SMTP | None = None

    def send(self, message: EmailMessage) -> None:
        if not self.settings.smtp_host:
            self._print(message)
            return
        try:
            smtp = self._connection()
            refused = smtp.send_message(message)
        except smtplib.SMTPRecipientsRefused as exc:
            self.close()
            codes = [code for code, _ in exc.recipients.values()]
            raise DeliveryError(
                f"The mail server refused the recipient ({', '.join(map(str, codes))})",
                permanent=all(500 <= code < 600 for code in codes),
            ) from exc
        except smtplib.SMTPResponseException as exc:
            self.close()
            raise DeliveryError(
                f"The mail server answered {exc.smtp_code}", permanent=500 <= exc.smtp_code < 600
            ) from exc
        except (smtplib.SMTPException, OSError) as exc:
            self.close()
            raise DeliveryError(
                f"The mail server could not be reached: {type(exc).__name__}"
            ) from exc
        if refused:
            raise DeliveryError("The mail server refused the recipient", permanent=True)

    def _connection(self) -> smtplib.SMTP:
        if self._smtp is not None:
            return self._smtp
        s = self.settings
        assert s.smtp_host
        smtp: smtplib.SMTP
        if s.smtp_ssl:
            smtp = smtplib.SMTP_SSL(
                s.smtp_host,
                s.smtp_port,
                timeout=s.smtp_timeout,
                context=ssl.create_default_context(),
            )
        else:
            smtp = smtplib.SMTP(s.smtp_host, s.smtp_port, timeout=s.smtp_timeout)
            if s.smtp_starttls:
                smtp.starttls(context=ssl.create_default_context())
        if s.smtp_username:
            smtp.login(s.smtp_username, s.smtp_password or "")
        self._smtp = smtp
        return smtp

    def _print(self, message: EmailMessage) -> None:
        out = self.console or sys.stdout
        text = message.get_body(("plain",))
        lines = [f"{name}: {value}" for name, value in message.items() if name != "Content-Type"]
        body = text.get_content() if text is not None else ""  # type: ignore[attr-defined]
        rule = "-" * 72
        out.write(f"{rule}\nMail (no MODERATION_SMTP_HOST set, so printed here):\n")
        out.write("\n".join(lines) + "\n\n" + body.rstrip() + "\n" + rule + "\n")
        out.flush()

    def close(self) -> None:
        smtp, self._smtp = self._smtp, None
        if smtp is None:
            return
        try:
            smtp.quit()
        except (smtplib.SMTPException, OSError):
            smtp.close()
