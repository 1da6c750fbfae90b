"""Moderation: the questionable replies and mentions, newest first, each with its
evidence verified as it is shown (policy: "Handling Questionable Information Posted to
Social Media", "INMM Response to Questionable Social Media Posts"; R13-R16).

Every action is an intent recorded by the domain, which decides who may and refuses a
hide before the evidence exists and verifies; the daemon performs it on the platform.
"""

from __future__ import annotations

from pathlib import Path

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import DataTable, Footer, Header

from inmm_tui.domain import oversight
from inmm_tui.domain.moderation import Item
from inmm_tui.domain.oversight import EvidenceView
from inmm_tui.domain.roles import Action
from inmm_tui.domain.when import format_local
from inmm_tui.ui.backend import Backend
from inmm_tui.ui.messages import ActionDone, RowsLoaded
from inmm_tui.ui.oversight_messages import AnswerDrafted, ItemLoaded
from inmm_tui.ui.screens.base import InmmScreen
from inmm_tui.ui.screens.confirm import ConfirmItemScreen
from inmm_tui.ui.screens.prompt import PromptScreen, if_answered
from inmm_tui.ui.widgets.literal import Literal
from inmm_tui.ui.widgets.screening import VERDICT_MARK
from inmm_tui.ui.widgets.tables import ListTable

EXPORT_FOLDER = Path.home() / "inmm-evidence"
"""Where `e` writes an evidence export when no folder is typed."""
STATUS_STYLE = {"open": "yellow", "forwarded": "cyan", "hidden": "green"}


class ModerationScreen(InmmScreen):
    TITLE = "Moderation"
    CSS_PATH = "moderation.tcss"
    BINDINGS = [
        Binding("h", "hide", "Hide"),
        Binding("b", "block", "Block"),
        Binding("d", "dismiss_item", "Dismiss"),
        Binding("a", "answer", "Answer"),
        Binding("f", "forward", "To EC"),
        Binding("t", "report", "Report to the platform", show=False),
        Binding("l", "lookup", "Is the author a member?", show=False),
        Binding("g", "legal_hold", "Legal hold", show=False),
        Binding("x", "decide", "Record the EC's decision", show=False),
        Binding("e", "export", "Export the evidence for the EC", show=False),
    ]

    def __init__(self, backend: Backend) -> None:
        super().__init__(backend)
        self.item: Item | None = None
        self.evidence: EvidenceView | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        yield ListTable(id="mod-items")
        with VerticalScroll(id="mod-detail"):
            yield Literal("Nothing to moderate.", id="mod-text")
            yield Literal("", id="mod-evidence")
            yield Literal("", id="mod-state")
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one("#mod-items", ListTable)
        table.add_column("#", key="id", width=3)
        table.add_column("Outlet", key="outlet", width=8)
        # Cells too long end in "…" (ListTable); the detail below shows them whole.
        table.add_column("Author", key="author", width=14)
        table.add_column("Findings", key="findings", width=14)
        table.add_column("Member", key="member", width=6)
        table.add_column("Status", key="status", width=9)
        table.add_column("Error", key="error", width=8)
        table.focus()

    def reload(self) -> None:
        self.load_rows()

    @work(thread=True, exclusive=True, group="mod-rows", exit_on_error=False)
    def load_rows(self) -> None:
        b = self.backend
        self.post_message(RowsLoaded(b.call(b.services.moderation.items, b.login, open_only=True)))

    @on(RowsLoaded)
    def show_rows(self, message: RowsLoaded) -> None:
        table = self.query_one("#mod-items", ListTable)
        keep = table.selected_key()
        table.clear()
        for item in message.rows:
            table.add_row(str(item.id), item.outlet, f"@{item.author_handle}",
                          Text(_finding_names(item), style=_verdict_style(item.verdict)),
                          _member(item), Text(item.status, style=STATUS_STYLE.get(item.status, "")),
                          Text(item.action_error or "", style="bold red"), key=str(item.id))
        if keep is not None and any(str(i.id) == keep for i in message.rows):
            table.move_cursor(row=table.get_row_index(keep))
        if not message.rows:
            self.item = self.evidence = None
            self.query_one("#mod-text", Literal).update("Nothing to moderate.")
            self.query_one("#mod-evidence", Literal).update("")
            self.query_one("#mod-state", Literal).update("")
        else:
            self.load_detail(int(table.selected_key() or message.rows[0].id))

    @on(DataTable.RowHighlighted, "#mod-items")
    def follow_cursor(self, event: DataTable.RowHighlighted) -> None:
        if event.row_key is not None and event.row_key.value is not None:
            self.load_detail(int(event.row_key.value))

    @work(thread=True, exclusive=True, group="mod-detail", exit_on_error=False)
    def load_detail(self, item_id: int) -> None:
        b = self.backend
        item = b.call(b.services.moderation.get, b.login, item_id)
        view = (b.call(oversight.evidence_view, b.services.db.conn, b.login, item.evidence_id)
                if item.evidence_id is not None else None)
        self.post_message(ItemLoaded(item, view))

    @on(ItemLoaded)
    def show_detail(self, message: ItemLoaded) -> None:
        if str(message.item.id) != self.query_one("#mod-items", ListTable).selected_key():
            return  # the cursor has left that row; the detail of the row under it is coming
        self.item, self.evidence = item, view = message.item, message.evidence
        tz = self.backend.config.tz
        text = Text()
        text.append(f"#{item.id} {item.outlet}  {item.author_name or ''} @{item.author_handle}",
                    style="bold")
        text.append(f"  {_local(item.created_at, tz)}\n", style="dim")
        text.append(item.text + "\n")
        verdict = VERDICT_MARK.get(item.verdict or "", (item.verdict or "—").upper())
        text.append(f"Screening: {verdict}", style=_verdict_style(item.verdict) + " bold")
        for finding in item.findings:
            name = finding.get("category") or finding.get("rule") or ""
            why = finding.get("message") or finding.get("reason") or ""
            text.append(f"\n ● {name}: {why}")
        self.query_one("#mod-text", Literal).update(text)
        self.query_one("#mod-evidence", Literal).update(_evidence_text(view, tz))
        self.query_one("#mod-state", Literal).update(_state_text(item, tz))

    # ----- acting ------------------------------------------------------------------

    def _selected(self) -> Item | None:
        """The item whose detail is on screen, and only if it is the row under the cursor:
        while the detail of a newly highlighted row is loading, nothing is acted on."""
        key = self.query_one("#mod-items", ListTable).selected_key()
        if key is None:
            self.notify("Select an item first.")
            return None
        if self.item is None or str(self.item.id) != key:
            self.notify(f"Item #{key} is still loading; act once its detail is shown.",
                        severity="warning")
            return None
        return self.item

    def _confirm(self, what: str, question: str, *, reason: str | None = None,
                 allow_empty: bool = False) -> None:
        """Hide, block or report the item shown, once the person has seen whose reply it
        is and what it says and confirmed."""
        item = self._selected()
        if item is None:
            return
        if self.backend.services.moderation.cannot(item.outlet, what):
            # No question to ask: the domain refuses it at once, audits that, and says why.
            self.act(what, item.id, "")
            return

        def confirmed(text: str | None) -> None:
            if text is not None:
                self.act(what, item.id, text)  # the id of the item the person saw

        author = f"{item.author_name or ''} @{item.author_handle} ({item.outlet})".strip()
        self.if_allowed(NEEDS[what], lambda: self.app.push_screen(
            ConfirmItemScreen(question.format(item=item), author, item.text, reason=reason,
                              allow_empty=allow_empty), confirmed))

    def _ask(self, question: str, what: str, *, allow_empty: bool = False) -> None:
        item = self._selected()
        if item is None:
            return
        self.if_allowed(NEEDS[what], lambda: self.app.push_screen(
            PromptScreen(question.format(item=item), allow_empty=allow_empty),
            if_answered(lambda text: self.act(what, item.id, text))))

    def action_hide(self) -> None:
        item = self.item
        if item is not None and self.backend.services.moderation.hide_deletes(item.outlet):
            self._confirm("hide", "Delete this comment (#{item.id}) as the page's admin? "
                          f"{item.outlet} cannot hide it, and a deletion cannot be undone.")
        else:
            self._confirm("hide", "Hide this reply (#{item.id}) on the platform?")

    def action_block(self) -> None:
        self._confirm("block", "Block the author of this reply (#{item.id})?",
                      reason="Reason (audit log, optional):", allow_empty=True)

    def action_report(self) -> None:
        self._confirm("report", "Report the author of this reply (#{item.id}) to the platform?",
                      reason="Reason (sent with the report):")

    # Not `action_dismiss`: that is Screen's own action (close this screen with a result),
    # which this would have replaced with a different signature.
    def action_dismiss_item(self) -> None:
        self._ask("Dismiss item #{item.id} — why does it need no action?", "dismiss")

    def action_lookup(self) -> None:
        if item := self._selected():
            self.act("lookup", item.id, "")

    def action_legal_hold(self) -> None:
        item = self._selected()
        if item is None:
            return
        if self.evidence is None:
            self.notify(f"Item #{item.id} has no evidence to hold.", severity="warning")
        elif self.evidence.legal_hold:
            self._ask("Release the legal hold on the evidence of #{item.id} — reason:",
                      "release", allow_empty=True)
        else:
            self._ask("Put the evidence of #{item.id} under legal hold — the matter it is "
                      "kept for:", "hold")

    def action_forward(self) -> None:
        self._ask("Forward #{item.id} to the Executive Committee — your recommendation:",
                  "forward")

    def action_decide(self) -> None:
        self._ask("The Executive Committee's decision on #{item.id}:", "decide")

    def action_export(self) -> None:
        self._ask(f"Export the evidence of #{{item.id}} as one zip file into which folder? "
                  f"Empty for {EXPORT_FOLDER}", "export", allow_empty=True)

    def action_answer(self) -> None:
        self._ask("Answer @{item.author_handle} with correct information (a draft, screened "
                  "and cleared like any post):", "answer")

    @work(thread=True, exclusive=True, group="mod-act", exit_on_error=False)
    def act(self, what: str, item_id: int, text: str) -> None:
        b = self.backend
        mod = b.services.moderation
        if what == "hide":
            b.call(mod.request_hide, b.login, item_id)
            note = f"Hide of #{item_id} requested; the daemon performs it"
        elif what == "block":
            b.call(mod.request_block, b.login, item_id, text)
            note = f"Block requested for the author of #{item_id}"
        elif what == "report":
            b.call(mod.request_report, b.login, item_id, text)
            note = f"Report requested for the author of #{item_id}"
        elif what == "dismiss":
            b.call(mod.dismiss, b.login, item_id, text)
            note = f"#{item_id} dismissed"
        elif what == "lookup":
            found = b.call(mod.lookup_poster, b.login, item_id)
            note = ("Poster found: " + ", ".join(f"{m.name} ({m.kind})" for m in found)
                    if found else "The poster is not among members, volunteers or staff")
        elif what in ("hold", "release"):
            evidence_id = b.call(mod.get, b.login, item_id).evidence_id
            if evidence_id is None:
                note = f"#{item_id} has no evidence"
            elif what == "hold":
                b.call(mod.set_legal_hold, b.login, evidence_id, text)
                note = f"Evidence #{evidence_id} under legal hold"
            else:
                b.call(mod.release_legal_hold, b.login, evidence_id, text)
                note = f"Legal hold on evidence #{evidence_id} released"
        elif what == "forward":
            b.call(mod.forward_to_ec, b.login, item_id, text)
            note = f"#{item_id} forwarded to the Executive Committee"
        elif what == "export":
            from inmm_tui.domain.evidence_export import export_item

            done = b.call(export_item, b.services.db, b.login, item_id,
                          Path(text.strip()).expanduser() if text.strip() else EXPORT_FOLDER,
                          b.services.clock, as_zip=True)
            note = f"Evidence of #{item_id} exported to {done.path}"
            if done.check is not None and not done.check.ok:
                note += f"; EVIDENCE FAILED VERIFICATION: {done.check.problem}"
        elif what == "decide":
            b.call(mod.record_ec_decision, b.login, item_id, text)
            note = f"The Executive Committee's decision on #{item_id} recorded"
        else:
            mention_id = b.call(mod.get, b.login, item_id).mention_id
            post_id = b.call(mod.draft_answer, b.login, mention_id, text)
            self.post_message(AnswerDrafted(post_id))
            return
        self.post_message(ActionDone(note))


    @on(AnswerDrafted)
    def open_answer(self, message: AnswerDrafted) -> None:
        from inmm_tui.ui.screens.compose import ComposeScreen

        self.notify(f"Answer drafted as post #{message.post_id}: mend it, then submit it "
                    "for clearance (it is also in your drafts)")
        self.app.push_screen(ComposeScreen(self.backend, message.post_id))


NEEDS = {"hide": Action.MODERATE, "block": Action.MODERATE, "report": Action.MODERATE,
         "dismiss": Action.MODERATE, "hold": Action.LEGAL_HOLD, "release": Action.LEGAL_HOLD,
         "forward": Action.FORWARD_TO_EC, "decide": Action.EC_DECISION,
         "answer": Action.COMPOSE, "export": Action.EXPORT_EVIDENCE}
"""What each request needs, asked before its prompt opens (the domain asks again)."""


def _finding_names(item: Item) -> str:
    names = [str(f.get("category") or f.get("rule") or "") for f in item.findings]
    return ", ".join(n for n in names if n) or (item.verdict or "—")


def _verdict_style(verdict: str | None) -> str:
    return {"block": "red", "warn": "yellow"}.get(verdict or "", "")


def _member(item: Item) -> str:
    """The first match of the last lookup ("—" when none was found or none made)."""
    return str(item.member_match[0].get("kind", "yes")) if item.member_match else "—"


def _local(stamp: str | None, tz: object) -> str:
    return format_local(stamp, tz)  # type: ignore[arg-type]


def _evidence_text(view: EvidenceView | None, tz: object) -> Text:
    out = Text("\nEvidence ", style="bold")
    if view is None:
        out.append("NONE CAPTURED — this item cannot be hidden", style="bold white on red")
        return out
    out.append(f"#{view.id}, captured {_local(view.captured_at, tz)}\n")
    out.append(f"SHA-256 {view.sha256}\n", style="dim")
    if not view.check.ok:
        out.append(f"NOT VERIFIED: {view.check.problem}", style="bold white on red")
    elif view.check.purged:
        out.append(f"purged ({_local(view.purged_at, tz)}); its hash still matches the audit "
                   "log", style="yellow")
    else:
        out.append("Verified: matches its hash and the audit log", style="bold green")
    if view.legal_hold:
        out.append(f"\nLegal hold: ON by {view.legal_hold_by} — {view.legal_hold_reason or ''}",
                   style="bold cyan")
    else:
        out.append("\nLegal hold: off", style="dim")
    return out


def _state_text(item: Item, tz: object) -> Text:
    out = Text("\nStatus ", style="bold")
    out.append(item.status, style=STATUS_STYLE.get(item.status, ""))
    out.append(f"  (queued {_local(item.opened_at, tz)})", style="dim")
    for label, requested, done in (("hide", item.hide_requested_at, item.hidden_at),
                                   ("block", item.block_requested_at, item.blocked_at),
                                   ("report", item.report_requested_at, item.reported_at)):
        if done:
            out.append(f"\n{label}: done {_local(done, tz)}", style="green")
        elif requested:
            out.append(f"\n{label}: requested {_local(requested, tz)}, the daemon performs it",
                       style="yellow")
    if item.report_ref:
        out.append(f"\nPlatform's report reference: {item.report_ref}")
    if item.member_match:
        out.append("\nPoster among members: " + ", ".join(
            f"{m.get('name')} ({m.get('kind')})" for m in item.member_match))
    if item.recommendation:
        out.append(f"\nRecommendation to the EC: {item.recommendation}")
    if item.ec_decision:
        out.append(f"\nEC decision: {item.ec_decision}", style="bold")
    if item.action_error:
        out.append(f"\nThe platform refused: {item.action_error}", style="bold red")
    return out
