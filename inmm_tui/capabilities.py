"""What each platform API can do, declared once where the domain can read it (the domain
may not import `inmm_tui.platforms`). Each adapter names its entry as its `capabilities`
and raises `Unsupported` for exactly what is missing there; tests/test_platform_calls.py
holds the adapters to it against the sandbox.

Callers ask the capability, never the platform's name: a new outlet adds its entry here,
its adapter and a line in the factory, and the daemon and the domain need no change.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

HIDE, BLOCK, REPORT = "hide", "block", "report"
TWITTER_TEXT, MASTODON_TEXT, GRAPHEMES, UTF16 = "twitter-text", "mastodon", "graphemes", "utf-16"
"""How a platform counts a post's length (`inmm_tui.screening.length` implements each):
twitter-text's weighted count (URLs 23, CJK and emoji 2), Mastodon's (graphemes, URLs
with a scheme 23, `@user@domain` as `@user`), or every grapheme of the text as written
(Bluesky's `maxGraphemes`: a link counts in full), or UTF-16 code units of the text as
written (LinkedIn's commentary: an emoji outside the BMP counts 2, a link in full)."""

FOLLOW = "follow"
SHARE = "share"
"""Reposting or quoting another account's post natively (`Capabilities.shares`)."""


@dataclass(frozen=True)
class PollRules:
    """What a platform's native poll takes."""

    max_options: int
    option_length: int
    """The most characters one option may have."""
    min_minutes: int
    max_minutes: int
_VERBS = {HIDE: "hide a reply", BLOCK: "block an account", REPORT: "report an account"}


JPEG, PNG, GIF, WEBP, MP4 = "image/jpeg", "image/png", "image/gif", "image/webp", "video/mp4"
MB = 1024 * 1024


@dataclass(frozen=True)
class MediaLimits:
    """What a platform takes attached to one post (its documented limits; a Mastodon
    server may set its own, which the adapter reads from `/api/v2/instance`)."""

    images: int
    """At most this many images on one post."""
    videos: int
    """At most this many videos on one post (0: none through our client)."""
    mixed: bool
    """Images and a video may go on the same post."""
    image_types: frozenset[str]
    video_types: frozenset[str]
    image_bytes: int
    video_bytes: int
    alt_length: int
    """The longest alt text it keeps, in characters."""
    gif_alone: bool = False
    """A GIF goes alone on a post (X: four photos, or one GIF, or one video)."""

    def cannot(self, items: list[tuple[str, str, int, str]]) -> str | None:
        """Why these files (name, MIME type, size in bytes, alt text), in order, cannot go
        on one post here; None when they can."""
        images = [item for item in items if item[1].startswith("image/")]
        videos = [item for item in items if not item[1].startswith("image/")]
        if videos and not self.videos:
            return f"{videos[0][0]}: it takes no video"
        if len(images) > self.images:
            return f"{len(images)} images; it takes at most {self.images} on one post"
        if len(videos) > self.videos:
            return f"{len(videos)} videos; it takes at most {self.videos} on one post"
        if images and videos and not self.mixed:
            return "images and a video together; it takes one or the other on one post"
        gifs = [item for item in images if item[1] == GIF]
        if self.gif_alone and gifs and len(items) > 1:
            return f"{gifs[0][0]}: a GIF goes alone on a post here, without other files"
        for name, mime, size, alt in items:
            video = not mime.startswith("image/")
            types = self.video_types if video else self.image_types
            if mime not in types:
                return (f"{name}: {mime} is not taken (it takes "
                        f"{', '.join(sorted(t.split('/')[1].upper() for t in types))})")
            most = self.video_bytes if video else self.image_bytes
            if size > most:
                return f"{name}: {size / MB:.1f} MB; it takes at most {most / MB:.1f} MB"
            if len(alt) > self.alt_length:
                return (f"{name}: its alt text is {len(alt)} characters; it keeps at most "
                        f"{self.alt_length}")
        return None


@dataclass(frozen=True)
class Capabilities:
    """What one platform's API can do, and its limits."""

    api: str
    """The config's name for the API (an outlet's `api`)."""
    label: str
    """The platform's name as people write it."""
    idempotent_posting: bool
    """The server honours an `Idempotency-Key` (Mastodon, for an hour; the daemon relies on
    it for `daemon.idempotency_key_seconds`), handing back the post it already has instead
    of making a second one. Without it an in-doubt delivery is looked for among the
    account's recent posts before it is sent again."""
    refuses_duplicates: bool
    """A post with the same text as a recent one is refused (`DuplicateContent`)."""
    moderation: frozenset[str]
    """What it can do to a reply or its author: HIDE, BLOCK, REPORT."""
    why_not: dict[str, str] = field(hash=False)
    """For a moderation request it cannot perform, what to tell people instead of the
    generic message."""
    max_length: int
    """The platform's limit on a post, in its own count (the rules file may lower it)."""
    counting: str
    """How it counts that length: TWITTER_TEXT, MASTODON_TEXT, GRAPHEMES or UTF16."""
    follow_limit: tuple[int, dt.timedelta]
    """At most this many follow calls in this window, per account."""
    plans: tuple[str, ...] = ()
    """The access levels the platform sells an app, lowest first, where what the API
    allows depends on it (X); a sandbox outlet may imitate one (its `plan`)."""
    keyed_posting: bool = False
    """A post is created under a key we choose (the delivery's `attempt_key`), which the
    platform keeps for good: an in-doubt delivery is looked up by that key, exactly, and
    never searched for among recent posts (Bluesky's record key)."""
    follows: bool = True
    """The account can follow others and list its followers. An organisation page on
    LinkedIn cannot: follow-back skips such an outlet, and a requested follow is refused
    with `why_not[FOLLOW]`."""
    private_answers: bool = False
    """A private message can be answered privately through the API (Mastodon: a `direct`
    status to the sender alone, under an Idempotency-Key). Where not, it is answered on the
    platform itself."""
    hide_deletes: bool = False
    """HIDE deletes the reply for good: the platform has no hiding, but the account may
    delete a comment on its own post (a LinkedIn page's admin). The person is told so
    before confirming; the evidence is required first, as for any hide."""
    media: MediaLimits | None = None
    """What may be attached to a post; None: nothing."""
    shares: bool = True
    """The API can read another account's post and repost or quote it (X, Mastodon,
    Bluesky). Where it cannot (a LinkedIn page: `why_not[SHARE]`), a quote goes as our
    text with the original's address, and a plain repost cannot go there."""
    polls: PollRules | None = None
    """Native polls and their limits; None: a post with a poll cannot go to this outlet
    (refused when it is submitted, not when it is sent)."""
    threads: bool = True
    """A post can answer our own previous post (a thread's next part)."""

    def cannot(self, request: str) -> str | None:
        """Why this platform cannot perform `request` (HIDE, BLOCK, REPORT), or None."""
        if request in self.moderation:
            return None
        why = self.why_not.get(request, f"the {self.label} API cannot {_VERBS[request]}")
        instead = " or ".join(_VERBS[r].split()[0] for r in sorted(self.moderation))
        return why + (f"; {instead} instead" if instead else "")


X = Capabilities(
    api="x", label="X", idempotent_posting=False, refuses_duplicates=True,
    moderation=frozenset({HIDE, BLOCK}),
    why_not={REPORT: "X has no report API; report the account on x.com"},
    max_length=280, counting=TWITTER_TEXT,
    # API v2: POST /2/users/:id/following, 50 requests per 15 minutes per user.
    follow_limit=(50, dt.timedelta(minutes=15)),
    plans=("free", "basic", "pro", "enterprise"),
    # v1.1 media/upload: images 5 MB (JPEG, PNG, GIF, WEBP), up to 4, a GIF alone; one
    # video (MP4, 512 MB), never with images; alt text (media/metadata/create) up to
    # 1,000 characters.
    media=MediaLimits(images=4, videos=1, mixed=False,
                      image_types=frozenset({JPEG, PNG, GIF, WEBP}),
                      video_types=frozenset({MP4}), image_bytes=5 * MB,
                      video_bytes=512 * MB, alt_length=1000, gif_alone=True),
    # POST /2/tweets poll: 2 to 4 options of up to 25 characters, 5 minutes to 7 days.
    polls=PollRules(max_options=4, option_length=25, min_minutes=5, max_minutes=7 * 24 * 60))

MASTODON = Capabilities(
    api="mastodon", label="Mastodon", idempotent_posting=True, refuses_duplicates=False,
    moderation=frozenset({BLOCK, REPORT}),
    why_not={HIDE: "Mastodon has no way to hide a reply"},
    max_length=500, counting=MASTODON_TEXT,
    follow_limit=(400, dt.timedelta(hours=24)), private_answers=True,
    # The defaults of Mastodon 4.3 (a server's own are read from /api/v2/instance before
    # an upload): 4 attachments, images 16 MB, video 99 MB, descriptions 1,500 characters.
    media=MediaLimits(images=4, videos=1, mixed=False,
                      image_types=frozenset({JPEG, PNG, GIF, WEBP}),
                      video_types=frozenset({MP4}), image_bytes=16 * MB,
                      video_bytes=99 * MB, alt_length=1500),
    # A server's defaults (its /api/v2/instance `configuration.polls`): 4 options of up to
    # 50 characters, open from 5 minutes to a month (2,629,746 seconds). A server's own,
    # read by the daemon, replace these (`inmm_tui.domain.polls.server_rules`).
    polls=PollRules(max_options=4, option_length=50, min_minutes=5, max_minutes=43829))

BLUESKY = Capabilities(
    api="bluesky", label="Bluesky", idempotent_posting=False, refuses_duplicates=False,
    keyed_posting=True, moderation=frozenset({HIDE, BLOCK, REPORT}), why_not={},
    # app.bsky.feed.post: text maxGraphemes 300.
    max_length=300, counting=GRAPHEMES,
    # The PDS's write budget: 5,000 points an hour, a created record costing 3.
    follow_limit=(1600, dt.timedelta(hours=1)),
    # app.bsky.embed.images: up to 4 images, each blob at most 1,000,000 bytes;
    # app.bsky.embed.video: one MP4 of at most 100,000,000 bytes. Alt text: the app's
    # 2,000 characters (the lexicon sets no maximum).
    media=MediaLimits(images=4, videos=1, mixed=False,
                      image_types=frozenset({JPEG, PNG, GIF, WEBP}),
                      video_types=frozenset({MP4}), image_bytes=1_000_000,
                      video_bytes=100_000_000, alt_length=2000))

LINKEDIN = Capabilities(
    api="linkedin", label="LinkedIn", idempotent_posting=False, refuses_duplicates=True,
    # The page's admin deletes a comment on the page's post (DELETE /rest/socialActions/
    # <post>/comments/<id>): LinkedIn's only way to take it out of view.
    moderation=frozenset({HIDE}), hide_deletes=True, follows=False, shares=False,
    threads=False,
    why_not={BLOCK: "LinkedIn's API cannot block a member from an organisation page",
             REPORT: "LinkedIn has no report API; report the member on linkedin.com",
             FOLLOW: "a LinkedIn organisation page cannot follow people",
             # Reshares (`reshareContext`) need the original's URN and the Community
             # Management API's reshare permission; not built: a quote goes as a link.
             SHARE: "a LinkedIn page cannot reshare through inmm-tui; quote it with a link"},
    # Posts API: `commentary` up to 3,000 characters. Counted in UTF-16 code units (the
    # length of a string in LinkedIn's Java and its composer's JavaScript): never less
    # than a count of code points, so a post that passes here is not refused there.
    max_length=3000, counting=UTF16,
    follow_limit=(0, dt.timedelta(days=1)),
    # Images API: JPG, GIF, PNG (no WebP); one image as `content.media`, up to 20 as
    # `content.multiImage`; `altText` up to 4,086 characters. Videos API: one MP4, as
    # `content.media`; a post carries images or one video, never both (`multiImage` takes
    # images only). Size: the lowest figure published for organic posts, 500 MB (media
    # guidelines of scheduling services; connector docs say 5 GB for the API itself):
    # the daemon reads a video whole into memory, and a refusal here costs less than one
    # from LinkedIn after the upload.
    media=MediaLimits(images=20, videos=1, mixed=False,
                      image_types=frozenset({JPEG, PNG, GIF}), video_types=frozenset({MP4}),
                      image_bytes=36 * MB, video_bytes=500 * MB, alt_length=4086))

CAPABILITIES: dict[str, Capabilities] = {c.api: c for c in (X, MASTODON, BLUESKY, LINKEDIN)}
"""API → what it can do; its keys are the APIs an outlet may speak."""


def for_api(api: str) -> Capabilities:
    """What platform API `api` can do; ValueError naming the known ones if unknown."""
    try:
        return CAPABILITIES[api]
    except KeyError:
        raise ValueError(f"unknown platform api {api!r} "
                         f"(expected one of {', '.join(CAPABILITIES)})") from None
