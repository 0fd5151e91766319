"""One table of moderation actions drives the shell, the buttons and the bulk select."""

from collections.abc import Callable

from flask.testing import FlaskCliRunner

from moderation.comments.actions import ALL_ACTIONS, STATUS_ACTIONS
from moderation.comments.models import Comment, Status
from moderation.extensions import db

from .conftest import Auth

Make = Callable[..., Comment]


def test_every_status_action_is_a_shell_command_restore_included(
    runner: FlaskCliRunner, make_comment: Make
) -> None:
    comment = make_comment(Status.SPAM)
    result = runner.invoke(args=["comments", "restore", str(comment.id)])
    assert result.exit_code == 0, result.output
    assert f"Comment #{comment.id} is now pending." in result.output
    assert db.session.get(Comment, comment.id).status is Status.PENDING  # type: ignore[union-attr]
    for name in STATUS_ACTIONS:
        assert runner.invoke(args=["comments", name, "--help"]).exit_code == 0


def test_a_shell_action_takes_several_ids_and_changes_none_when_one_is_missing(
    runner: FlaskCliRunner, make_comment: Make
) -> None:
    first, second = make_comment(), make_comment()
    missing = runner.invoke(args=["comments", "approve", str(first.id), "999999"])
    assert missing.exit_code != 0 and "#999999" in missing.output
    assert db.session.get(Comment, first.id).status is Status.PENDING  # type: ignore[union-attr]
    both = runner.invoke(args=["comments", "reject", str(first.id), str(second.id)])
    assert both.exit_code == 0, both.output
    for comment_id in (first.id, second.id):
        assert db.session.get(Comment, comment_id).status is Status.REJECTED  # type: ignore[union-attr]


def test_the_queue_offers_every_action_with_its_shortcut(
    logged_in: Auth, make_comment: Make
) -> None:
    comment = make_comment()
    page = logged_in.client.get("/moderation/").text
    for action in ALL_ACTIONS:
        assert f'<option value="{action.name}">{action.bulk_label}</option>' in page
    for action in STATUS_ACTIONS.values():
        if action.status is Status.PENDING:  # a pending comment is not offered "back to pending"
            assert f'data-action="{action.name}"' not in page
            continue
        assert f'action="/moderation/comments/{comment.id}/{action.name}"' in page
        assert f'data-key="{action.key}">{action.label}<' in page
