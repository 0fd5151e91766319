"""Threads: how replies nest under the comments they answer."""

from __future__ import annotations

from dataclasses import dataclass

from ..core.i18n import _
from .models import Comment, Status


def thread_depth(comment: Comment) -> int:
    """1 for a top-level comment, 2 for a reply to it, and so on, as readers see it.

    Only published ancestors count: a reply whose parent was rejected or deleted is shown
    at the top level (see ``build_thread``), so it starts a new thread.
    """
    depth = 1
    node = comment
    while node.parent is not None and node.parent.status == Status.APPROVED:
        depth += 1
        node = node.parent
    return depth


TOO_DEEP = _("This conversation is nested as deep as it can go.")


def can_reply_to(comment: Comment, max_depth: int) -> bool:
    """Whether a reply to ``comment`` would still be within ``max_depth``."""
    return thread_depth(comment) < max_depth


@dataclass
class ThreadNode:
    comment: Comment
    replies: list[ThreadNode]


def build_thread(comments: list[Comment]) -> list[ThreadNode]:
    """Nest replies under their parents; a reply whose parent is not shown goes top level."""
    nodes = {c.id: ThreadNode(c, []) for c in comments}
    roots: list[ThreadNode] = []
    for comment in comments:
        node = nodes[comment.id]
        parent = nodes.get(comment.parent_id) if comment.parent_id is not None else None
        (parent.replies if parent is not None else roots).append(node)
    return roots
