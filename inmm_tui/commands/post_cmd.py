"""`inmm-tui post`: the post's life from the command line, for scripts, tests and demos.
Each action is the domain's own (`Posts`), with its permission checks and audit entries,
for the caller's login: the command line is no way around screening or clearance."""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from inmm_tui.commands.common import me, say, services, viewer
from inmm_tui.domain.errors import InvalidInput, ScreenRefusal
from inmm_tui.store.tx import write

if TYPE_CHECKING:
    from inmm_tui.domain.polls import Poll, PollReport
    from inmm_tui.domain.posts import Post
    from inmm_tui.domain.services import Services

STATUSES = ("draft", "submitted", "rejected", "cleared", "scheduled", "published", "withdrawn")


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("post", help="posts: new, edit, submit, clear, reject, schedule, "
                            "move, withdraw, delete, list, show, share, unshare, import")
    actions = parser.add_subparsers(dest="post_command", metavar="ACTION", required=True)

    new = actions.add_parser("new", help="write a draft (TEXT, or - to read standard input)")
    new.add_argument("text", metavar="TEXT")
    _content_options(new, outlets_default="all")
    _thread_options(new)
    new.add_argument("--submit", action="store_true", help="submit it for clearance at once")
    new.set_defaults(func=run_new)

    edit = actions.add_parser("edit", help="change a post (after clearance it goes back to "
                              "be cleared again, unless only its time changed)")
    edit.add_argument("post", type=int)
    edit.add_argument("--text", help="the new text (- to read standard input)")
    _content_options(edit, outlets_default=None)
    _thread_options(edit)
    edit.add_argument("--no-parts", action="store_true",
                      help="no more a thread: only the first part stays")
    edit.add_argument("--no-poll", action="store_true", help="remove the poll")
    edit.add_argument("--no-event", action="store_true", help="belongs to no event")
    edit.add_argument("--no-time", action="store_true", help="no time: as soon as cleared")
    edit.add_argument("--remove-media", type=int, action="append", default=[], metavar="N",
                      help="take off file number N (as `post show` numbers them; repeatable)")
    edit.set_defaults(func=run_edit)

    submit = actions.add_parser("submit", help="submit your draft for clearance (screened)")
    submit.add_argument("post", type=int)
    submit.set_defaults(func=run_submit)

    clear = actions.add_parser("clear", help="clear a submitted post (someone else's)")
    clear.add_argument("post", type=int)
    clear.add_argument("--override-reason", help="Subcommittee Chair: why a post the policy "
                       "screen blocked is cleared all the same")
    clear.add_argument("--expedite", action="store_true",
                       help="crisis post: cleared by its author when no one else can")
    clear.add_argument("--publish-now", action="store_true",
                       help="a post without a time goes out at once instead of waiting")
    clear.set_defaults(func=run_clear)

    reject = actions.add_parser("reject", help="send a submitted post back to its author")
    reject.add_argument("post", type=int)
    reject.add_argument("--reason", required=True)
    reject.set_defaults(func=run_reject)

    schedule = actions.add_parser("schedule", help="queue a cleared post for publication")
    schedule.add_argument("post", type=int)
    schedule.add_argument("--when", default="",
                          help="YYYY-MM-DD HH:MM in the configured time zone (default: now)")
    schedule.set_defaults(func=run_schedule)

    move = actions.add_parser("move", help="move a scheduled post to another time, as the "
                              "calendar does (it keeps its clearance unless the policy screen "
                              "finds something new for the new time)")
    move.add_argument("post", type=int)
    move.add_argument("--at", required=True, metavar="TIME",
                      help="YYYY-MM-DD HH:MM in the configured time zone")
    move.add_argument("--yes", action="store_true",
                      help="move it even if it must then be cleared again")
    move.set_defaults(func=run_move)

    withdraw = actions.add_parser("withdraw", help="stop what has not gone out of a post")
    withdraw.add_argument("post", type=int)
    withdraw.add_argument("--reason", default="")
    withdraw.set_defaults(func=run_withdraw)

    delete = actions.add_parser("delete", help="delete your draft (never a published post)")
    delete.add_argument("post", type=int)
    delete.set_defaults(func=run_delete)

    listing = actions.add_parser("list", help="posts, newest first")
    listing.add_argument("--status", action="append", choices=STATUSES,
                         help="only posts in this state (repeatable)")
    listing.add_argument("--mine", action="store_true", help="only posts you wrote")
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(func=run_list)

    show = actions.add_parser("show", help="a post: texts per outlet, screening, clearance, "
                              "deliveries")
    show.add_argument("post", type=int)
    show.add_argument("--json", action="store_true")
    show.set_defaults(func=run_show)

    share = actions.add_parser("share", help="share another account's post (its address): "
                               "a repost, or with --quote a quote; screened and cleared "
                               "like any post")
    share.add_argument("url", metavar="URL", help="the post's address (x.com, a Mastodon "
                       "server, bsky.app) or its at:// URI")
    share.add_argument("--quote", default="", metavar="TEXT",
                       help="our text quoting it (- to read standard input)")
    _content_options(share, outlets_default="all")
    share.set_defaults(func=run_share)

    unshare = actions.add_parser("unshare", help="undo a published share (un-repost, or "
                                 "delete our quote), with a reason")
    unshare.add_argument("post", type=int)
    unshare.add_argument("--reason", required=True)
    unshare.add_argument("--outlets", help="outlet names separated by commas (default: "
                         "every outlet it went out on)")
    unshare.set_defaults(func=run_unshare)

    imp = actions.add_parser("import", help="drafts from a CSV (text, outlets, when, topic, "
                             "event, media path, alt text), each submitted for clearance")
    imp.add_argument("file", metavar="FILE.csv")
    imp.add_argument("--dry-run", action="store_true",
                     help="print each row's screening and keep nothing")
    imp.set_defaults(func=run_import)



def _content_options(parser: argparse.ArgumentParser, *, outlets_default: str | None) -> None:
    parser.add_argument("--outlets", default=outlets_default,
                        help="outlet names separated by commas, or all"
                        + (" (default: all)" if outlets_default else ""))
    parser.add_argument("--topic", help="one of the configured appropriate topics")
    parser.add_argument("--event", help="the active event it covers: number, name or hashtag")
    parser.add_argument("--when", help="YYYY-MM-DD HH:MM in the configured time zone")
    parser.add_argument("--announcement", action=argparse.BooleanOptionalAction, default=None,
                        help="held to the announcement limit")
    parser.add_argument("--media", action="append", default=[], metavar="PATH",
                        help="attach an image (JPEG, PNG, GIF, WebP) or MP4 video; its "
                        "metadata (GPS, camera serial) is stripped (repeatable)")
    parser.add_argument("--alt", action="append", default=[], metavar="TEXT",
                        help="the alt text of each --media, in the same order (required)")


def _thread_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--part", action="append", metavar="TEXT",
                        help="the thread's next part (repeat for each part after the first, "
                        "in order; each goes out as a reply to the one before)")
    parser.add_argument("--poll", metavar="OPTIONS",
                        help='a poll with the first part: 2 to 4 options separated by | '
                        '("Yes | No | Not sure")')
    parser.add_argument("--poll-duration", metavar="TIME",
                        help="how long the poll is open: minutes (90), hours (6h) or days "
                        "(2d); default 1d")


def _poll(args: argparse.Namespace) -> Poll | None:
    """The poll the options ask for; None when none is given."""
    from inmm_tui.domain.polls import make_poll, parse_duration, parse_options

    if args.poll is None:
        if args.poll_duration is not None:
            raise InvalidInput("--poll-duration: give the options too (--poll \"A | B\")")
        return None
    try:
        options = parse_options(args.poll)
        minutes = parse_duration(args.poll_duration or "1d")
        return make_poll(options, minutes)
    except InvalidInput as exc:
        raise InvalidInput(f"--poll: {exc}") from None


def _text(value: str) -> str:
    if value != "-":
        return value
    try:
        return sys.stdin.read().rstrip()
    except UnicodeDecodeError:
        raise InvalidInput("standard input is not UTF-8 text") from None


def _fields(svc: Services, args: argparse.Namespace) -> dict[str, Any]:
    """The content options given, resolved and checked; each refusal names its option."""
    from inmm_tui.domain.post_import import resolve_event, resolve_outlets, resolve_topic
    from inmm_tui.domain.when import parse_local_time

    config = svc.config
    fields: dict[str, Any] = {}
    checks = {
        "outlets": lambda v: resolve_outlets(v, [o.name for o in config.outlets]),
        "topic": lambda v: resolve_topic(v, config.inmm.topics),
        "event": lambda v: resolve_event(svc.db.conn, v),
        "when": lambda v: parse_local_time(v, config.tz, svc.clock()),
    }
    for name, check in checks.items():
        value = getattr(args, name)
        if value is not None:
            try:
                fields[name] = check(value)
            except InvalidInput as exc:
                raise InvalidInput(f"--{name}: {exc}") from None
    if args.announcement is not None:
        fields["announcement"] = args.announcement
    return fields


def run_new(args: argparse.Namespace) -> int:
    svc = services(args)
    fields = _fields(svc, args)
    text = _text(args.text)
    if not text.strip():
        raise InvalidInput("the text is empty")
    files = _media(args)
    # The draft and its files together, or nothing.
    with _refusals_audited(svc, args), write(svc.db):
        post_id = svc.posts.create_draft(
            me(), text, outlets=fields["outlets"], topic=fields.get("topic", ""),
            announcement=fields.get("announcement", False), event_id=fields.get("event"),
            scheduled_at=fields.get("when"), parts=args.part or [], poll=_poll(args))
        attached = [svc.media.attach(me(), post_id, path, alt) for path, alt in files]
    parts = f", a thread of {len(args.part) + 1} parts" if args.part else ""
    say(f"Draft #{post_id} created{parts}" + (", with a poll." if args.poll else "."))
    _say_media(attached)
    if args.submit:
        _say_submitted(svc.posts.submit(me(), post_id))
    return 0


def run_edit(args: argparse.Namespace) -> int:
    svc = services(args)
    fields = _fields(svc, args)
    changes: dict[str, Any] = {}
    if args.text is not None:
        changes["body"] = _text(args.text)
    if "outlets" in fields:
        changes["outlets"] = fields["outlets"]
    if "topic" in fields:
        changes["topic"] = fields["topic"]
    if "announcement" in fields:
        changes["announcement"] = fields["announcement"]
    if args.no_event or "event" in fields:
        changes["event_id"] = None if args.no_event else fields["event"]
    if args.no_time or "when" in fields:
        changes["scheduled_at"] = None if args.no_time else fields["when"]
    if args.part and args.no_parts:
        raise InvalidInput("--part and --no-parts: give one or the other")
    if args.part or args.no_parts:
        changes["parts"] = [] if args.no_parts else args.part
    if args.poll is not None and args.no_poll:
        raise InvalidInput("--poll and --no-poll: give one or the other")
    if args.poll is not None or args.no_poll:
        changes["poll"] = None if args.no_poll else _poll(args)
    elif args.poll_duration is not None:
        raise InvalidInput("--poll-duration: give the options too (--poll \"A | B\")")
    files = _media(args)
    if not changes and not files and not args.remove_media:
        raise InvalidInput("nothing to change: give --text, --outlets, --topic, --event, "
                           "--when, --announcement, --part, --poll, --no-parts, --no-poll, "
                           "--no-event, --no-time, --media or --remove-media")
    before = svc.posts.get(args.post).status
    with _refusals_audited(svc, args), write(svc.db):
        attached = svc.media.items(args.post)
        removed = []
        for number in sorted(set(args.remove_media), reverse=True):
            if not 1 <= number <= len(attached):
                raise InvalidInput(f"--remove-media: post #{args.post} has no file {number} "
                                   f"(it has {len(attached) or 'none'}; `post show "
                                   f"{args.post}` numbers them)")
            removed.append(svc.media.remove(me(), args.post, attached[number - 1].id))
        if changes:
            svc.posts.edit(me(), args.post, **changes)
        added = [svc.media.attach(me(), args.post, path, alt) for path, alt in files]
    svc.media.release(me(), args.post, removed)
    for item in removed:
        say(f"  took off {_one_line(item.name, 80)} (sha256 {item.sha256[:12]})")
    _say_media(added)
    post = svc.posts.get(args.post)
    say(f"Post #{post.id} is {post.status}.")
    if before in ("cleared", "scheduled") and post.status == "submitted":
        say("It changed after clearance: it must be cleared again.")
    return 0


def _media(args: argparse.Namespace) -> list[tuple[str, str]]:
    """(path, alt text) of each --media, paired with the --alt in the same place."""
    if len(args.media) != len(args.alt):
        raise InvalidInput(f"--alt: give one --alt for each --media, in the same order "
                           f"({len(args.media)} files, {len(args.alt)} alt texts); every "
                           "image and video needs alt text")
    return list(zip(args.media, args.alt, strict=True))


@contextlib.contextmanager
def _refusals_audited(svc: Services, args: argparse.Namespace) -> Iterator[None]:
    """A refusal inside the command's one transaction (the draft and its files together)
    audited once that transaction is rolled back, which took the domain's own record with
    it: a refusal by the rules (not allowed, a post in no state for it, what an outlet
    cannot carry), or a refused file (no alt text, not an image, over an outlet's limit).
    A login not on the roster is recorded apart, by `cli`."""
    from inmm_tui.domain.errors import InvalidState, NotAuthorised, Refused

    try:
        yield
    except (InvalidInput, InvalidState, NotAuthorised) as refusal:
        by_rules = isinstance(refusal, (InvalidState, Refused)) or (
            isinstance(refusal, NotAuthorised) and refusal.refused_login is None)
        if by_rules or (isinstance(refusal, InvalidInput) and args.media):
            from inmm_tui.domain.posts import record_refusal

            post = getattr(args, "post", None)
            record_refusal(svc.db, me(), f"post:{post}" if post is not None else "post",
                           args.post_command, refusal, svc.clock())
        raise


def _say_media(items: list[Any]) -> None:
    for item in items:
        say(f"  attached {_one_line(item.describe(), 80)} (metadata stripped; "
            f"sha256 {item.sha256[:12]}); alt: {_one_line(item.alt, 60)}")


def run_submit(args: argparse.Namespace) -> int:
    svc = services(args)
    _say_submitted(svc.posts.submit(me(), args.post))
    return 0


def run_clear(args: argparse.Namespace) -> int:
    svc = services(args)
    post = svc.posts.clear(me(), args.post, override_reason=args.override_reason,
                           expedited=args.expedite, publish_if_untimed=args.publish_now)
    say(f"Post #{post.id} cleared (clearance {post.clearance_hash}).")
    if post.status == "scheduled":
        say(f"It is scheduled: {_when(svc, post)}.")
    else:
        say(f"It waits to be scheduled: inmm-tui post schedule {post.id} [--when ...]")
    return 0


def run_reject(args: argparse.Namespace) -> int:
    post = services(args).posts.reject(me(), args.post, args.reason)
    say(f"Post #{post.id} is rejected and back with its author.")
    return 0


def run_schedule(args: argparse.Namespace) -> int:
    from inmm_tui.domain.when import parse_local_time

    svc = services(args)
    try:
        when = parse_local_time(args.when, svc.config.tz, svc.clock())
    except InvalidInput as exc:
        raise InvalidInput(f"--when: {exc}") from None
    post = svc.posts.schedule(me(), args.post, when)
    say(f"Post #{post.id} is scheduled: {_when(svc, post)}.")
    return 0


def run_move(args: argparse.Namespace) -> int:
    """The calendar's move: the same questions first (may this person move posts; does the
    post keep its clearance at the new time), then the same move."""
    from inmm_tui.domain.when import parse_local_time

    svc = services(args)
    # Asked before the time is read, as the calendar does: a refusal is kept whatever was typed.
    svc.calendar.may_move(me(), args.post)
    try:
        when = parse_local_time(args.at, svc.config.tz, svc.clock())
    except InvalidInput as exc:
        raise InvalidInput(f"--at: {exc}") from None
    if when is None:
        raise InvalidInput("--at: give the new time, like 2027-03-15 09:30")
    check = svc.calendar.check_move(me(), args.post, when)
    shown = f"{when.astimezone(svc.config.tz):%Y-%m-%d %H:%M} {svc.config.tz.key}"
    if check.keeps_clearance:
        say(f"Moving post #{args.post} to {shown} keeps its clearance: the policy screen "
            "finds nothing new for the new time.")
    else:
        say(f"Moving post #{args.post} to {shown} needs it cleared again (policy: Timely). "
            "The policy screen for the new time:")
        for reason in check.reasons:
            say(f"  {reason}")
    try:
        done = svc.calendar.move(me(), args.post, when, reclear=args.yes)
    except ScreenRefusal:  # without --yes: declined, and the domain keeps that in the audit log
        say("inmm-tui: not moved; nothing changed. To move it and send it back for "
            "clearance, run it again with --yes; or pick another time, or edit the "
            f"post (inmm-tui post edit {args.post}).", file=sys.stderr)
        return 1
    post = svc.posts.get(args.post)
    if done.keeps_clearance:
        say(f"Post #{post.id} moved: it is scheduled for {_when(svc, post)}.")
    else:
        say(f"Post #{post.id} moved to {shown} and is {post.status}: it goes out only once "
            "cleared again.")
    return 0


def run_withdraw(args: argparse.Namespace) -> int:
    post = services(args).posts.withdraw(me(), args.post, args.reason)
    say(f"Post #{post.id} is {post.status}.")
    return 0


def run_delete(args: argparse.Namespace) -> int:
    post = services(args).posts.delete_draft(me(), args.post)
    say(f"Draft #{post.id} is deleted: it shows as {post.status} and goes nowhere.")
    return 0


def run_list(args: argparse.Namespace) -> int:
    from dataclasses import asdict

    svc = viewer(args)
    rows = svc.queues.posts(me(), tuple(args.status or STATUSES), mine=args.mine)
    if args.json:
        say(json.dumps([asdict(row) for row in rows], indent=2))
        return 0
    for row in rows:
        when = _local(svc, row.scheduled_at) or "no time"
        verdict = f" [{row.verdict}]" if row.verdict else ""
        crisis = " CRISIS" if row.crisis else ""
        say(f"#{row.id} {row.status}{verdict}{crisis} · {row.author} · {when} · "
            f"{row.topic or 'no topic'}: {_one_line(row.body)}")
    if not rows:
        say("no posts")
    return 0


def run_show(args: argparse.Namespace) -> int:
    svc = viewer(args)
    detail = svc.queues.post_detail(me(), args.post, svc.posts)
    post: Post = detail["post"]
    deliveries = svc.posts.deliveries(post.id)
    from inmm_tui.domain.polls import poll_results

    results = poll_results(svc.db.conn, post.id) if post.poll is not None else []
    if args.json:
        say(json.dumps({
            "id": post.id, "author": post.author, "status": post.status, "body": post.body,
            "topic": post.topic, "announcement": post.announcement, "crisis": post.crisis,
            "event_id": post.event_id,
            "scheduled_at": post.scheduled_at.isoformat() if post.scheduled_at else None,
            "created_at": post.created_at, "updated_at": post.updated_at,
            "cleared_by": post.cleared_by, "cleared_at": post.cleared_at,
            "clearance_hash": post.clearance_hash, "rejected_reason": post.rejected_reason,
            "screening": {"verdict": post.screening_verdict, "findings": post.screening},
            "texts": detail["texts"], "comments": detail["comments"],
            "media": [{"id": m.id, "name": m.name, "mime": m.mime, "width": m.width,
                       "height": m.height, "size": m.size, "sha256": m.sha256, "alt": m.alt}
                      for m in svc.media.items(post.id)],
            "share": _share_json(svc, post.id),
            "parts": list(post.parts),
            "poll": ({"options": list(post.poll.options), "minutes": post.poll.minutes}
                     if post.poll else None),
            "deliveries": [{"id": d.id, "outlet": d.outlet, "part": d.part, "state": d.state,
                            "due_at": d.due_at, "attempts": d.attempts,
                            "last_error": d.last_error, "platform_url": d.platform_url,
                            "sent_at": d.sent_at} for d in deliveries],
            "poll_results": [_poll_json(r) for r in results],
        }, indent=2))
        return 0
    say(f"Post #{post.id} by {post.author}: {post.status}")
    say(f"  topic: {post.topic or 'none'}; time: {_when(svc, post)}"
        + ("; CRISIS" if post.crisis else "") + ("; announcement" if post.announcement else ""))
    if post.screening_verdict:
        say(f"  screening: {post.screening_verdict}")
        _say_findings(post.screening)
    if post.cleared_by:
        say(f"  cleared by {post.cleared_by} at {_local(svc, post.cleared_at)} "
            f"(clearance {post.clearance_hash})")
    if post.rejected_reason:
        say(f"  rejected: {post.rejected_reason}")
    for number, item in enumerate(svc.media.items(post.id), start=1):
        say(f"  file {number}: {_one_line(item.describe(), 80)}; alt: "
            f"{_one_line(item.alt, 200)}")
    _say_share(svc, post.id)
    for outlet, text in detail["texts"].items():
        say(f"  on {outlet}:")
        say("    " + text.replace("\n", "\n    "))
    for number, part in enumerate(post.parts, 2):
        say(f"  part {number} (a reply to part {number - 1}):")
        say("    " + part.replace("\n", "\n    "))
    if post.poll is not None:
        say(f"  poll, open {post.poll.minutes} min: " + " | ".join(post.poll.options))
    for d in deliveries:
        part = f" part {d.part}" if post.parts else ""
        say(f"  delivery {d.id}{part} on {d.outlet}: {d.state}, due {_local(svc, d.due_at)}"
            + (f", {d.platform_url}" if d.platform_url else "")
            + (f" ({d.last_error})" if d.last_error else ""))
    for report in results:
        _say_poll_results(svc, report)
    return 0


def _poll_json(report: PollReport) -> dict[str, Any]:
    """One outlet's results; `votes` (and `total`) are null until the metrics job reads them."""
    votes = None
    if report.votes is not None:
        votes = []
        for option, count in report.tally():
            share = report.share(count)
            votes.append({"option": option, "votes": count,
                          "share": None if share is None else round(share, 1)})
    return {"outlet": report.outlet, "read_at": report.read_at, "closed": report.closed,
            "total": None if votes is None else report.total, "votes": votes}


def _say_poll_results(svc: Services, report: PollReport) -> None:
    """One outlet's votes; the option names come from the platform with the votes, so each
    is made printable on one line (`say` keeps line breaks, which could forge a line)."""
    from inmm_tui.outside_text import printable

    if report.votes is None:
        say(f"  Poll results on {report.outlet}: not read yet")
        return
    state = "closed, final count" if report.closed else "open"
    say(f"  Poll results on {report.outlet}: {state}, read at {_local(svc, report.read_at)}")
    for option, votes in report.tally():
        share = report.share(votes)
        say(f"    {printable(option, limit=100)}: {votes} vote{'' if votes == 1 else 's'}"
            + ("" if share is None else f" ({share:.0f}%)"))
    say(f"    total: {report.total} vote{'' if report.total == 1 else 's'}")


def run_share(args: argparse.Namespace) -> int:
    svc = services(args)
    fields = _fields(svc, args)
    post_id = svc.shares.request(
        me(), args.url, quote=_text(args.quote), outlets=fields["outlets"],
        topic=fields.get("topic", ""), announcement=fields.get("announcement", False),
        event_id=fields.get("event"), scheduled_at=fields.get("when"))
    say(f"Share #{post_id} created. The daemon reads the shared post (its author, text and "
        "date); then see it with `inmm-tui post show "
        f"{post_id}` and submit it with `inmm-tui post submit {post_id}`.")
    return 0


def run_unshare(args: argparse.Namespace) -> int:
    from inmm_tui.domain.post_import import resolve_outlets

    svc = services(args)
    outlets = None
    if args.outlets is not None:
        try:
            outlets = resolve_outlets(args.outlets, [o.name for o in svc.config.outlets])
        except InvalidInput as exc:
            raise InvalidInput(f"--outlets: {exc}") from None
    done = svc.shares.undo(me(), args.post, args.reason, outlets)
    say(f"Share #{args.post} is to be undone on {', '.join(d.outlet for d in done)}; the "
        "daemon does it on its next run.")
    return 0


def _share_json(svc: Services, post_id: int) -> dict[str, Any] | None:
    share = svc.shares.get(post_id)
    if share is None:
        return None
    original = share.original
    return {"url": share.url, "state": share.state, "note": share.note,
            "original": None if original is None else {
                "url": original.url, "author_handle": original.author_handle,
                "author_name": original.author_name, "text": original.text,
                "created_at": original.created_at.isoformat() if original.created_at
                else None},
            "on": {outlet: platform_id for outlet, (platform_id, _) in share.targets.items()}}


def _say_share(svc: Services, post_id: int) -> None:
    """What a share shares: the original is outside text, made printable by `say`."""
    share = svc.shares.get(post_id)
    if share is None:
        return
    say(f"  shares {share.url} ({share.state})" + (f": {share.note}" if share.note else ""))
    original = share.original
    if original is not None:
        when = _local(svc, original.created_at) or "date unknown"
        say(f"    by @{original.author_handle} ({original.author_name}), {when}:")
        say("    " + original.text.replace("\n", "\n    "))


def run_import(args: argparse.Namespace) -> int:
    from inmm_tui.domain.people import authorise
    from inmm_tui.domain.post_import import import_rows, parse_schedule_csv
    from inmm_tui.domain.roles import Action

    path = Path(args.file)
    try:
        content = path.read_bytes()
    except OSError as exc:
        raise InvalidInput(f"{path}: cannot read the file ({exc.strerror or exc})") from None
    svc = services(args)
    # Refuse someone who may not write posts before telling them what is wrong in the file.
    authorise(svc.db.conn, me(), Action.COMPOSE)
    rows = parse_schedule_csv(content, str(path), conn=svc.db.conn,
                              outlets=[o.name for o in svc.config.outlets],
                              topics=svc.config.inmm.topics, tz=svc.config.tz, now=svc.clock())
    results = import_rows(svc.posts, me(), rows, source=str(path), content=content,
                          dry_run=args.dry_run)
    for result in results:
        row = result.row
        what = f"post #{result.post_id}" if result.post_id else "would be submitted"
        when = _local(svc, row.when) or "no time"
        say(f"line {row.line}: {what} · {result.verdict} · {', '.join(row.outlets)} · {when}"
            f" · {row.topic or 'no topic'}: {_one_line(row.body)}")
        _say_findings(result.findings)
    blocked = sum(1 for r in results if r.verdict == "block")
    if args.dry_run:
        say(f"Dry run: {len(results)} rows checked and screened; nothing was kept.")
    else:
        say(f"Imported {len(results)} posts from {path}, each submitted for clearance.")
    if blocked:
        say(f"{blocked} blocked by the policy screen: only the Subcommittee Chair may clear "
            "them, with a reason.")
    return 0


def _say_submitted(post: Post) -> None:
    say(f"Post #{post.id} is submitted for clearance; screening: {post.screening_verdict}.")
    _say_findings(post.screening)


def _say_findings(findings: list[dict[str, Any]]) -> None:
    for finding in findings:
        outlet = (f" in the alt text of {_one_line(str(finding['media']), 60)}"
                  if finding.get("media") else
                  f" on {finding['outlet']}" if finding.get("outlet") else "")
        say(f"    {finding.get('category', '')} ({finding.get('rule', '')}){outlet}: "
            f"{finding.get('message', '')}")


def _when(svc: Services, post: Post) -> str:
    return _local(svc, post.scheduled_at) or "as soon as cleared"


def _local(svc: Services, moment: Any) -> str:
    from inmm_tui.domain.when import format_local

    return format_local(moment, svc.config.tz) + (f" {svc.config.tz.key}" if moment else "")


def _one_line(text: str, size: int = 60) -> str:
    from inmm_tui.outside_text import printable

    return printable(text, limit=size)

