"""Articles and comments, from a reader's submission to a moderator's decision.

The package's operations are plain functions: they change state and return model
objects, and never look at the request, flash a message or commit.
"""

from ..core.exceptions import (
    ArticleNotFound,
    CommentsClosed,
    ConflictError,
    DomainError,
    InvalidParent,
)
from .actions import ACTION_FOR_STATUS, ACTIONS, ALL_ACTIONS, STATUS_ACTIONS, STATUS_FOR, Action
from .articles import (
    article_for_comment,
    bump_version,
    close_article,
    confirm_article,
    create_article,
    edit_article,
    get_article,
    is_valid_article_id,
    reader_details,
    unknown_article_message,
)
from .audit import record
from .moderation import (
    BulkResult,
    approve,
    delete_comment,
    edit_comment,
    mark_spam,
    moderate_many,
    moderator_reply,
    reject,
    reply_from_dashboard,
    restore,
    set_status,
)
from .posting import Posted, PostingRules, Submission, post_comment, submit_comment
from .reading import (
    FEED_SIZE,
    SORTS,
    ThreadPage,
    approved_comments,
    approved_count,
    approved_counts,
    latest_approved,
    public_comment,
    public_version,
    thread_page,
)
from .threads import ThreadNode, build_thread, can_reply_to, thread_depth

__all__ = [
    "FEED_SIZE",
    "SORTS",
    "latest_approved",
    "ThreadPage",
    "thread_page",
    "ACTIONS",
    "ACTION_FOR_STATUS",
    "ALL_ACTIONS",
    "STATUS_ACTIONS",
    "STATUS_FOR",
    "Action",
    "ArticleNotFound",
    "BulkResult",
    "CommentsClosed",
    "ConflictError",
    "DomainError",
    "InvalidParent",
    "Posted",
    "PostingRules",
    "Submission",
    "ThreadNode",
    "approve",
    "approved_comments",
    "approved_count",
    "approved_counts",
    "article_for_comment",
    "build_thread",
    "can_reply_to",
    "bump_version",
    "close_article",
    "confirm_article",
    "create_article",
    "delete_comment",
    "edit_article",
    "edit_comment",
    "get_article",
    "is_valid_article_id",
    "mark_spam",
    "moderate_many",
    "moderator_reply",
    "post_comment",
    "public_comment",
    "public_version",
    "reader_details",
    "record",
    "reject",
    "reply_from_dashboard",
    "restore",
    "set_status",
    "submit_comment",
    "thread_depth",
    "unknown_article_message",
]
