"""Compose: write a post, see at once how each outlet counts it and what the policy
screen says, choose topic, outlets, event and time, and submit it for clearance.
A thread's further parts go in their own box (a line with only --- between parts), a
poll's options on one line (separated by |) with how long it is open.
The draft is saved as you type (debounced) and once more when you leave."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.timer import Timer
from textual.widgets import Checkbox, Footer, Header, Input, Select, TextArea

from inmm_tui.domain.errors import InvalidInput
from inmm_tui.domain.media import MediaItem
from inmm_tui.domain.polls import (
    Poll,
    duration_text,
    make_poll,
    parse_duration,
    parse_options,
)
from inmm_tui.domain.shares import Share
from inmm_tui.domain.threads import SEPARATOR, join_parts, split_parts
from inmm_tui.domain.when import format_local, parse_local_time
from inmm_tui.ui.backend import Backend
from inmm_tui.ui.messages import ActionDone, DraftLoaded, DraftSaved, MediaListed, PreviewReady
from inmm_tui.ui.screens.base import InmmScreen
from inmm_tui.ui.screens.confirm import ConfirmItemScreen
from inmm_tui.ui.screens.prompt import PromptScreen, if_answered
from inmm_tui.ui.text import outside
from inmm_tui.ui.widgets.editors import PlainInput, PostEditor, TickBox
from inmm_tui.ui.widgets.literal import Literal, LiteralLabel
from inmm_tui.ui.widgets.screening import Findings, OutletCounts
from inmm_tui.ui.widgets.shared_post import ShareLoaded, shared_post
from inmm_tui.ui.widgets.tables import ListTable


class FileList(ListTable):
    """The draft's files, one a row, numbered as `post show` numbers them; Delete on the
    one under the cursor takes it off (the footer shows the key while the list has focus)."""

    BINDINGS = [Binding("delete", "screen.remove_file", "Remove file")]


class ComposeScreen(InmmScreen):
    CSS_PATH = "compose.tcss"
    TITLE = "Compose"
    BINDINGS = [
        Binding("ctrl+s", "save", "Save", priority=True),
        Binding("ctrl+t", "submit", "Submit for clearance", priority=True),
        # Not in the footer (full at 80 columns): F1 lists it.
        Binding("ctrl+o", "attach", "Attach an image or video", show=False, priority=True),
        Binding("escape", "back", "Back, draft kept"),
        Binding("f1", "help", "Keys"),
    ]
    PREVIEW_DELAY = 0.15
    """Seconds of quiet before the text is counted and screened again."""
    AUTOSAVE_DELAY = 1.0
    """Seconds of quiet before the draft is written to the database."""

    def __init__(self, backend: Backend, post_id: int | None = None) -> None:
        super().__init__(backend)
        self.post_id = post_id
        self.saved_state: dict[str, Any] | None = None
        self.current_state: dict[str, Any] | None = None
        """The form as last changed, kept so that it can be saved after the widgets
        are gone (the app closing)."""
        self.last_valid_when: dt.datetime | None = None
        self.when_error = ""
        self.poll_error = ""
        self._preview_timer: Timer | None = None
        self._save_timer: Timer | None = None
        self._loaded = post_id is None
        self._titles = {o.name: o.title for o in backend.config.outlets}
        self.files: dict[str, MediaItem] = {}
        """The draft's files as last listed, by row key (their id)."""
        self.share: Share | None = None
        """What the draft shares (None: not a share), as last read from the database."""

    def compose(self) -> ComposeResult:
        config = self.backend.config
        yield Header()
        with Horizontal(id="compose-split"):
            with VerticalScroll(id="compose-form"):
                # What every post needs first, so that 80x24 shows it without scrolling:
                # the text, when it goes out, its topic, outlets and event.
                yield LiteralLabel("Text (the signature is added for you)", classes="field-label")
                yield PostEditor(id="body", soft_wrap=True, show_line_numbers=False)
                yield LiteralLabel(f"Publish at ({config.inmm.timezone})", classes="field-label")
                yield PlainInput(placeholder="YYYY-MM-DD HH:MM (empty: once cleared)",
                                 id="when", compact=True)
                yield LiteralLabel("", id="when-error")
                yield Select([(t, t) for t in config.inmm.topics], id="topic",
                             prompt="Appropriate topic…", compact=True)
                yield Select([], id="event", prompt="No event (live coverage / crisis)",
                             compact=True)
                yield LiteralLabel("Outlets", classes="field-label")
                with Horizontal(id="outlets"):
                    for outlet in config.outlets:
                        yield TickBox(outlet.title, True, id=f"outlet-{outlet.name}",
                                      classes="outlet", compact=True)
                yield TickBox(f"Re-tweetable announcement (≤{config.inmm.announcement_limit})",
                              id="announcement", compact=True)
                yield LiteralLabel("Own text per outlet (optional, empty: the text above)",
                                   classes="field-label")
                for outlet in config.outlets:
                    # A label beside the field, not a placeholder: it stays once typed in.
                    with Horizontal(classes="outlet-row"):
                        yield LiteralLabel(f"{outlet.title}:", classes="outlet-name")
                        yield PlainInput(placeholder="same text as above",
                                         id=f"text-{outlet.name}", classes="outlet-text",
                                         compact=True)
                # A share: the text above (if any) quotes it; without text, a repost.
                yield LiteralLabel("Share a post: paste its address, then Enter",
                                   classes="field-label")
                yield PlainInput(placeholder="https://x.com/…/status/… (empty: not a share)",
                                 id="share-url", compact=True)
                yield LiteralLabel(f"Thread (optional): more parts, each a reply to the one "
                                   f"before; a line with only {SEPARATOR} between parts",
                                   classes="field-label")
                yield PostEditor(id="parts", soft_wrap=True, show_line_numbers=False)
                yield LiteralLabel("Poll (optional): 2 to 4 options separated by |, and how "
                                   "long it is open (90m, 6h, 2d)", classes="field-label")
                with Horizontal(classes="outlet-row"):
                    yield PlainInput(placeholder="Yes | No | Not sure", id="poll-options",
                                     classes="poll-field", compact=True)
                    yield PlainInput(placeholder="1d", id="poll-duration",
                                     classes="poll-field", compact=True)
                yield LiteralLabel("", id="poll-error")
            with VerticalScroll(id="compose-side"):
                yield OutletCounts(id="counts")
                original = Literal("", id="original")
                original.display = False  # shown for a share only
                yield original
                yield Findings(id="findings")
                files = FileList(id="media-list")
                files.add_column("#", key="number", width=2)
                files.add_column("File", key="file", width=28)
                files.add_column("Alt text", key="alt", width=40)
                files.display = False  # shown once a file is attached
                yield files
                # The table cuts a long alt text: the file under the cursor's in full.
                alt = Literal("", id="media-alt")
                alt.display = False
                yield alt
                yield Literal("", id="save-state")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#body", TextArea).focus()
        self.load_draft()
        # The daemon reads a shared post within seconds: look until it has.
        self.set_interval(1.0, self.watch_share)

    def reload(self) -> None:
        """Compose keeps what is typed; it does not reload under the person's fingers."""

    # ----- loading -----------------------------------------------------------------

    @work(thread=True, exclusive=True, group="compose-load", exit_on_error=False)
    def load_draft(self) -> None:
        b = self.backend
        events = [e for e in b.call(b.services.queues.events, b.login) if e.active]
        post = b.call(b.services.posts.get, self.post_id) if self.post_id else None
        self.post_message(DraftLoaded(post, events))
        if self.post_id:
            self.post_message(MediaListed(b.call(b.services.media.items, self.post_id)))
            self.post_message(ShareLoaded(b.call(b.services.shares.get, self.post_id)))

    @on(DraftLoaded)
    def fill_form(self, message: DraftLoaded) -> None:
        events = message.events
        self.query_one("#event", Select).set_options(
            [(outside(f"{'CRISIS: ' if e.kind == 'crisis' else ''}{e.name} {e.hashtag}",
                      limit=120), e.id) for e in events])
        post = message.post
        if post is not None:
            self.query_one("#body", TextArea).load_text(post.body)
            if post.topic in self.backend.config.inmm.topics:
                self.query_one("#topic", Select).value = post.topic
            self.query_one("#announcement", Checkbox).value = post.announcement
            self.query_one("#parts", TextArea).load_text(join_parts(post.parts))
            if post.poll is not None:
                self.query_one("#poll-options", Input).value = " | ".join(post.poll.options)
                self.query_one("#poll-duration", Input).value = duration_text(post.poll.minutes)
            for outlet in self.backend.config.outlets:
                self.query_one(f"#outlet-{outlet.name}", Checkbox).value = (
                    outlet.name in post.outlets)
                self.query_one(f"#text-{outlet.name}", Input).value = (
                    post.outlets.get(outlet.name) or "")
            if post.event_id and any(e.id == post.event_id for e in events):
                self.query_one("#event", Select).value = post.event_id
            self.last_valid_when = post.scheduled_at
            self.query_one("#when", Input).value = format_local(post.scheduled_at,
                                                                self.backend.config.tz)
            state = f"Draft #{post.id}, saved"
            if post.status == "rejected":
                state = f"Post #{post.id} was REJECTED: {post.rejected_reason}. Mend and submit."
            self.query_one("#save-state", Literal).update(state)
        else:
            crisis = [e for e in events if e.kind == "crisis"]
            if crisis:  # in a crisis, a new post is a crisis post unless changed
                self.query_one("#event", Select).value = crisis[0].id
        self._loaded = True
        self.saved_state = self.form_state() if post is not None else None
        self.schedule_preview()

    # ----- the form ------------------------------------------------------------------

    def form_state(self) -> dict[str, Any]:
        outlets = [o.name for o in self.backend.config.outlets
                   if self.query_one(f"#outlet-{o.name}", Checkbox).value]
        texts = {o.name: value for o in self.backend.config.outlets
                 if (value := self.query_one(f"#text-{o.name}", Input).value.strip())}
        topic = self.query_one("#topic", Select).value
        event = self.query_one("#event", Select).value
        return {
            "body": self.query_one("#body", TextArea).text,
            "outlets": outlets,
            "outlet_texts": {k: v for k, v in texts.items() if k in outlets},
            "topic": topic if isinstance(topic, str) else "",
            "announcement": self.query_one("#announcement", Checkbox).value,
            "event_id": event if isinstance(event, int) else None,
            "scheduled_at": self.last_valid_when,
            "parts": split_parts(self.query_one("#parts", TextArea).text),
            "poll": self._poll(),
        }

    def _poll(self) -> Poll | None:
        """The poll typed, or None (none typed, or not yet right: `poll_error` says why)."""
        options = parse_options(self.query_one("#poll-options", Input).value)
        self.poll_error = ""
        if not options:
            return None
        try:
            return make_poll(options, parse_duration(
                self.query_one("#poll-duration", Input).value or "1d"))
        except InvalidInput as exc:
            self.poll_error = str(exc)
            return None

    @on(TextArea.Changed)
    @on(Input.Changed, ".outlet-text")
    @on(Input.Changed, ".poll-field")
    @on(Checkbox.Changed)
    @on(Select.Changed)
    def something_changed(self) -> None:
        if not self._loaded:
            return
        self.current_state = self.form_state()
        label = self.query_one("#poll-error", LiteralLabel)
        label.update(self.poll_error)
        label.set_class(bool(self.poll_error), "error")
        self.schedule_preview()
        self.schedule_save()

    @on(Input.Changed, "#when")
    def check_time(self, event: Input.Changed) -> None:
        config = self.backend.config
        label = self.query_one("#when-error", LiteralLabel)
        try:
            self.last_valid_when = parse_local_time(event.value, config.tz,
                                                    self.backend.services.clock())
            self.when_error = ""
            label.update("")
        except InvalidInput as exc:
            self.when_error = str(exc)
            label.update(self.when_error)
        label.set_class(bool(self.when_error), "error")
        if self._loaded and not self.when_error:
            self.current_state = self.form_state()
            self.schedule_save()

    def schedule_preview(self) -> None:
        if self._preview_timer is not None:
            self._preview_timer.stop()
        self._preview_timer = self.set_timer(self.PREVIEW_DELAY, self.run_preview)

    def schedule_save(self) -> None:
        if self._save_timer is not None:
            self._save_timer.stop()
        self._save_timer = self.set_timer(self.AUTOSAVE_DELAY, self.autosave)

    def run_preview(self) -> None:
        self.preview(self.form_state())

    @work(thread=True, exclusive=True, group="compose-preview", exit_on_error=False)
    def preview(self, state: dict[str, Any]) -> None:
        b = self.backend
        result = b.call(b.services.posts.preview, b.login, state["body"],
                        outlets=state["outlets"], outlet_texts=state["outlet_texts"],
                        topic=state["topic"], announcement=state["announcement"],
                        event_id=state["event_id"], parts=state["parts"], poll=state["poll"])
        self.post_message(PreviewReady(result))

    @on(PreviewReady)
    def show_preview(self, message: PreviewReady) -> None:
        preview = message.preview
        self.query_one(OutletCounts).show(preview.outlets, self._titles, preview.signature,
                                          preview.hashtag)
        texts = {item.outlet: item.text for item in preview.outlets}
        self.query_one(Findings).show(preview.outcome, texts)

    # ----- files -----------------------------------------------------------------------

    def action_attach(self) -> None:
        self.app.push_screen(
            PromptScreen("Attach an image (JPEG, PNG, GIF, WebP) or an MP4 video: its path. "
                         "Its location and camera details are removed before it is kept."),
            if_answered(self._ask_alt))

    def _ask_alt(self, path: str) -> None:
        self.app.push_screen(
            PromptScreen(f"Alt text for {Path(path).name}: describe it for people who cannot "
                         "see it (required)"),
            if_answered(lambda alt: self.attach(path, alt)))

    @work(thread=True, exclusive=True, group="compose-attach", exit_on_error=False)
    def attach(self, path: str, alt: str) -> None:
        b = self.backend
        post_id = self._write(self.form_state())  # the draft the file belongs to
        self.post_message(DraftSaved(post_id))
        item = b.call(b.services.media.attach, b.login, post_id, Path(path).expanduser(), alt)
        self.post_message(MediaListed(b.call(b.services.media.items, post_id)))
        self.post_message(ActionDone(f"Attached {item.name} (metadata removed)"))

    @on(MediaListed)
    def show_media(self, message: MediaListed) -> None:
        self.files = {str(item.id): item for item in message.items}
        listing = self.query_one("#media-list", FileList)
        listing.clear()
        for number, item in enumerate(message.items, start=1):
            listing.add_row(str(number), item.describe(), item.alt, key=str(item.id))
        listing.display = bool(message.items)
        self.show_alt()

    @on(FileList.RowHighlighted, "#media-list")
    def show_alt(self) -> None:
        item = self.files.get(self.query_one("#media-list", FileList).selected_key() or "")
        shown = self.query_one("#media-alt", Literal)
        shown.update(f"Alt text of {item.name}: {item.alt}" if item is not None else "")
        shown.display = item is not None

    def action_remove_file(self) -> None:
        key = self.query_one("#media-list", FileList).selected_key()
        item = self.files.get(key or "")
        if item is None or self.post_id is None:
            return
        post_id = self.post_id
        self.app.push_screen(
            ConfirmItemScreen("Take this file off the draft? A post already cleared goes "
                              "back for clearance.", item.describe(), f"alt: {item.alt}"),
            if_answered(lambda _: self.remove_file(post_id, item.id)))

    @work(thread=True, exclusive=True, group="compose-attach", exit_on_error=False)
    def remove_file(self, post_id: int, media_id: int) -> None:
        b = self.backend
        item = b.call(b.services.media.remove, b.login, post_id, media_id)
        self.post_message(MediaListed(b.call(b.services.media.items, post_id)))
        self.post_message(ActionDone(f"Took off {item.name}"))

    # ----- sharing ---------------------------------------------------------------------

    @on(Input.Submitted, "#share-url")
    def share_address(self, event: Input.Submitted) -> None:
        if event.value.strip():
            self.share_post(event.value, self.form_state())

    @work(thread=True, exclusive=True, group="compose-save", exit_on_error=False)
    def share_post(self, url: str, state: dict[str, Any]) -> None:
        b = self.backend
        with b.lock:
            if self.post_id is None:
                self.post_id = b.services.shares.request(
                    b.login, url, quote=state["body"], outlets=state["outlets"],
                    topic=state["topic"], announcement=state["announcement"],
                    event_id=state["event_id"], scheduled_at=state["scheduled_at"],
                    outlet_texts=state["outlet_texts"])
                self.saved_state = state
            else:
                b.services.posts.save_draft(b.login, self.post_id, **state)
                self.saved_state = state
                b.services.shares.repoint(b.login, self.post_id, url)
            share = b.services.shares.get(self.post_id)
        self.post_message(DraftSaved(self.post_id))
        self.post_message(ShareLoaded(share))

    def watch_share(self) -> None:
        if self.post_id is not None and self.share is not None and (
                self.share.state == "resolving"):
            self.load_share(self.post_id)

    @work(thread=True, exclusive=True, group="compose-share", exit_on_error=False)
    def load_share(self, post_id: int) -> None:
        b = self.backend
        self.post_message(ShareLoaded(b.call(b.services.shares.get, post_id)))

    @on(ShareLoaded)
    def show_share(self, message: ShareLoaded) -> None:
        self.share = message.share
        original = self.query_one("#original", Literal)
        original.update(shared_post(message.share, self.backend.config.tz))
        original.display = message.share is not None
        if message.share is not None and not self.query_one("#share-url", Input).value:
            self.query_one("#share-url", Input).value = message.share.url

    # ----- saving ----------------------------------------------------------------------

    def autosave(self) -> None:
        state = self.form_state()
        if state == self.saved_state or (self.post_id is None and not state["body"].strip()):
            return
        self.save(state)

    @work(thread=True, exclusive=True, group="compose-save", exit_on_error=False)
    def save(self, state: dict[str, Any], submit: bool = False) -> None:
        post_id = self._write(state)
        self.post_message(DraftSaved(post_id))
        if submit:
            b = self.backend
            b.call(b.services.posts.submit, b.login, post_id)
            self.post_message(ActionDone(f"Post #{post_id} submitted for clearance", close=True))

    def _write(self, state: dict[str, Any]) -> int:
        b = self.backend
        # The post id is read and set under the lock: an autosave and a submit racing
        # for a new draft must not create it twice.
        with b.lock:
            post_id = b.services.posts.save_draft(b.login, self.post_id, **state)
            self.post_id = post_id
            self.saved_state = state
        return post_id

    @on(DraftSaved)
    def show_saved(self, message: DraftSaved) -> None:
        now = self.backend.services.clock().astimezone(self.backend.config.tz)
        self.query_one("#save-state", Literal).update(
            f"Draft #{message.post_id}, saved {now:%H:%M:%S}")

    @on(ActionDone)
    def done(self, message: ActionDone) -> None:
        message.prevent_default()  # instead of InmmScreen.report_done
        self.notify(message.note)
        if message.close:
            self.app.pop_screen()

    def action_save(self) -> None:
        self.save(self.form_state())

    def action_submit(self) -> None:
        if not self.query_one("#body", TextArea).text.strip() and self.share is None:
            self.notify("Write the post first.", severity="warning")
            return
        if self.when_error:
            self.notify(self.when_error, title="Check the time", severity="error")
            return
        state = self.form_state()
        if self.poll_error:
            self.notify(self.poll_error, title="Check the poll", severity="error")
            return
        self.save(state, submit=True)

    def action_back(self) -> None:
        self.save_now()
        self.app.pop_screen()

    def on_unmount(self) -> None:
        self.save_now()

    def save_now(self) -> None:
        # Leaving (or the terminal closing) must not lose what was typed since the
        # last autosave: one last synchronous save.
        state = self.current_state
        if not self._loaded or state is None:
            return
        if state != self.saved_state and (self.post_id is not None or state["body"].strip()):
            try:
                self._write(state)
            except Exception:  # a refusal here has nowhere to be shown; the last save stands
                pass
