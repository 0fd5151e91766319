"""Articles and comments, from a reader's submission to a moderator's decision.

The package's operations are plain functions: they change state and return model
objects, and never look at the request, flash a message or commit.
"""

from ..core.exceptions import (
    ArticleNotFound,
    CommentsClosed,
    ConflictError,
    DomainError,
    DuplicateComment,
    Forbidden,
    InvalidParent,
    LinkUsed,
    NotFound,
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
    retrain_filter,
    set_status,
)
from .notifications import EmailAction, act_by_email_link, read_email_action
from .posting import Posted, PostingRules, Submission, post_comment, submit_comment
from .reading import (
    approved_comments,
    approved_count,
    approved_counts,
    public_comment,
    public_version,
)
from .threads import ThreadNode, build_thread, can_reply_to, thread_depth

__all__ = [
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
    "DuplicateComment",
    "EmailAction",
    "Forbidden",
    "LinkUsed",
    "NotFound",
    "InvalidParent",
    "Posted",
    "PostingRules",
    "Submission",
    "ThreadNode",
    "act_by_email_link",
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
    "read_email_action",
    "reader_details",
    "record",
    "reject",
    "reply_from_dashboard",
    "restore",
    "retrain_filter",
    "set_status",
    "submit_comment",
    "thread_depth",
    "unknown_article_message",
]
