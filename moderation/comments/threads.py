"""Threads: how replies nest under the comments they answer."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, NamedTuple

from ..core.i18n import _
from .models import Comment, Status

if TYPE_CHECKING:  # reading builds its pages with build_thread
    from .reading import ShownComment


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
    comment: ShownComment
    replies: list[ThreadNode]


def build_thread(
    comments: Sequence[ShownComment], max_depth: int | None = None
) -> list[ThreadNode]:
    """Nest replies under their parents; a reply whose parent is not shown goes top level.

    With ``max_depth``, a conversation deeper than that (an imported one: replies here
    stop at the limit) is shown flattened at the deepest level, oldest first, each reply
    still linked to the comment it answers.
    """
    nodes = {c.id: ThreadNode(c, []) for c in comments}
    roots: list[ThreadNode] = []
    for comment in comments:
        node = nodes[comment.id]
        parent = nodes.get(comment.parent_id) if comment.parent_id is not None else None
        (parent.replies if parent is not None else roots).append(node)
    if max_depth is not None:
        _flatten_below(roots, max_depth)
    return roots


class InOrder(NamedTuple):
    """A comment as a page lists it, in document order: how deep it sits (1 for a
    thread's start), whether its replies follow (a list opens after it), and how many
    lists of replies end after it (its own, its parent's…)."""

    comment: ShownComment
    depth: int
    opens: bool
    closes: int


def in_order(threads: Sequence[ThreadNode]) -> list[InOrder]:
    """The comments of ``threads`` in the order a page shows them, each thread's start
    then its replies, depth first: what one flat loop of the template writes, with no
    call per level of replies."""
    shown: list[InOrder] = []
    # (the nodes of one level, the next one's index, its depth)
    stack: list[tuple[Sequence[ThreadNode], int, int]] = [(threads, 0, 1)]
    while stack:
        nodes, index, depth = stack.pop()
        if index == len(nodes):
            if depth > 1 and shown:  # a list of replies ends after the last one shown
                last = shown[-1]
                shown[-1] = last._replace(closes=last.closes + 1)
            continue
        node = nodes[index]
        shown.append(InOrder(node.comment, depth, bool(node.replies), 0))
        stack.append((nodes, index + 1, depth))
        if node.replies:
            stack.append((node.replies, 0, depth + 1))
    return shown


def _flatten_below(roots: list[ThreadNode], max_depth: int) -> None:
    level, depth = roots, 1
    while level and depth < max_depth - 1:
        level = [reply for node in level for reply in node.replies]
        depth += 1
    # ``level`` holds the nodes whose replies sit at the deepest level shown.
    for node in level if depth < max_depth else []:
        below: list[ThreadNode] = []
        stack = list(node.replies)
        while stack:
            reply = stack.pop()
            below.append(reply)
            stack.extend(reply.replies)
            reply.replies = []
        below.sort(key=lambda n: (n.comment.created_at, n.comment.id))
        node.replies = below
