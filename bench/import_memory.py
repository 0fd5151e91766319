"""Import a generated WordPress export and print the time and the peak memory it took.

Writes WXR files of 10,000 and 100,000 comments spread over 2,000 posts (a third of
them replies, some nested deep), then imports each into a new SQLite database, in its
own process, in interleaved rounds. Prints each round, the medians, and the ratio of
peak RSS of the large file to the small one: memory must not grow with the file
(target: at most 1.3).

    .venv/bin/python bench/import_memory.py [--rounds 2] [--posts 2000]
        [--small 10000] [--large 100000] [--keep DIR]
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from xml.sax.saxutils import escape

PROJECT = Path(__file__).resolve().parent.parent
FLASK = [sys.executable, "-m", "flask", "--app", "wsgi"]
TARGET_RATIO = 1.3
WORDS = (
    "film father daughter cell prison miracle tears laugh scene actor story ending "
    "review watched again winter court balloon sky heart"
).split()


def write_wxr(path: Path, comments: int, posts: int, seed: int = 7) -> None:
    """A WXR 1.2 file of ``comments`` comments over ``posts`` posts, written as it goes."""
    rng = random.Random(seed)
    per_post, extra = divmod(comments, posts)
    next_id = 1
    with path.open("w", encoding="utf-8") as out:
        out.write(
            '<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0" '
            'xmlns:content="http://purl.org/rss/1.0/modules/content/" '
            'xmlns:wp="http://wordpress.org/export/1.2/">\n<channel>\n'
            "<wp:base_site_url>https://bench.example</wp:base_site_url>\n"
        )
        for post in range(1, posts + 1):
            out.write(
                f"<item><title>Post {post}</title>"
                f"<link>https://bench.example/{2000 + post % 20}/post-{post}/</link>"
                f"<wp:post_id>{post}</wp:post_id><wp:post_name>post-{post}</wp:post_name>"
                "<wp:comment_status>open</wp:comment_status>\n"
            )
            ids: list[int] = []
            for _ in range(per_post + (1 if post <= extra else 0)):
                comment_id, next_id = next_id, next_id + 1
                parent = ids[-1] if ids and rng.random() < 0.33 else 0
                ids.append(comment_id)
                body = " ".join(rng.choice(WORDS) for _ in range(rng.randint(8, 60)))
                out.write(
                    "<wp:comment>"
                    f"<wp:comment_id>{comment_id}</wp:comment_id>"
                    f"<wp:comment_author><![CDATA[Reader {comment_id % 997}]]></wp:comment_author>"
                    f"<wp:comment_author_email>r{comment_id % 997}@bench.example"
                    "</wp:comment_author_email>"
                    f"<wp:comment_author_IP>198.51.{comment_id % 256}.{comment_id % 200}"
                    "</wp:comment_author_IP>"
                    f"<wp:comment_date_gmt>2020-01-{1 + comment_id % 28:02d} "
                    f"{comment_id % 24:02d}:00:00</wp:comment_date_gmt>"
                    f"<wp:comment_content><![CDATA[<p>{escape(body)}</p>]]></wp:comment_content>"
                    f"<wp:comment_approved>{'1' if comment_id % 10 else 'spam'}"
                    "</wp:comment_approved>"
                    f"<wp:comment_parent>{parent}</wp:comment_parent>"
                    "</wp:comment>\n"
                )
            out.write("</item>\n")
        out.write("</channel>\n</rss>\n")


def run(command: list[str], env: dict[str, str]) -> tuple[float, int, str]:
    """Run ``command``; its wall time, its own peak RSS in KiB, and its output."""
    started = time.perf_counter()
    process = subprocess.Popen(
        command, cwd=PROJECT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    assert process.stdout is not None
    output = process.stdout.read().decode()
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    elapsed = time.perf_counter() - started
    if process.returncode:
        raise SystemExit(f"{' '.join(command)} failed:\n{output}")
    return elapsed, usage.ru_maxrss, output


def import_once(wxr: Path, workdir: Path, name: str) -> tuple[float, int, str]:
    database = workdir / f"{name}.sqlite3"
    database.unlink(missing_ok=True)
    env = {
        **os.environ,
        "MODERATION_DATABASE_URL": f"sqlite:///{database}",
        "MODERATION_SECRET_KEY": "import-bench",
    }
    run([*FLASK, "db", "upgrade"], env)
    return run([*FLASK, "import", "wordpress", str(wxr)], env)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--posts", type=int, default=2000)
    parser.add_argument("--small", type=int, default=10_000)
    parser.add_argument("--large", type=int, default=100_000)
    parser.add_argument("--keep", type=Path, help="write the files and databases here")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as scratch:
        workdir = args.keep or Path(scratch)
        workdir.mkdir(parents=True, exist_ok=True)
        sizes = {"small": args.small, "large": args.large}
        files = {}
        for name, count in sizes.items():
            files[name] = workdir / f"{name}-{count}.xml"
            write_wxr(files[name], count, args.posts)
            megabytes = files[name].stat().st_size / 1e6
            print(f"{name}: {count:,} comments over {args.posts:,} posts, {megabytes:.1f} MB")
        results: dict[str, list[tuple[float, int]]] = {name: [] for name in sizes}
        for round_number in range(1, args.rounds + 1):
            for name in sizes:  # interleaved: small, large, small, large, …
                seconds, peak, output = import_once(files[name], workdir, name)
                results[name].append((seconds, peak))
                created = next(line for line in output.splitlines() if "Created" in line)
                print(
                    f"round {round_number} {name:5}: {seconds:6.1f} s, peak RSS "
                    f"{peak / 1024:6.1f} MiB, {sizes[name] / seconds:7.0f} comments/s | {created}"
                )
        medians = {
            name: (
                statistics.median(s for s, _ in rows),
                statistics.median(p for _, p in rows),
            )
            for name, rows in results.items()
        }
        for name, (seconds, peak) in medians.items():
            print(f"median {name:5}: {seconds:6.1f} s, peak RSS {peak / 1024:6.1f} MiB")
        ratio = medians["large"][1] / medians["small"][1]
        verdict = "within" if ratio <= TARGET_RATIO else "OVER"
        print(
            f"peak RSS {args.large:,} / {args.small:,} comments: {ratio:.3f} "
            f"({verdict} the {TARGET_RATIO} target)"
        )


if __name__ == "__main__":
    main()
