"""The moderation actions: one table that the domain, the dashboard (buttons, bulk
select, shortcuts, messages) and the command line all read."""

from __future__ import annotations

from dataclasses import dataclass

from ..core.i18n import Text, _, _n
from .models import Status


@dataclass(frozen=True)
class Action:
    name: str
    # The status a comment moves to; None for "delete", which removes it.
    status: Status | None
    # The button's label, and the bulk select's (which has no comment to name).
    label: Text
    bulk_label: Text
    # The dashboard's keyboard shortcut ("" for none).
    key: str
    # "Comment #12 approved." (takes ``id``) and "3 comments approved." (takes ``num``).
    done: Text
    done_many: Text
    # What it does, for help texts.
    help: Text


ALL_ACTIONS = (
    Action(
        "approve",
        Status.APPROVED,
        _("Approve"),
        _("Approve"),
        "a",
        _("Comment #%(id)s approved."),
        _n("%(num)d comment approved.", "%(num)d comments approved."),
        _("Publish comments."),
    ),
    Action(
        "reject",
        Status.REJECTED,
        _("Reject"),
        _("Reject"),
        "r",
        _("Comment #%(id)s rejected."),
        _n("%(num)d comment rejected.", "%(num)d comments rejected."),
        _("Refuse comments: they stay in the database, out of sight."),
    ),
    Action(
        "spam",
        Status.SPAM,
        _("Spam"),
        _("Mark as spam"),
        "s",
        _("Comment #%(id)s marked as spam."),
        _n("%(num)d comment marked as spam.", "%(num)d comments marked as spam."),
        _("File comments as spam."),
    ),
    Action(
        "restore",
        Status.PENDING,
        _("Back to pending"),
        _("Back to pending"),
        "p",
        _("Comment #%(id)s is back in the queue."),
        _n("%(num)d comment is back in the queue.", "%(num)d comments are back in the queue."),
        _("Put comments back in the pending queue."),
    ),
    Action(
        "delete",
        None,
        _("Delete for good"),
        _("Delete for good"),
        "",
        _("Comment #%(id)s deleted for good."),
        _n("%(num)d comment deleted for good.", "%(num)d comments deleted for good."),
        _("Delete comments for good; their replies stay."),
    ),
)
ACTIONS = {action.name: action for action in ALL_ACTIONS}
# The actions that move a comment to another status (all but delete).
STATUS_ACTIONS = {name: action for name, action in ACTIONS.items() if action.status is not None}
STATUS_FOR = {action.name: action.status for action in ALL_ACTIONS if action.status is not None}
ACTION_FOR_STATUS = {status: ACTIONS[name] for name, status in STATUS_FOR.items()}

# What moderators read for each status (badges, tabs, the log).
STATUS_NAMES: dict[Status, Text] = {
    Status.PENDING: _("pending"),
    Status.APPROVED: _("approved"),
    Status.REJECTED: _("rejected"),
    Status.SPAM: _("spam"),
}
# The tabs of the queue, one per status.
STATUS_TABS: dict[Status, Text] = {
    Status.PENDING: _("Pending"),
    Status.APPROVED: _("Approved"),
    Status.REJECTED: _("Rejected"),
    Status.SPAM: _("Spam"),
}
# What the audit log calls each thing a moderator did.
EVENT_NAMES: dict[str, Text] = {
    "approve": _("approve"),
    "reject": _("reject"),
    "spam": _("spam"),
    "restore": _("restore"),
    "delete": _("delete"),
    "edit": _("edit"),
    "reply": _("reply"),
    "edit article": _("edit article"),
    "confirm article": _("confirm article"),
    "close": _("close"),
    "reopen": _("reopen"),
    "reader edit": _("edit by its author"),
    "reader delete": _("deletion by its author"),
}


def status_name(status: Status | str | None) -> str:
    """A status (or its stored value) in the reader's language; "—" for none."""
    if status is None:
        return "—"
    try:
        return str(STATUS_NAMES[Status(status)])
    except ValueError:
        return str(status)


def event_name(action: str) -> str:
    """An audit log action in the reader's language (unknown ones as they are stored)."""
    name = EVENT_NAMES.get(action)
    return str(name) if name is not None else action
