"""Identicons: the same picture for the same email, and no way back to the email."""

import re

import pytest

from moderation.comments.avatars import (
    AvatarSheet,
    gravatar_img,
    identicon_svg,
    identity_digest,
)

EMAIL = "Reader.Name+films@Example.org"


def cells(svg: str) -> str:
    """The path of the pattern (after the background's)."""
    match = re.search(r"<path stroke=#[0-9a-f]{6} d=([^ ]+) />", svg)
    assert match
    return match.group(1)


def runs(path: str) -> list[tuple[float, int, int]]:
    """Each stroke of the pattern as (x, y, length), its moves made absolute."""
    strokes = []
    x = y = 0.0
    for move, dx, dy, length in re.findall(r"([Mm])(-?\d*\.?\d+),(-?\d+)h(\d)", path):
        x, y = (float(dx), float(dy)) if move == "M" else (x + float(dx), y + float(dy))
        strokes.append((x, int(y), int(length)))
        x += int(length)
    assert "".join(re.findall(r"[Mm]-?\d*\.?\d+,-?\d+h\d", path)) == path
    return strokes


def test_same_email_and_secret_give_the_same_picture() -> None:
    assert identicon_svg(EMAIL, "secret") == identicon_svg(EMAIL, "secret")
    # Case and surrounding spaces do not make another person.
    assert identicon_svg(f"  {EMAIL.lower()} ", "secret") == identicon_svg(EMAIL, "secret")


def test_different_emails_give_different_pictures() -> None:
    pictures = {identicon_svg(f"reader{n}@example.org", "secret") for n in range(50)}
    assert len(pictures) == 50
    patterns = {cells(svg) for svg in pictures}
    assert len(patterns) > 40  # the pattern alone tells most people apart


def test_another_secret_gives_another_picture() -> None:
    assert identicon_svg(EMAIL, "secret") != identicon_svg(EMAIL, "another secret")
    assert identity_digest(EMAIL, "a") != identity_digest(EMAIL, "b")


def test_output_holds_no_email_and_no_plain_hash_of_it() -> None:
    import hashlib

    svg = str(identicon_svg(EMAIL, "secret"))
    normalized = EMAIL.lower()
    for secret_part in (EMAIL, normalized, "Reader.Name", "example.org", "@"):
        assert secret_part.lower() not in svg.lower()
    for algorithm in ("md5", "sha1", "sha256"):
        digest = hashlib.new(algorithm, normalized.encode()).hexdigest()
        assert digest[:8] not in svg
    assert identity_digest(EMAIL, "secret").hex()[:8] not in svg


def test_identicon_is_a_decorative_inline_svg_that_is_mirrored() -> None:
    svg = str(identicon_svg(EMAIL, "secret"))
    assert svg.startswith("<svg") and svg.endswith("</svg>")
    assert "aria-hidden=true" in svg and "<script" not in svg and "href" not in svg
    # A stroke per run of cells, half a cell in from the square's edge, along y + 1.
    strokes = runs(cells(svg))
    assert strokes and all(x % 1 == 0.5 for x, _, _ in strokes)
    grid = {(int(x) + step, y - 1) for x, y, n in strokes for step in range(n)}
    assert all(0 <= x < 5 and 0 <= y < 5 for x, y in grid)
    assert grid == {(4 - x, y) for x, y in grid}  # left and right halves mirror


def test_a_page_draws_each_commenter_once() -> None:
    sheet = AvatarSheet("secret", prefix="post-")
    avatars = [sheet.of(email) for email in (EMAIL, "other@example.org", EMAIL.upper())]
    # The first comment of each commenter draws their picture, under an id; the others
    # use it.
    drawn = r"<svg aria-hidden=true id=(post-[\w-]{4}) viewBox=0,0,6,6>.*</svg>"
    first = re.fullmatch(drawn, avatars[0])
    assert first and "example.org" not in avatars[0]
    assert avatars[2] == f"<svg aria-hidden=true><use href=#{first.group(1)} /></svg>"
    assert avatars[1].startswith("<svg aria-hidden=true id=post-") and "<use" not in avatars[1]
    assert cells(avatars[0]) == cells(identicon_svg(EMAIL, "secret"))
    assert sheet.of(EMAIL) == avatars[2]


# Pictures as the earlier, longer encoding drew them (secret "secret"): background,
# stroke, and one absolute "M{x}.5 {y}h{n}" per run of cells.
DRAWN_BEFORE = {
    "reader0@example.org": ("#edf1da", "#83962c", "M1.5 1h1M3.5 1h1M2.5 3h1M2.5 5h1"),
    EMAIL: ("#eadaf1", "#742c96", "M1.5 1h3M.5 2h2M3.5 2h2M1.5 3h3M1.5 4h3M.5 5h5"),
    "someone@example.com": (
        "#daf1dc",
        "#2c9634",
        "M1.5 1h3M1.5 2h3M.5 3h2M3.5 3h2M.5 4h1M4.5 4h1M1.5 5h1M3.5 5h1",
    ),
}


def grid(strokes: list[tuple[float, int, int]]) -> set[tuple[int, int]]:
    return {(int(x) + step, y) for x, y, n in strokes for step in range(n)}


def test_the_drawing_is_the_same_picture_as_before() -> None:
    """Written shorter, the pattern draws the very same cells in the same colours."""
    for email, (background, stroke, path) in DRAWN_BEFORE.items():
        svg = str(identicon_svg(email, "secret"))
        assert f"<path fill={background} d=M0,0h6v6H0 />" in svg
        assert f"<path stroke={stroke} d=" in svg
        before = [
            (float(x or 0) + 0.5, int(y), int(n))
            for x, y, n in re.findall(r"M(\d?)\.5 (\d)h(\d)", path)
        ]
        assert grid(runs(cells(svg))) == grid(before)
    for n in range(200):
        strokes = runs(cells(identicon_svg(f"reader{n}@example.org", "secret")))
        rows = [y for _, y, _ in strokes]
        assert rows == sorted(rows) and all(1 <= y <= 5 for y in rows)
        assert all(0.5 <= x and x + length <= 5.5 for x, _, length in strokes)


def test_an_avatar_id_prefix_must_go_unquoted() -> None:
    AvatarSheet("secret", prefix="a-film_review.2-")
    with pytest.raises(ValueError):
        AvatarSheet("secret", prefix='x" onload="')


def test_gravatar_only_when_asked_and_without_the_email() -> None:
    for sheet in (AvatarSheet("secret"), AvatarSheet("secret", inline=True)):
        assert "<svg" in sheet.of(EMAIL) and "gravatar" not in sheet.of(EMAIL)
    img = str(AvatarSheet("secret", gravatar=True).of(EMAIL))
    assert img == str(gravatar_img(EMAIL))
    assert img.startswith('<img class="mc-avatar" src="https://gravatar.com/avatar/')
    assert 'alt=""' in img and 'referrerpolicy="no-referrer"' in img
    assert EMAIL.lower() not in img.lower() and "example.org" not in img
