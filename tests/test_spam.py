from moderation.spam import check_submission


def check(**kw: str) -> object:
    fields = {"name": "Ann", "email": "ann@example.org", "website": "", "body": "Nice post"}
    fields.update(kw)
    return check_submission(
        honeypot=kw.pop("honeypot", ""),
        blocklist=["casino"],
        **{k: v for k, v in fields.items() if k != "honeypot"},
    )


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
