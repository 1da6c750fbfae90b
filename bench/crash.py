"""The crash test, larger: SIGKILL the daemon at random moments while it publishes to two
sandbox outlets (with lost, cut and refused responses thrown in), restart it each time,
and check every post went out exactly once per outlet, in due order, each delivery
recorded with its own post's id. The posts come in fours that differ only in a link, a
hashtag or the signature.

    python bench/crash.py [--posts 3000] [--kills 60] [--seed 1] [--keys-expire] [--media]
                          [--thread-every 5]

Every fifth post (--thread-every; 0 for none) is a thread of three parts: each part must
go out once, as a reply to the part before it.

With --keys-expire the sandbox's Mastodon forgets Idempotency-Keys after a second (the
real one after an hour) and the daemon is sometimes kept down longer than that. With
--media every post carries a photo (with GPS EXIF, stripped) and every other one a chart
too, each with alt text; each post on each platform must carry exactly its own files.

Exit 1 if any post or part was lost, doubled, misattributed, misthreaded or sent out of
order.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from inmm_tui.platforms.sandbox import Sandbox
from tests.crash_harness import ALL_OUTLETS, APIS, run_crash


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=3000)
    parser.add_argument("--kills", type=int, default=60)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--quiet", action="store_true")
    parser.add_argument("--all-outlets", action="store_true",
                        help="Bluesky and LinkedIn beside X and Mastodon")
    parser.add_argument("--media", action="store_true",
                        help="every post with files and alt text, checked on every outlet")
    parser.add_argument("--thread-every", type=int, default=5,
                        help="every so many posts is a thread of three parts (0: none)")
    parser.add_argument("--kill-workers", action="store_true",
                        help="half the time kill one publishing worker first, alone")
    parser.add_argument("--keys-expire", action="store_true",
                        help="Mastodon forgets Idempotency-Keys; the daemon stays down past it")
    args = parser.parse_args()
    sandbox = Sandbox(port=0).start()
    started = time.monotonic()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            result = run_crash(
                Path(tmp), sandbox.url, posts=args.posts, kills=args.kills, seed=args.seed,
                timeout=600, keys_expire=args.keys_expire, media=args.media,
                kill_workers=args.kill_workers,
                outlets=ALL_OUTLETS if args.all_outlets else APIS,
                thread_every=args.thread_every,
                log=None if args.quiet else
                (lambda m: print(f"{time.monotonic() - started:7.1f} s  {m}", flush=True)))
    finally:
        sandbox.stop()
    print(f"{result.posts} posts on {len(result.duplicates)} outlets, daemon killed {result.kills} times, "
          f"{result.in_doubt} deliveries found mid-send and reconciled, {result.elapsed:.1f} s")
    print(f"threads: {result.threads} of {result.posts} posts; parts not answering the part "
          f"before: {result.misthreaded}")
    print(f"deliveries: {result.states}")
    print(f"doubled: {result.duplicates}  lost: {result.missing}  "
          f"misattributed: {result.misattributed}  out of order: {result.out_of_order}")
    if args.media:
        print(f"posts with files checked: {result.media_checked}; "
              f"carrying other files than their own: {result.wrong_media}")
    ok = result.ok and not any(result.out_of_order.values())
    print("OK: every post published exactly once on every outlet, under its own id"
          if ok else "FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
