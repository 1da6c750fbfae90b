"""`inmm-tui moderation export ITEM --output DIR [--zip]`: a moderation item's evidence,
with its audit entries and a manifest of SHA-256 hashes, for the Executive Committee."""

from __future__ import annotations

import argparse
from pathlib import Path

from inmm_tui.commands.common import me, say, services


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("moderation", help="the moderation queue's evidence")
    actions = parser.add_subparsers(dest="moderation_command", metavar="ACTION", required=True)
    export = actions.add_parser(
        "export", help="write an item's evidence, audit entries and a manifest of hashes",
        description="Writes one folder (or one zip with --zip) inside DIR: the raw payload, "
        "the rendered capture (SVG), the audit entries about the item, MANIFEST.txt (what "
        "each file is and how to verify it) and SHA256SUMS (for sha256sum -c). The chairs, "
        "HQ and the Executive Committee may export. Exit 1 when the evidence no longer "
        "verifies (it is exported all the same, flagged).")
    export.add_argument("item", type=int, metavar="ITEM", help="the moderation item's number")
    export.add_argument("--output", metavar="DIR", required=True,
                        help="the folder to write into (created if missing)")
    export.add_argument("--zip", action="store_true", help="one zip file instead of a folder")
    export.set_defaults(func=run_export)


def run_export(args: argparse.Namespace) -> int:
    from inmm_tui.domain.evidence_export import PNG_NOTE, export_item

    svc = services(args, lazy_screener=True)
    done = export_item(svc.db, me(), args.item, Path(args.output), svc.clock,
                       as_zip=args.zip)
    say(f"Wrote the evidence of moderation item #{args.item} to {done.path}")
    for file in done.files:
        say(f"  {file.name}  {file.size} bytes  sha256 {file.sha256}")
    if any(file.name == "capture.png" for file in done.files):
        say(PNG_NOTE)
    if done.check is None:
        say("This item has no evidence (never captured, or its record was deleted): only its "
            "record and audit entries are exported.")
    elif done.check.purged:
        say("Its evidence was purged under the retention setting: only the hash remains.")
    elif not done.check.ok:
        say(f"EVIDENCE FAILED VERIFICATION: {done.check.problem} (flagged in MANIFEST.txt)")
        return 1
    else:
        say("The evidence verifies against the hash the audit log recorded at capture.")
    return 0 if done.ok else 1
