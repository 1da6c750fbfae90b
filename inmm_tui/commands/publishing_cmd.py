"""`inmm-tui publishing`: what the daemon could not publish, and what a person does about
it: pause or resume all publishing (HQ), retry a failed outlet, publish a held post now,
withdraw a post; delete a published post (HQ and the Subcommittee Chair) or write a
correction to it. Permissions are checked in the domain for the caller's login."""

from __future__ import annotations

import argparse
import json

from inmm_tui.commands.common import me, say, services, viewer


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("publishing", help="publishing: status, pause, resume, retry, "
                            "release, withdraw, delete, correct")
    actions = parser.add_subparsers(dest="publishing_command", metavar="ACTION", required=True)
    status = actions.add_parser("status", help="paused or not; failed and held deliveries "
                                "(exit 1 when there are any)")
    status.add_argument("--json", action="store_true")
    status.set_defaults(func=run_status)
    pause = actions.add_parser("pause", help="HQ: stop all publishing at once")
    pause.add_argument("--reason", required=True)
    pause.set_defaults(func=run_pause)
    resume = actions.add_parser("resume", help="HQ: publish again")
    resume.add_argument("--reason", default="")
    resume.set_defaults(func=run_resume)
    retry = actions.add_parser("retry", help="send a failed delivery again (that outlet only)")
    retry.add_argument("delivery", type=int)
    retry.set_defaults(func=run_retry)
    release = actions.add_parser("release", help="publish now a delivery held for being late")
    release.add_argument("delivery", type=int)
    release.set_defaults(func=run_release)
    withdraw = actions.add_parser("withdraw", help="withdraw what has not gone out of a post")
    withdraw.add_argument("post", type=int)
    withdraw.add_argument("--reason", default="")
    withdraw.set_defaults(func=run_withdraw)
    delete = actions.add_parser(
        "delete", help="HQ or the Subcommittee Chair: take a published post down (the daemon "
        "deletes it on each outlet)")
    delete.add_argument("post", type=int)
    delete.add_argument("--outlet", action="append", metavar="OUTLET",
                        help="only from this outlet (repeat for several; default: every "
                        "outlet it went out on)")
    delete.add_argument("--reason", required=True, help="why (kept in the audit log)")
    delete.set_defaults(func=run_delete)
    correct = actions.add_parser(
        "correct", help="write a correction to a published post: a draft replying to it on "
        "each outlet, submitted for clearance like any post")
    correct.add_argument("post", type=int)
    correct.add_argument("--text", required=True, help="what changed")
    correct.add_argument("--delete-original", action="store_true",
                         help="delete the original once the correction is published (HQ or "
                         "the Subcommittee Chair)")
    correct.set_defaults(func=run_correct)


def run_status(args: argparse.Namespace) -> int:
    from inmm_tui.domain.publishing import problems
    from inmm_tui.domain.switches import publishing_paused

    svc = viewer(args)
    paused = publishing_paused(svc.db.conn)
    found = problems(svc.db.conn)
    if args.json:
        say(json.dumps({"paused": paused, "problems": [{
            "delivery": p.delivery_id, "post": p.post_id, "outlet": p.outlet, "state": p.state,
            "attempts": p.attempts, "due_at": p.due_at.isoformat(), "message": p.message,
            "post_state": p.post_state} for p in found]}, indent=2))
    else:
        say(f"publishing: {'PAUSED' if paused else 'running'}")
        for p in found:
            what = "publish now (release) or withdraw" if p.state == "held" else \
                "retry or withdraw"
            say(f"delivery {p.delivery_id}: post #{p.post_id} on {p.outlet} {p.state.upper()}"
                f" ({p.post_state}): {p.message} -> {what}")
        if not found:
            say("nothing failed or held")
    return 1 if found or paused else 0


def run_pause(args: argparse.Namespace) -> int:
    services(args).switches.set_paused(me(), True, args.reason)
    say("Publishing is paused: the daemon claims nothing until it is resumed.")
    return 0


def run_resume(args: argparse.Namespace) -> int:
    services(args).switches.set_paused(me(), False, args.reason)
    say("Publishing resumed.")
    return 0


def run_retry(args: argparse.Namespace) -> int:
    services(args).posts.retry(me(), args.delivery)
    say(f"Delivery {args.delivery} will be sent again on its next run.")
    return 0


def run_release(args: argparse.Namespace) -> int:
    services(args).posts.release_held(me(), args.delivery)
    say(f"Delivery {args.delivery} is released: it goes out now.")
    return 0


def run_withdraw(args: argparse.Namespace) -> int:
    post = services(args).posts.withdraw(me(), args.post, args.reason)
    say(f"Post #{post.id} is {post.status}.")
    return 0


def run_delete(args: argparse.Namespace) -> int:
    asked = services(args).deletions.request_delete(me(), args.post, args.outlet, args.reason)
    for item in asked:
        say(f"post #{item.post_id} on {item.outlet}: {item.state}"
            + (f" ({item.last_error})" if item.last_error else ""))
    say("The daemon deletes what is pending on its next run (within a minute).")
    return 0


def run_correct(args: argparse.Namespace) -> int:
    svc = services(args)
    post_id = svc.posts.create_correction(me(), args.post, args.text,
                                          delete_original=args.delete_original)
    post = svc.posts.submit(me(), post_id)
    say(f"Correction #{post_id} to post #{args.post} is submitted for clearance "
        f"(screening: {post.screening_verdict}); it will reply to the original on "
        f"{', '.join(post.outlets)}"
        + ("; the original is deleted once it is published." if args.delete_original else "."))
    return 0
