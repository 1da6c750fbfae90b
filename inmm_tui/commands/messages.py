"""`inmm-tui messages`: the private messages sent to the accounts (Mastodon's direct and
followers-only posts that mention us), kept apart from the public mentions. Only those the
policy gives social-media inquiries to may read them (HQ and the Subcommittee Chair);
everyone else is refused (exit 3), and both the reading and the refusal are audited."""

from __future__ import annotations

import argparse

from inmm_tui.commands.common import me, say, services
from inmm_tui.wording import count


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "messages", help="read the private messages sent to the accounts (HQ and the "
                         "Social Media Subcommittee Chair only)")
    parser.add_argument("--outlet", metavar="NAME", help="only this outlet's messages")
    parser.add_argument("--limit", type=int, default=50, metavar="N",
                        help="at most N, newest first (default 50)")
    parser.add_argument("--answer", type=int, metavar="ID",
                        help="answer private message ID privately, to its sender alone "
                             "(Mastodon; screened; the daemon sends it)")
    parser.add_argument("--text", help="the private answer's text (with --answer)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from inmm_tui.domain import private_messages
    from inmm_tui.domain.errors import InvalidInput

    if args.answer is not None or args.text is not None:
        return answer(args)
    if args.limit < 1:
        raise InvalidInput(f"--limit: expected a whole number above 0, got {args.limit}")
    svc = services(args)
    found = private_messages.read(svc.db, me(), outlet=args.outlet, limit=args.limit,
                                  clock=svc.moderation.clock)
    where = f" on {args.outlet}" if args.outlet else ""
    say(f"{count(len(found), 'private message')}{where} (newest first); never answer one "
        "in public")
    for message in found:
        # Sender, name and text are not ours: say() makes every control character visible.
        say(f"\n#{message.id} {message.outlet} {message.created_at} "
            f"@{message.author_handle} ({message.visibility})")
        say(f"  {message.text}")
    return 0


def answer(args: argparse.Namespace) -> int:
    from inmm_tui.domain.errors import InvalidInput

    if args.answer is None or args.text is None:
        raise InvalidInput("--answer ID and --text TEXT go together: which message, and what "
                           "to tell its sender")
    queued = services(args).private_answers.answer(me(), args.answer, args.text)
    say(f"Private answer #{queued.id} to @{queued.recipient_handle} on {queued.outlet} is "
        "queued: the daemon sends it to them alone on its next run.")
    return 0
