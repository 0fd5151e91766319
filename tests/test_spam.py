from moderation.spam.checks import Verdict, check_submission


def check(honeypot: str = "", **fields: str) -> Verdict:
    submission = {"name": "Ann", "email": "ann@example.org", "website": "", "body": "Nice post"}
    submission.update(fields)
    return check_submission(honeypot=honeypot, blocklist=["casino"], **submission)


def test_plain_comment_is_not_flagged() -> None:
    verdict = check()
    assert not verdict.spam and verdict.reason == ""


def test_honeypot_means_spam() -> None:
    verdict = check(honeypot="http://spam.example")
    assert verdict.spam and "honeypot" in verdict.reason


def test_many_links_and_blocked_words_are_noted_not_binned() -> None:
    verdict = check(
        body="http://a.example http://b.example http://c.example http://d.example CASINO"
    )
    assert not verdict.spam
    assert "4 links" in verdict.reason and "casino" in verdict.reason
