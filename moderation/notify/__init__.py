"""Telling people: the outbox, moderators' and readers' mails, webhooks, the worker.

``enqueue_mail`` and ``enqueue_webhook`` write a message in the caller's transaction;
``is_confirmed`` says whether a reader proved an address is theirs.
"""

from .addresses import is_confirmed
from .outbox import CONFIRMATION, MODERATOR, READER, enqueue_mail, enqueue_webhook

__all__ = [
    "CONFIRMATION",
    "MODERATOR",
    "READER",
    "enqueue_mail",
    "enqueue_webhook",
    "is_confirmed",
]
