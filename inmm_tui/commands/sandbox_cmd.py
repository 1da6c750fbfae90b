"""`inmm-tui sandbox`: run the local server that speaks the X and Mastodon APIs (issue #3)."""

from __future__ import annotations

import argparse
import sys


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "sandbox", help="run the local X/Mastodon sandbox server",
        description="Serve the subset of X API v2 (/2/) and the Mastodon API (/api/v1/) the "
        "outlets use, in memory, with control endpoints under /_sandbox/ (faults, followers, "
        "replies). Stops with Ctrl-C.",
    )
    parser.add_argument("--host", help="address to listen on (default: [sandbox].host)")
    parser.add_argument("--port", type=int, help="port (default: [sandbox].port; 0 = any free)")
    parser.add_argument("--simulate", type=float, metavar="SECONDS", default=0.0,
                        help="every SECONDS, a new follower arrives and (every other time) a "
                        "reply is posted")
    parser.add_argument("--verbose", action="store_true", help="log every request to stderr")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import threading

    from inmm_tui.commands.common import load, say
    from inmm_tui.platforms.factory import sandbox_plan
    from inmm_tui.platforms.sandbox import Sandbox
    from inmm_tui.platforms.sandbox.simulate import simulate

    config = load(args)
    host = args.host or config.sandbox.host
    port = config.sandbox.port if args.port is None else args.port
    if args.simulate < 0:
        say("inmm-tui: sandbox: --simulate: expected a positive number of seconds",
            file=sys.stderr)
        return 2
    try:
        sandbox = Sandbox(host, port, verbose=args.verbose)
    except OSError as exc:
        say(f"inmm-tui: sandbox: cannot listen on {host}:{port}: {exc.strerror or exc}",
            file=sys.stderr)
        return 2
    sandbox.world.x_plan = sandbox_plan(config)
    say(f"sandbox listening on {sandbox.url} (X under /2/, Mastodon under /api/v1/, "
        "Bluesky under /xrpc/, LinkedIn under /rest/, control under /_sandbox/); "
        "Ctrl-C stops it", flush=True)
    if args.simulate:
        threading.Thread(target=simulate, args=(sandbox.world, args.simulate,
                                                sandbox.world.stopping),
                         name="sandbox-simulate", daemon=True).start()
    try:
        sandbox.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        sandbox.world.stopping.set()
        sandbox.httpd.server_close()
    return 0
