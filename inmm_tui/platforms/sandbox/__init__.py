"""The sandbox: a real HTTP server on 127.0.0.1 that speaks the subset of X API v2 (paths
under `/2/`), of the Mastodon API (under `/api/v1/`) and of Bluesky's XRPC API (under
`/xrpc/`, see `bluesky_api`) and of LinkedIn's versioned REST API (under `/rest/`, see
`linkedin_api`) that our adapters call, with the real services' JSON shapes,
status codes and rate-limit headers. State lives in memory.
It accepts the dummy credentials in `world.SANDBOX_X_CREDENTIALS`,
`world.SANDBOX_MASTODON_CREDENTIALS` and `world.SANDBOX_BLUESKY_CREDENTIALS` (the app
password of `inmmorg.bsky.social`; X wants OAuth 1.0a user context: an app-only bearer
token gets X's 403). Signatures are not verified; the token is.

Run it with `inmm-tui sandbox` (foreground), or in-process: `Sandbox(port=0).start()`.

Control API (JSON in, JSON out; `api` is "x", "mastodon", "bluesky" or "linkedin"; a
Bluesky account `name` is served as `name.bsky.social`, its id a DID, a post's id its
at:// URI; on LinkedIn our organisation page is `world.LINKEDIN_ME_ID` (token
`SANDBOX_LINKEDIN_CREDENTIALS`), another account a member (`urn:li:person:...`), a post
`urn:li:share:...`, and a post `in_reply_to` one of ours is a comment on it
(`urn:li:comment:(<post>,<n>)`); followers only count: LinkedIn lists none);
`SandboxControl` wraps it:

- `GET /_sandbox/state`: posts, followers, following, blocks, hidden replies, accounts,
  reports, faults, request counts per endpoint ("x GET /2/users/:id/followers").
- `POST /_sandbox/reset`: forget everything.
- `POST /_sandbox/faults {kind, api?, method?, path?, count?, seconds?, delay?, reset_in?}`:
  a fault for the next `count` matching requests (default 1) or for `seconds`; `path` is a
  prefix of the request path. `DELETE /_sandbox/faults` switches them all off.
- `POST /_sandbox/accounts {api, handle, name?, description?, garbage?}`: plant an
  account (spoofs); `garbage` as for followers.
- `POST /_sandbox/followers {api, handle, name?, description?, count?, garbage?}`: an
  account follows us (with `count`, that many: handle_1, handle_2, ...); `garbage` replaces
  fields of the account as served (a null leaves the field out): a malformed account.
- `POST /_sandbox/posts {api, handle, text, in_reply_to?, garbage?}`: that account posts;
  a reply to one of ours or an @mention of us is a mention; `garbage` as for followers.
  Mastodon also takes `created_at` (ISO time: a reply written then on a slow server and
  arriving now, its id a snowflake of then), `visibility` (public, unlisted, private,
  direct) and `withheld` (its notification comes with `"status": null`).
- `POST /_sandbox/metrics {api, id, reposts?, replies?, likes?, quotes?, impressions?}`.
- `POST /_sandbox/settings {follow_limit?, follow_window?, idempotency_window?, tokens?:
  {x: [...], ...}, x_plan?, x_daily_posts?}`: X's follow limit (default 50 per 900 s), how
  many seconds Mastodon remembers an Idempotency-Key (default 3600), the access tokens
  accepted, X's access level (`free`, `basic`, `pro`, `enterprise`: the endpoints it lacks
  answer 403 `client-not-enrolled`; empty, the default: all answer; a sandbox X outlet's
  `plan` in the configuration sets it), and X's 24-hour posting cap (null: none);
  `media_processing_polls` (how many status checks a video's processing takes, default
  1; 0: ready at once), `media_processing_fails` (LinkedIn: a video's processing
  fails), `mastodon_max_attachments` (the server's own number in
  `/api/v2/instance`, default 4) and `mastodon_polls` (any of `max_options`,
  `max_characters_per_option`, `min_expiration`, `max_expiration` in seconds: the
  server's own poll limits, given in `/api/v2/instance` and applied to its polls;
  defaults 4, 50, 300 and 2629746).

Media uploads, as each service takes them (the state shows each post's `media`: upload
id, MIME type, size, SHA-256 and alt text):
- X, API v1.1 under `/1.1/`: `POST /1.1/media/upload.json` as a simple multipart upload
  (200 with `media_id_string` and `image`) or chunked (`INIT` 202, `APPEND` 204,
  `FINALIZE` 201 with `processing_info` for a video, `GET ...?command=STATUS` until
  `succeeded`); `POST /1.1/media/metadata/create.json` sets the alt text; `POST /2/tweets`
  takes `media.media_ids` (a processing or unknown id is X's 400 "Your media IDs are
  invalid."), and the tweet's text then ends with X's t.co link to the media, its entity
  naming a `media_key`.
- Mastodon: `POST /api/v2/media` (multipart `file`, `description`) answers 200 with the
  attachment's `url`, or 202 with `url` null while a video is processed;
  `GET /api/v1/media/:id` answers 206 until the url is set, then 200; a status's
  `media_ids[]` must be processed (else 422); `GET /api/v2/instance` gives the server's
  `configuration.media_attachments` and `statuses.max_media_attachments`.
- Bluesky: `com.atproto.repo.uploadBlob` (raw bytes; the blob's CID from its SHA-256, its
  type sniffed) and a post's `app.bsky.embed.images` (1 to 4, `alt` required) or
  `app.bsky.embed.video`, each blob checked as uploaded, of its type and size.
- LinkedIn: `POST /rest/images?action=initializeUpload` gives an `uploadUrl` (served here
  under `/dms-uploads/`) and the `urn:li:image:...`; `PUT` the bytes there (201); a post's
  `content.media` (one) or `content.multiImage.images` (2 to 20) name uploaded images
  with their `altText`. A video: `POST /rest/videos?action=initializeUpload` (`owner`,
  `fileSizeBytes`) gives the `urn:li:video:...` and one upload URL per 4 MiB part
  (`firstByte`, `lastByte`); each part is `PUT` there (200, its `etag` header);
  `?action=finalizeUpload` names the ETags in order; `GET /rest/videos/<urn>` gives its
  `status` (PROCESSING for `media_processing_polls` looks, then AVAILABLE, or
  PROCESSING_FAILED with `processingFailureReason` for a file that is not MP4 or while
  the setting `media_processing_fails` is true); `content.media` may name it once
  AVAILABLE, never with images.

Fault kinds: `unavailable` (503), `rate_limit` (429 with `x-rate-limit-reset` epoch
seconds on X, `X-RateLimit-Reset` ISO time on Mastodon; `reset_in` seconds ahead,
default 60), `slow` (answers after `delay` seconds, default 2: set it above the client's
timeout; the action still happens unless the sandbox is reset meanwhile), `truncated`
(the action happens, half the body is sent, the connection closed), `non_json` (a
proxy's HTML page with 200; nothing happens),
`duplicate` (X's 403 duplicate content), `lost` (the action happens, no answer at all),
`unauthorized` (401), `wrong_shape` (200 with JSON that is not the endpoint's shape;
nothing happens), and on X only: `daily_cap` (429 from the 24-hour posting cap, its
`x-user-limit-24hour-reset` `reset_in` seconds ahead, the 15-minute window not spent),
`usage_cap` (429 `UsageCapExceeded`, the monthly cap), `not_enrolled` (403
`client-not-enrolled`, the plan lacks the endpoint).

X's answers show tweets as X does: links in `text` wrapped as `https://t.co/<id>`, `&`, `<`
and `>` HTML-escaped, the real link only in `entities.urls[].expanded_url`, and the fields
beyond id and text (`created_at`, `author_id`, `entities`, ...) only when `tweet.fields`
asks for them; users only id, name and username unless `user.fields` asks for more; the
authors in `includes` only with `expansions=author_id`; pagination tokens opaque (a token
it did not issue is a 400); every answer with the endpoint's `x-rate-limit-*` headers
(counted over 15 minutes; enforced only for follows). The control API's state shows each
post's text as it was posted.

X's follow endpoint enforces its own limit (50 per 15 minutes) with a real 429 and reset
header; Mastodon honours `Idempotency-Key` (same token and key: the first status again,
no second post) for an hour, as the real one does, then forgets it; its statuses carry
HTML `content`, and `GET /api/v1/statuses/:id/source` gives one's own status's plain text.
Mastodon's `content` is its real HTML (h-card mentions, links in `invisible`/`ellipsis`
spans, hashtag links, `:emoji:` as text); notifications are paged by their own ids (the
order of arrival); every full page has a `next` Link; every answer carries
`X-RateLimit-Limit/-Remaining/-Reset` (an ISO 8601 time, 300 per 5 minutes, not enforced).
The `wrong_shape` fault answers 200 with a JSON object that is no Mastodon entity.
"""

from inmm_tui.platforms.sandbox.control import SandboxControl
from inmm_tui.platforms.sandbox.server import Sandbox
from inmm_tui.platforms.sandbox.world import (
    SANDBOX_BLUESKY_CREDENTIALS,
    SANDBOX_LINKEDIN_CREDENTIALS,
    SANDBOX_MASTODON_CREDENTIALS,
    SANDBOX_X_CREDENTIALS,
)

__all__ = ["SANDBOX_BLUESKY_CREDENTIALS", "SANDBOX_LINKEDIN_CREDENTIALS",
           "SANDBOX_MASTODON_CREDENTIALS", "SANDBOX_X_CREDENTIALS", "Sandbox", "SandboxControl"]
