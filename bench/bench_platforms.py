"""Figures for the platform adapters against the in-process sandbox (not a test).

    .venv/bin/python bench/bench_platforms.py [--followers 20000] [--calls 200]

Prints, per platform: the median and 95th-percentile time of one adapter call (publish,
one followers page, mentions) through the real client library over HTTP on 127.0.0.1,
and the time and request count to page through every follower. The last figure, scaled
by the platform's rate limits, says how long a full follower sync takes for real.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable

from inmm_tui.platforms.mastodon import MastodonPlatform
from inmm_tui.platforms.sandbox import (
    SANDBOX_MASTODON_CREDENTIALS,
    SANDBOX_X_CREDENTIALS,
    Sandbox,
    SandboxControl,
)
from inmm_tui.platforms.x import XPlatform


def timed(calls: int, action: Callable[[int], object]) -> tuple[float, float]:
    samples = []
    for n in range(calls):
        start = time.perf_counter()
        action(n)
        samples.append(time.perf_counter() - start)
    samples.sort()
    return statistics.median(samples) * 1000, samples[int(len(samples) * 0.95) - 1] * 1000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--followers", type=int, default=20_000)
    parser.add_argument("--calls", type=int, default=200)
    args = parser.parse_args()
    with Sandbox(port=0) as sandbox:
        control = SandboxControl(sandbox.url)
        adapters = [
            XPlatform("x", handle="INMMorg", timeout=10, base_url=sandbox.url,
                      **SANDBOX_X_CREDENTIALS),
            MastodonPlatform("mastodon", base_url=sandbox.url, timeout=10,
                             **SANDBOX_MASTODON_CREDENTIALS),
        ]
        for platform in adapters:
            control.reset()
            platform.whoami()
            control.add_followers(platform.api, "fan", 100)
            for n in range(20):
                control.post(platform.api, f"person{n}", "@INMMorg a question")
            print(f"{platform.api}:")
            for name, action in (
                ("publish", lambda n, p=platform: p.publish(f"Post {n}", idempotency_key=str(n))),
                ("followers page", lambda n, p=platform: p.followers()),
                ("mentions (20)", lambda n, p=platform: p.mentions()),
            ):
                median, p95 = timed(args.calls, action)
                print(f"  {name:<16} median {median:6.2f} ms   p95 {p95:6.2f} ms")
            control.reset()
            control.add_followers(platform.api, "fan", args.followers)
            start = time.perf_counter()
            cursor, pages, seen = None, 0, 0
            while True:
                page = platform.followers(cursor)
                pages += 1
                seen += len(page.accounts)
                cursor = page.next_cursor
                if cursor is None or pages > 100_000:
                    break
            elapsed = time.perf_counter() - start
            print(f"  all {seen} followers: {pages} requests in {elapsed:.2f} s")


if __name__ == "__main__":
    main()
