"""The sandbox's LinkedIn API (the versioned REST API, under `/rest/`): the calls our adapter
makes for an organisation page, built from LinkedIn's published documentation (Microsoft
Learn, "LinkedIn Marketing API"), not from anyone's recordings:

- Posts API (learn.microsoft.com/linkedin/marketing/community-management/shares/posts-api):
  `POST /rest/posts` answers 201 with an empty body and the new post's URN in the
  `x-restli-id` header; `GET /rest/posts?q=author&author=<urn>` (the "find posts by
  author" finder, `start`/`count` paging, `count` at most 100, newest first) and
  `GET /rest/posts/<urn>` give posts with `id`, `author`, `commentary`, `createdAt`
  (epoch milliseconds), ...; `DELETE /rest/posts/<urn>` answers 204.
- Little text format (.../community-management/shares/little-text-format): `commentary`
  is "little" text, where ``| { } @ [ ] ( ) < > # \\ * _ ~`` are reserved and must be
  escaped with a backslash to be plain text. A reserved character left unescaped that
  forms no element cuts the post short there (the behaviour integrators report: the
  API says 201 and the page shows the text up to that character); on reading, a hashtag
  comes back as its template `{hashtag|\\#|tag}`.
- Organization Lookup API (.../community-management/organizations/organization-lookup-api):
  `GET /rest/organizations/<id>`, `GET /rest/organizations?q=vanityName&vanityName=...`.
- Network sizes (.../organizations/organization-lookup-api#retrieve-organization-follower-count):
  `GET /rest/networkSizes/<org urn>?edgeType=COMPANY_FOLLOWED_BY_MEMBER` gives
  `{"firstDegreeSize": n}`.
- Share statistics (.../organizations/share-statistics):
  `GET /rest/organizationalEntityShareStatistics?q=organizationalEntity&...&shares=List(...)`.
- Versioning and Rest.li (.../versioning, shared/api-guide/concepts/protocol-version):
  every call carries `LinkedIn-Version: YYYYMM`; posts are written with
  `X-Restli-Protocol-Version: 2.0.0`.
- Errors are `{"status", "serviceErrorCode", "code", "message"}`; a 429 carries no reset
  header (shared/api-guide/concepts/rate-limits: the daily limits reset at midnight UTC).
- Refresh tokens (shared/authentication/programmatic-refresh-tokens):
  `POST https://www.linkedin.com/oauth/v2/accessToken`, form-encoded `grant_type=
  refresh_token`, `refresh_token`, `client_id`, `client_secret`, answers `{access_token,
  expires_in, refresh_token, refresh_token_expires_in, scope}`; the refresh token is the
  same one, its `refresh_token_expires_in` what is left of its year. A refresh token that
  is expired or revoked gets 400 `{"error": "invalid_request", "error_description": ...}`,
  a wrong client 401 `{"error": "invalid_client", ...}`. Here under `/oauth/v2/`.
- Comments API (.../community-management/shares/comments-api): `POST /rest/socialActions/
  <post or comment urn>/comments` with `{actor, object, message: {text}, parentComment?}`
  answers 201 with the comment; `DELETE /rest/socialActions/<post urn>/comments/<comment
  id>?actor=<organisation urn>` deletes a comment on the organisation's post as its admin
  (204).

The post's text the control API's state shows is the text as the page shows it (the
little text rendered), so a test sees what LinkedIn's readers would.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import time
from typing import Any
from urllib.parse import unquote

from inmm_tui.platforms.sandbox.common import Answer, Request, route, sniff, with_garbage
from inmm_tui.platforms.sandbox.world import (
    LINKEDIN,
    LINKEDIN_ACCESS_SECONDS,
    LINKEDIN_ME_ID,
    LINKEDIN_ORG_ID,
    SANDBOX_LINKEDIN_APP,
    SbPost,
    World,
)

RESERVED = frozenset("|{}@[]()<>#\\*_~")
"""Little text's reserved characters."""
MAX_COMMENTARY = 3000
"""The Posts API's limit on `commentary`, counted (here) in UTF-16 code units of the text
as shown."""
VERSION = re.compile(r"^\d{6}(\.\d{2})?$")
VANITY = "inmmorg"


def li_error(status: int, code: str, message: str, service_code: int = 0) -> Answer:
    body: dict[str, Any] = {"status": status, "code": code, "message": message}
    if service_code:
        body["serviceErrorCode"] = service_code
    return Answer(status, body)


def linkedin_fault(kind: str) -> Answer | None:
    """The shared faults as LinkedIn answers them; None for those the server shapes alike
    for every API (`non_json`) or that LinkedIn has no form of."""
    if kind == "unavailable":
        return li_error(503, "SERVICE_UNAVAILABLE", "Service Unavailable")
    if kind == "rate_limit":
        return li_error(429, "TOO_MANY_REQUESTS", "Resource level throttle APPLICATION DAY "
                        "limit for calls to this resource is reached.", 101)
    if kind == "unauthorized":
        return li_error(401, "INVALID_ACCESS_TOKEN", "Invalid access token", 65600)
    if kind == "wrong_shape":
        return Answer(200, {"title": "Service", "status": "ok", "data": []})
    if kind == "duplicate":
        return li_error(422, "DUPLICATE_POST", "Content is a duplicate of urn:li:share:1")
    return None


def authenticate(world: World, request: Request) -> Answer | None:
    """The bearer token (OAuth 2), and the version header every versioned call needs.
    The OAuth endpoint itself takes the app's client id and secret instead."""
    if request.path.startswith("/oauth/"):
        return None
    header = request.headers.get("authorization", "")
    request.token = header.removeprefix("Bearer ").strip() if header.startswith("Bearer ") else ""
    if not request.token or request.token not in world.tokens[LINKEDIN]:
        return li_error(401, "INVALID_ACCESS_TOKEN", "Invalid access token", 65600)
    if not VERSION.match(request.headers.get("linkedin-version", "")):
        return li_error(400, "VERSION_MISSING", "A version must be present. Please specify a "
                        "version by adding the LinkedIn-Version header.")
    return None


# ---- little text ------------------------------------------------------------------------------


def render(little: str) -> str:
    """The text a reader sees: escapes undone, a hashtag as `#tag`, a mention
    `@[Name](urn)` as the name; an unescaped reserved character that starts no element
    ends the text there."""
    out: list[str] = []
    i = 0
    while i < len(little):
        char = little[i]
        if char == "\\" and i + 1 < len(little) and little[i + 1] in RESERVED:
            out.append(little[i + 1])
            i += 2
            continue
        if char not in RESERVED:
            out.append(char)
            i += 1
            continue
        tag = _hashtag_at(little, i)
        if tag:
            out.append(little[i:i + tag])
            i += tag
            continue
        template = re.match(r"\{hashtag\|\\#\|(\w+)\}", little[i:])
        if template:
            out.append("#" + template.group(1))
            i += template.end()
            continue
        mention = re.match(r"@\[([^\]]*)\]\(urn:li:(?:person|organization):\w+\)", little[i:])
        if mention:
            out.append(mention.group(1))
            i += mention.end()
            continue
        break  # unescaped markup that is no element: the rest is lost
    return "".join(out)


def _hashtag_at(text: str, i: int) -> int:
    """The length of the hashtag element `#word` starting at `i`, or 0."""
    if text[i] != "#" or (i > 0 and (text[i - 1].isalnum() or text[i - 1] == "\\")):
        return 0
    end = i + 1
    while end < len(text) and text[end].isalnum():
        end += 1
    return end - i if end > i + 1 else 0


def as_read(little: str) -> str:
    """The commentary as the API gives it back: hashtags in their template."""
    out, i = [], 0
    while i < len(little):
        if little[i] == "\\" and i + 1 < len(little):
            out.append(little[i:i + 2])
            i += 2
            continue
        tag = _hashtag_at(little, i)
        if tag:
            out.append("{hashtag|\\#|" + little[i + 1:i + tag] + "}")
            i += tag
            continue
        out.append(little[i])
        i += 1
    return "".join(out)


# ---- organisations ------------------------------------------------------------------------


def _organization(world: World) -> dict[str, Any]:
    me = world.me(LINKEDIN)
    return {"id": int(LINKEDIN_ORG_ID), "$URN": LINKEDIN_ME_ID, "vanityName": VANITY,
            "localizedName": me.name, "localizedDescription": me.description,
            "localizedWebsite": "https://www.inmm.org", "primaryOrganizationType": "NONE",
            "versionTag": "1"}


@route("GET", r"/rest/organizations/(?P<id>\d+)")
def get_organization(world: World, request: Request) -> Answer:
    if request.params["id"] != LINKEDIN_ORG_ID:
        raise li_error(404, "NOT_FOUND", f"Organization {request.params['id']} not found")
    return Answer(200, _organization(world))


@route("GET", r"/rest/organizations/?")
def find_organizations(world: World, request: Request) -> Answer:
    if request.q("q") != "vanityName":
        raise li_error(400, "ILLEGAL_ARGUMENT", "q: expected vanityName")
    wanted = (request.q("vanityName") or "").lower()
    return Answer(200, {"elements": [_organization(world)] if wanted == VANITY else [],
                        "paging": {"start": 0, "count": 10, "links": []}})


@route("GET", r"/rest/networkSizes/(?P<urn>[^/]+)")
def network_size(world: World, request: Request) -> Answer:
    if unquote(request.params["urn"]) != LINKEDIN_ME_ID:
        raise li_error(403, "ACCESS_DENIED", "Not enough permissions to access this organization", 100)
    if request.q("edgeType") != "COMPANY_FOLLOWED_BY_MEMBER":
        raise li_error(400, "ILLEGAL_ARGUMENT", "edgeType: expected COMPANY_FOLLOWED_BY_MEMBER")
    return Answer(200, {"firstDegreeSize": len(world.followers[LINKEDIN])})


# ---- posts ------------------------------------------------------------------------------------


def _millis(moment: dt.datetime) -> int:
    return int(moment.timestamp() * 1000)


def _post(world: World, post: SbPost) -> dict[str, Any]:
    commentary = world.li_commentary.get(post.id, post.text)
    at = _millis(post.created_at)
    return {"id": post.id, "author": post.author_id, "commentary": as_read(commentary),
            "visibility": "PUBLIC", "lifecycleState": "PUBLISHED",
            "distribution": {"feedDistribution": "MAIN_FEED", "targetEntities": [],
                             "thirdPartyDistributionChannels": []},
            "isReshareDisabledByAuthor": False, "createdAt": at, "publishedAt": at,
            "lastModifiedAt": at, "lifecycleStateInfo": {"isEditedByAuthor": False},
            **({"content": {"article": world.li_articles[post.id]}}
               if post.id in world.li_articles else {})}


@route("POST", r"/rest/posts/?")
def create_post(world: World, request: Request) -> Answer:
    if request.headers.get("x-restli-protocol-version") != "2.0.0":
        raise li_error(400, "ILLEGAL_ARGUMENT", "X-Restli-Protocol-Version 2.0.0 is required")
    body = request.json()
    if body.get("author") != LINKEDIN_ME_ID:
        raise li_error(403, "ACCESS_DENIED", f"Not enough permissions to post as "
                       f"{body.get('author')!r}", 100)
    commentary = body.get("commentary")
    if not isinstance(commentary, str):
        raise li_error(422, "UNPROCESSABLE_ENTITY", "/commentary :: field is required")
    for name, wanted in (("visibility", "PUBLIC"), ("lifecycleState", "PUBLISHED")):
        if body.get(name) != wanted:
            raise li_error(422, "UNPROCESSABLE_ENTITY", f"/{name} :: expected {wanted}")
    if not isinstance(body.get("distribution"), dict):
        raise li_error(422, "UNPROCESSABLE_ENTITY", "/distribution :: field is required")
    shown = render(commentary)
    if len(shown.encode("utf-16-le")) // 2 > MAX_COMMENTARY:
        raise li_error(422, "UNPROCESSABLE_ENTITY", f"/commentary :: length exceeds "
                       f"{MAX_COMMENTARY} characters")
    for earlier in world.live_posts(LINKEDIN, LINKEDIN_ME_ID):
        if world.li_commentary.get(earlier.id) == commentary:
            raise li_error(422, "DUPLICATE_POST", f"Content is a duplicate of {earlier.id}")
    images = _content_images(world, body.get("content"))
    card = _content_article(body.get("content"))
    post = world.add_post(LINKEDIN, world.me(LINKEDIN), shown)
    world.attach(LINKEDIN, post, images)
    world.li_commentary[post.id] = commentary
    if card is not None:
        world.li_articles[post.id] = card
    return Answer(201, b"", {"x-restli-id": post.id, "x-linkedin-id": post.id})


def _content_article(content: Any) -> dict[str, str] | None:
    """A post's `content.article` (shares/posts-api#article: `source` and `title`
    required, `description` optional), checked as LinkedIn checks it."""
    card = content.get("article") if isinstance(content, dict) else None
    if card is None:
        return None
    if not isinstance(card, dict):
        raise li_error(422, "UNPROCESSABLE_ENTITY", "/content/article :: expected an object")
    for field in ("source", "title"):
        if not isinstance(card.get(field), str) or not card[field].strip():
            raise li_error(422, "UNPROCESSABLE_ENTITY",
                           f"/content/article/{field} :: field is required")
    if not card["source"].startswith(("http://", "https://")):
        raise li_error(422, "UNPROCESSABLE_ENTITY", "/content/article/source :: not a URL")
    return {k: str(v) for k, v in card.items() if k in ("source", "title", "description")}


def _content_images(world: World, content: Any) -> list[str]:
    """The image or video URNs of a post's `content` (`media` for one image or one video,
    `multiImage` for 2 to 20 images), each uploaded (a video processed: AVAILABLE); their
    `altText` noted on the uploads."""
    if content is None:
        return []
    items: Any
    if isinstance(content, dict) and "media" in content:
        items, where = [content["media"]], "/content/media"
    elif isinstance(content, dict) and "multiImage" in content:
        items = (content["multiImage"] or {}).get("images")
        where = "/content/multiImage/images"
        if not isinstance(items, list) or not 2 <= len(items) <= 20:
            raise li_error(422, "UNPROCESSABLE_ENTITY", f"{where} :: between 2 and 20 images")
    else:
        return []  # an article or another kind of content: no image of ours
    found = []
    for item in items:
        urn = str((item or {}).get("id", "")) if isinstance(item, dict) else ""
        upload = world.uploads[LINKEDIN].get(urn)
        video = urn.startswith("urn:li:video:")
        if video and where != "/content/media":
            raise li_error(422, "UNPROCESSABLE_ENTITY", f"{where}/id :: {urn} is a video; "
                           "multiImage takes images only")
        if upload is None or upload["state"] != "ready":
            kind = "an available video" if video else "an uploaded image"
            raise li_error(422, "UNPROCESSABLE_ENTITY",
                           f"{where}/id :: {urn or 'missing'} is not {kind}")
        alt = item.get("altText")
        if alt is not None and (not isinstance(alt, str) or len(alt) > LI_ALT_LIMIT):
            raise li_error(422, "UNPROCESSABLE_ENTITY",
                           f"{where}/altText :: at most {LI_ALT_LIMIT} characters")
        upload["alt"] = alt or ""
        found.append(urn)
    return found


# ---- Images API (.../community-management/shares/images-api) ---------------------------------


LI_IMAGE_TYPES = ("image/jpeg", "image/png", "image/gif")
LI_ALT_LIMIT = 4086


@route("POST", r"/rest/images/?")
def initialize_image_upload(world: World, request: Request) -> Answer:
    if request.q("action") != "initializeUpload":
        raise li_error(400, "ILLEGAL_ARGUMENT", "action: expected initializeUpload")
    owner = (request.json().get("initializeUploadRequest") or {}).get("owner")
    if owner != LINKEDIN_ME_ID:
        raise li_error(403, "ACCESS_DENIED", f"Not enough permissions to upload as {owner!r}", 100)
    key = world.new_id(LINKEDIN)
    urn = f"urn:li:image:D4E10AQ{key}"
    upload = world.add_upload(LINKEDIN, urn, b"", "")
    upload["state"] = "waiting upload"
    expires = int((dt.datetime.now(dt.UTC) + dt.timedelta(hours=24)).timestamp() * 1000)
    return Answer(200, {"value": {
        "uploadUrlExpiresAt": expires, "image": urn,
        "uploadUrl": f"{request.base_url}/dms-uploads/sp/{key}/uploaded-image/0"
                     f"?ca=vector_feedshare&cn=uploads&m=AQ{key}&app=1953784&sync=0"}})


@route("PUT", r"/dms-uploads/sp/(?P<key>\d+)/uploaded-image/0")
def upload_image(world: World, request: Request) -> Answer:
    urn = f"urn:li:image:D4E10AQ{request.params['key']}"
    upload = world.uploads[LINKEDIN].get(urn)
    mime = sniff(request.body)
    if upload is None:
        raise li_error(404, "NOT_FOUND", "no such upload")
    if mime not in LI_IMAGE_TYPES:
        raise li_error(400, "BAD_REQUEST", f"unsupported media type {mime or 'unknown'}")
    upload.update(data=request.body, mime=mime, state="ready",
                  sha256=hashlib.sha256(request.body).hexdigest())
    return Answer(201, b"")


@route("GET", r"/rest/images/(?P<urn>[^/]+)")
def get_image(world: World, request: Request) -> Answer:
    urn = unquote(request.params["urn"])
    upload = world.uploads[LINKEDIN].get(urn)
    if upload is None:
        raise li_error(404, "NOT_FOUND", f"Image {urn} not found")
    status = "AVAILABLE" if upload["state"] == "ready" else "WAITING_UPLOAD"
    return Answer(200, {"id": urn, "owner": LINKEDIN_ME_ID, "status": status,
                        "mediaType": upload["mime"] or None})


# ---- Videos API (.../community-management/shares/videos-api) ---------------------------------


LI_VIDEO_PART = 4 * 1024 * 1024
"""Each part of a video's upload is 4 MiB (4,194,304 bytes), the last one the rest."""
LI_VIDEO_MAX = 5 * 1024 * 1024 * 1024
LI_VIDEO_STATUS = {"waiting upload": "WAITING_UPLOAD", "processing": "PROCESSING",
                   "ready": "AVAILABLE", "failed": "PROCESSING_FAILED"}


def _video_urn(key: str) -> str:
    return f"urn:li:video:C5F10AQ{key}"


@route("POST", r"/rest/videos/?")
def video_action(world: World, request: Request) -> Answer:
    """`?action=initializeUpload` registers a video (its owner and size) and gives one
    upload URL per 4 MiB part; `?action=finalizeUpload` names the parts uploaded (each
    part's ETag, in order), after which the video is processed."""
    action = request.q("action")
    if action == "initializeUpload":
        return _initialize_video(world, request)
    if action == "finalizeUpload":
        return _finalize_video(world, request)
    raise li_error(400, "ILLEGAL_ARGUMENT", "action: expected initializeUpload or finalizeUpload")


def _initialize_video(world: World, request: Request) -> Answer:
    body = request.json().get("initializeUploadRequest") or {}
    owner, size = body.get("owner"), body.get("fileSizeBytes")
    if owner != LINKEDIN_ME_ID:
        raise li_error(403, "ACCESS_DENIED", "Accessing this video resource is forbidden. "
                       "Please check your permissions for this resource", 100)
    if not isinstance(size, int) or isinstance(size, bool) or not 0 < size <= LI_VIDEO_MAX:
        raise li_error(422, "UNPROCESSABLE_ENTITY", "/initializeUploadRequest/fileSizeBytes "
                       f":: between 1 and {LI_VIDEO_MAX} bytes")
    if body.get("uploadCaptions") or body.get("uploadThumbnail"):
        raise li_error(400, "ILLEGAL_ARGUMENT", "captions and thumbnails are not served by "
                       "this sandbox")
    key = world.new_id(LINKEDIN)
    upload = world.add_upload(LINKEDIN, _video_urn(key), b"", "")
    ranges = [(first, min(first + LI_VIDEO_PART, size) - 1)
              for first in range(0, size, LI_VIDEO_PART)]
    upload.update(state="waiting upload", size=size, parts={}, ranges=ranges)
    expires = int((dt.datetime.now(dt.UTC) + dt.timedelta(hours=24)).timestamp() * 1000)
    return Answer(200, {"value": {
        "uploadUrlsExpireAt": expires, "video": _video_urn(key), "uploadToken": "",
        "uploadInstructions": [
            {"uploadUrl": f"{request.base_url}/dms-uploads/sp/v2/{key}/uploadedVideo/{n}"
                          f"?ca=vector_feedshare&cn=uploads&m=AQ{key}&app=1953784",
             "firstByte": first, "lastByte": last}
            for n, (first, last) in enumerate(ranges)]}})


@route("PUT", r"/dms-uploads/sp/v2/(?P<key>\d+)/uploadedVideo/(?P<part>\d+)")
def upload_video_part(world: World, request: Request) -> Answer:
    """One part's bytes; the answer's `etag` header names it for `finalizeUpload`."""
    upload = world.uploads[LINKEDIN].get(_video_urn(request.params["key"]))
    part = int(request.params["part"])
    if upload is None or part >= len(upload["ranges"]):
        raise li_error(404, "NOT_FOUND", "no such upload")
    first, last = upload["ranges"][part]
    if len(request.body) != last - first + 1:
        raise li_error(400, "BAD_REQUEST", f"part {part}: expected {last - first + 1} bytes, "
                       f"got {len(request.body)}")
    etag = "/ambry-video/signedId/" + hashlib.sha256(request.body).hexdigest()[:40]
    upload["parts"][part] = (etag, request.body)
    return Answer(200, b"", {"etag": etag})


def _finalize_video(world: World, request: Request) -> Answer:
    body = request.json().get("finalizeUploadRequest") or {}
    urn, etags = body.get("video"), body.get("uploadedPartIds")
    upload = world.uploads[LINKEDIN].get(str(urn))
    if upload is None or not str(urn).startswith("urn:li:video:"):
        raise li_error(404, "NOT_FOUND", f"Video {urn} not found")
    if upload["state"] != "waiting upload":
        raise li_error(400, "BAD_REQUEST", f"Video {urn} is already finalized")
    if body.get("uploadToken") != "":
        raise li_error(400, "BAD_REQUEST", "/finalizeUploadRequest/uploadToken :: expected "
                       "the token initializeUpload gave")
    parts = upload["parts"]
    wanted = [parts[n][0] for n in sorted(parts)]
    if len(parts) != len(upload["ranges"]) or etags != wanted:
        raise li_error(400, "BAD_REQUEST", "/finalizeUploadRequest/uploadedPartIds :: "
                       "expected the ETag of every part, in order")
    data = b"".join(parts[n][1] for n in sorted(parts))
    upload.update(data=data, mime=sniff(data) or "", sha256=hashlib.sha256(data).hexdigest(),
                  state="processing", polls=world.media_processing_polls)
    if upload["mime"] != "video/mp4" or world.media_processing_fails:
        upload.update(state="failed", reason="Video processing failed: the file could not "
                      "be transcoded" if upload["mime"] == "video/mp4"
                      else "Video processing failed: not an MP4 file")
    elif not upload["polls"]:
        upload["state"] = "ready"
    return Answer(200, b"")


@route("GET", r"/rest/videos/(?P<urn>[^/]+)")
def get_video(world: World, request: Request) -> Answer:
    """The video and its `status`; each look takes its processing one step further."""
    urn = unquote(request.params["urn"])
    upload = world.poll_upload(LINKEDIN, urn) if urn.startswith("urn:li:video:") else None
    if upload is None:
        raise li_error(404, "NOT_FOUND", f"Video {urn} not found")
    answer: dict[str, Any] = {"id": urn, "owner": LINKEDIN_ME_ID,
                              "status": LI_VIDEO_STATUS[upload["state"]],
                              "uploadedAt": _millis(dt.datetime.now(dt.UTC))}
    if upload["state"] == "failed":
        answer["processingFailureReason"] = upload["reason"]
    return Answer(200, answer)


def _our_post(world: World, request: Request) -> SbPost:
    urn = unquote(request.params["urn"])
    post = world.posts[LINKEDIN].get(urn)
    if post is None or post.deleted:
        raise li_error(404, "NOT_FOUND", f"Post {urn} not found")
    return post


@route("GET", r"/rest/posts/(?P<urn>[^/]+)")
def get_post(world: World, request: Request) -> Answer:
    return Answer(200, _post(world, _our_post(world, request)))


@route("DELETE", r"/rest/posts/(?P<urn>[^/]+)")
def delete_post(world: World, request: Request) -> Answer:
    _our_post(world, request).deleted = True
    return Answer(204, b"")


@route("GET", r"/rest/posts")
def find_posts(world: World, request: Request) -> Answer:
    if request.q("q") != "author":
        raise li_error(400, "ILLEGAL_ARGUMENT", "q: expected author")
    author = request.q("author") or ""
    if author != LINKEDIN_ME_ID:
        raise li_error(403, "ACCESS_DENIED", f"Not enough permissions to read {author!r}", 100)
    try:
        start, count = int(request.q("start") or 0), int(request.q("count") or 10)
    except ValueError:
        raise li_error(400, "ILLEGAL_ARGUMENT", "start and count must be numbers") from None
    if start < 0 or not 1 <= count <= 100:
        raise li_error(400, "ILLEGAL_ARGUMENT", "count must be between 1 and 100")
    posts = world.live_posts(LINKEDIN, LINKEDIN_ME_ID)
    page = posts[start:start + count]
    links = []
    if start + count < len(posts):
        links.append({"type": "application/json", "rel": "next",
                      "href": f"/rest/posts?q=author&author={author}&start={start + count}"
                      f"&count={count}"})
    return Answer(200, {"elements": [_post(world, p) for p in page],
                        "paging": {"start": start, "count": count, "links": links,
                                   "total": len(posts)}})


@route("GET", r"/rest/organizationalEntityShareStatistics")
def share_statistics(world: World, request: Request) -> Answer:
    if request.q("q") != "organizationalEntity" or request.q("organizationalEntity") != LINKEDIN_ME_ID:
        raise li_error(400, "ILLEGAL_ARGUMENT", "q=organizationalEntity with our organisation")
    listed = request.q("shares") or ""
    found = re.fullmatch(r"List\((.*)\)", listed)
    if not found:
        raise li_error(400, "ILLEGAL_ARGUMENT", "shares: expected List(urn,...)")
    elements = []
    for urn in filter(None, (unquote(u) for u in found.group(1).split(","))):
        post = world.posts[LINKEDIN].get(urn)
        if post is None or post.deleted:
            continue
        elements.append({"share": urn, "organizationalEntity": LINKEDIN_ME_ID,
                         "totalShareStatistics": {
                             "shareCount": post.reposts, "commentCount": post.replies,
                             "likeCount": post.likes, "impressionCount": post.impressions,
                             "uniqueImpressionsCount": post.impressions, "clickCount": 0,
                             "engagement": 0.0}})
    return Answer(200, {"elements": elements, "paging": {"start": 0, "count": 10, "links": []}})


# ---- comments ---------------------------------------------------------------------------------


def _comment(world: World, comment: SbPost) -> dict[str, Any]:
    """A comment as the Comments API gives it (.../shares/comments-api)."""
    at = _millis(comment.created_at)
    number = comment.id.rsplit(",", 1)[-1].rstrip(")")
    body = {"actor": comment.author_id, "commentUrn": comment.id, "$URN": comment.id,
            "id": number, "object": comment.in_reply_to,
            "message": {"text": comment.text, "attributes": []},
            "created": {"actor": comment.author_id, "time": at},
            "lastModified": {"actor": comment.author_id, "time": at}}
    return with_garbage(body, comment)


@route("GET", r"/rest/socialActions/(?P<urn>[^/]+)/comments")
def list_comments(world: World, request: Request) -> Answer:
    """The comments on a post (or the replies to a comment), oldest first."""
    urn = unquote(request.params["urn"])
    post = world.posts[LINKEDIN].get(urn)
    if post is None or post.deleted:
        raise li_error(404, "NOT_FOUND", f"{urn} not found")
    try:
        start, count = int(request.q("start") or 0), int(request.q("count") or 10)
    except ValueError:
        raise li_error(400, "ILLEGAL_ARGUMENT", "start and count must be numbers") from None
    if start < 0 or not 1 <= count <= 100:
        raise li_error(400, "ILLEGAL_ARGUMENT", "count must be between 1 and 100")
    comments = sorted((c for c in world.posts[LINKEDIN].values()
                       if c.in_reply_to == urn and not c.deleted), key=lambda c: c.created_at)
    page = comments[start:start + count]
    return Answer(200, {"elements": [_comment(world, c) for c in page],
                        "paging": {"start": start, "count": count, "total": len(comments),
                                   "links": []}})


@route("POST", r"/rest/socialActions/(?P<urn>[^/]+)/comments")
def create_comment(world: World, request: Request) -> Answer:
    """A comment by the organisation on a post, or a reply within a comment's thread."""
    target = unquote(request.params["urn"])
    body = request.json()
    if body.get("actor") != LINKEDIN_ME_ID:
        raise li_error(403, "ACCESS_DENIED", f"Not enough permissions to comment as "
                       f"{body.get('actor')!r}", 100)
    message = body.get("message")
    if not isinstance(message, dict) or not isinstance(message.get("text"), str):
        raise li_error(422, "UNPROCESSABLE_ENTITY", "/message/text :: field is required")
    parent = world.posts[LINKEDIN].get(target)
    if parent is None or parent.deleted:
        raise li_error(404, "NOT_FOUND", f"{target} not found")
    if target.startswith("urn:li:comment:") and body.get("parentComment") != target:
        raise li_error(422, "UNPROCESSABLE_ENTITY", "/parentComment :: must be the comment "
                       "replied to")
    comment = world.add_post(LINKEDIN, world.me(LINKEDIN), message["text"], target)
    return Answer(201, _comment(world, comment),
                  {"x-restli-id": comment.id.rsplit(",", 1)[-1].rstrip(")")})


@route("DELETE", r"/rest/socialActions/(?P<urn>[^/]+)/comments/(?P<id>[^/]+)")
def delete_comment(world: World, request: Request) -> Answer:
    """Delete a comment on one of our posts, as the page's admin (`actor`)."""
    target = unquote(request.params["urn"])
    if request.q("actor") != LINKEDIN_ME_ID:
        raise li_error(403, "ACCESS_DENIED", "Not enough permissions to delete this comment", 100)
    post = world.posts[LINKEDIN].get(target)
    if post is None or post.author_id != LINKEDIN_ME_ID:
        raise li_error(403, "ACCESS_DENIED", "Only the post's organisation may delete comments "
                       "on it", 100)
    urn = f"urn:li:comment:({target},{unquote(request.params['id'])})"
    comment = world.posts[LINKEDIN].get(urn)
    if comment is None or comment.deleted:
        raise li_error(404, "NOT_FOUND", f"Comment {urn} not found")
    comment.deleted = True
    return Answer(204, b"")


# ---- OAuth 2 -----------------------------------------------------------------------------------


def _oauth_error(status: int, error: str, description: str) -> Answer:
    return Answer(status, {"error": error, "error_description": description})


@route("POST", r"/oauth/v2/accessToken")
def access_token(world: World, request: Request) -> Answer:
    """A new access token for a refresh token (LinkedIn's programmatic refresh)."""
    if not request.headers.get("content-type", "").startswith(
            "application/x-www-form-urlencoded"):
        raise _oauth_error(400, "invalid_request", "Content-Type must be "
                           "application/x-www-form-urlencoded")
    form = {name: values[0] for name, values in request.form().items() if values}
    if form.get("grant_type") != "refresh_token":
        raise _oauth_error(400, "unsupported_grant_type", "grant_type: expected refresh_token")
    if (form.get("client_id"), form.get("client_secret")) != (
            SANDBOX_LINKEDIN_APP["client_id"], SANDBOX_LINKEDIN_APP["client_secret"]):
        raise _oauth_error(401, "invalid_client", "Client authentication failed")
    refresh = form.get("refresh_token", "")
    expires = world.li_refresh_tokens.get(refresh)
    now = time.time()
    if expires is None or expires <= now:
        raise _oauth_error(400, "invalid_request", "The provided authorization grant or "
                           "refresh token is invalid, expired or revoked")
    token = f"sandbox-linkedin-token-{world.seq()}"
    world.tokens[LINKEDIN].add(token)
    return Answer(200, {"access_token": token, "expires_in": LINKEDIN_ACCESS_SECONDS,
                        "refresh_token": refresh,
                        "refresh_token_expires_in": int(expires - now),
                        "scope": "r_organization_social,rw_organization_admin,"
                                 "w_organization_social"})
