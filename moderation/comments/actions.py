"""The moderation actions: one table that the domain, the dashboard (buttons, bulk
select, shortcuts, messages) and the command line all read."""

from __future__ import annotations

from dataclasses import dataclass

from .models import Status


@dataclass(frozen=True)
class Action:
    name: str
    # The status a comment moves to; None for "delete", which removes it.
    status: Status | None
    # The button's label, and the bulk select's (which has no comment to name).
    label: str
    bulk_label: str
    # The dashboard's keyboard shortcut ("" for none).
    key: str
    # Completes "Comment #12 …" and "3 comments …".
    done: str
    # What it does, for help texts.
    help: str


ALL_ACTIONS = (
    Action("approve", Status.APPROVED, "Approve", "Approve", "a", "approved", "Publish comments."),
    Action(
        "reject",
        Status.REJECTED,
        "Reject",
        "Reject",
        "r",
        "rejected",
        "Refuse comments: they stay in the database, out of sight.",
    ),
    Action(
        "spam", Status.SPAM, "Spam", "Mark as spam", "s", "marked as spam", "File comments as spam."
    ),
    Action(
        "restore",
        Status.PENDING,
        "Back to pending",
        "Back to pending",
        "p",
        "back in the queue",
        "Put comments back in the pending queue.",
    ),
    Action(
        "delete",
        None,
        "Delete for good",
        "Delete for good",
        "",
        "deleted for good",
        "Delete comments for good; their replies stay.",
    ),
)
ACTIONS = {action.name: action for action in ALL_ACTIONS}
# The actions that move a comment to another status (all but delete).
STATUS_ACTIONS = {name: action for name, action in ACTIONS.items() if action.status is not None}
STATUS_FOR = {action.name: action.status for action in ALL_ACTIONS if action.status is not None}
ACTION_FOR_STATUS = {status: ACTIONS[name] for name, status in STATUS_FOR.items()}
