"""The sandbox's Bluesky API (XRPC, under `/xrpc/`): the PDS and AppView methods our adapter
calls, with the shapes of the atproto lexicons (as the `atproto` SDK's generated models
hold them: `atproto_client/models/...`), the PDS's errors (`{"error": ..., "message": ...}`)
and its `ratelimit-*` headers on every answer.

Our repository is `BLUESKY_ME_ID`; a post's id in the world is its `at://` URI. What a
real PDS does and this one imitates, beyond the shapes:

- `createSession` takes the handle (or DID) and an app password and gives JWTs (access:
  `bsky_access_seconds`, default two hours; refresh: 90 days); an expired access token is
  refused with 400 `ExpiredToken`, which the client avoids by refreshing first;
  `refreshSession` rotates the refresh token (the old one is refused afterwards).
- `createRecord` with an `rkey` makes the record under that key; a key already taken is
  the real PDS's 500 `InternalServerError` (bluesky-social/atproto#3718), never a second
  record; a post over 300 graphemes or 3,000 bytes is 400 `InvalidRequest`.
- `getRecord` of a key with no record is 400 `RecordNotFound`.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import time
import unicodedata
from collections.abc import Callable
from typing import Any

from inmm_tui.platforms.sandbox.common import (
    Answer,
    Handler,
    Request,
    block,
    headed_route,
    iso_time,
    sniff,
    with_garbage,
)
from inmm_tui.platforms.sandbox.world import (
    BLUESKY,
    BLUESKY_HANDLE_SUFFIX,
    BLUESKY_ME_ID,
    SbAccount,
    SbPost,
    World,
    new_tid,
)

POST, FOLLOW, BLOCK = "app.bsky.feed.post", "app.bsky.graph.follow", "app.bsky.graph.block"
THREADGATE = "app.bsky.feed.threadgate"
REPOST = "app.bsky.feed.repost"
EMBED_RECORD = "app.bsky.embed.record"
EMBED_RECORD_WITH_MEDIA = "app.bsky.embed.recordWithMedia"
MAX_GRAPHEMES, MAX_BYTES = 300, 3000
"""app.bsky.feed.post's `text`: maxGraphemes 300, maxLength 3000 (bytes)."""
REFRESH_SECONDS = 90 * 86400
RATE_LIMIT, RATE_WINDOW = 3000, 300
"""The PDS's global limit: 3,000 calls per 5 minutes (counted, not enforced)."""
TID = re.compile(r"^[234567abcdefghij][234567abcdefghijklmnopqrstuvwxyz]{12}$")
RKEY = re.compile(r"^[A-Za-z0-9._:~-]{1,512}$")


def bsky_error(status: int, error: str, message: str) -> Answer:
    return Answer(status, {"error": error, "message": message})


def bsky_wrong_shape() -> Answer:
    """200 and JSON, but no lexicon's output (a proxy's or another service's answer)."""
    return Answer(200, {"title": "Service", "status": "ok", "data": []})


def bsky_rate_limited(reset_in: float) -> Answer:
    reset = int(time.time() + reset_in)
    return Answer(429, {"error": "RateLimitExceeded", "message": "Rate Limit Exceeded"},
                  {"ratelimit-limit": str(RATE_LIMIT), "ratelimit-remaining": "0",
                   "ratelimit-reset": str(reset), "ratelimit-policy": f"{RATE_LIMIT};w={RATE_WINDOW}"})


def rate_headers(world: World) -> dict[str, str]:
    at = time.time()
    start = at - at % RATE_WINDOW
    world.bsky_calls = [t for t in world.bsky_calls if t >= start] + [at]
    return {"ratelimit-limit": str(RATE_LIMIT),
            "ratelimit-remaining": str(max(0, RATE_LIMIT - len(world.bsky_calls))),
            "ratelimit-reset": str(int(start + RATE_WINDOW)),
            "ratelimit-policy": f"{RATE_LIMIT};w={RATE_WINDOW}"}


def xrpc(method: str, nsid: str) -> Callable[[Handler], Handler]:
    """`route` for `/xrpc/<nsid>`, with the rate-limit headers on every answer."""
    # The dots left unescaped (any character) keep the counted name readable.
    return headed_route(method, "/xrpc/" + nsid, rate_headers)


# ---- sessions -------------------------------------------------------------------------------


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _jwt(world: World, scope: str, seconds: float) -> str:
    at = time.time()
    payload = {"scope": scope, "sub": BLUESKY_ME_ID, "aud": "did:web:sandbox.invalid",
               "iat": int(at), "exp": int(at + seconds), "jti": new_tid()}
    token = ".".join((_b64(b'{"typ":"at+jwt","alg":"ES256K"}'),
                      _b64(json.dumps(payload).encode()), _b64(b"sandbox-signature")))
    world.bsky_sessions[token] = (scope, at + seconds)
    return token


def _session(world: World) -> dict[str, Any]:
    me = world.me(BLUESKY)
    return {"accessJwt": _jwt(world, "com.atproto.appPass", world.bsky_access_seconds),
            "refreshJwt": _jwt(world, "com.atproto.refresh", REFRESH_SECONDS),
            "handle": bsky_handle(me), "did": me.id, "active": True}


def authenticate(world: World, request: Request) -> Answer | None:
    """The PDS's check of the bearer token: none needed to create a session; the refresh
    token only for refreshing; an access token, unexpired, for everything else."""
    if request.path.endswith("/com.atproto.server.createSession"):
        return None
    header = request.headers.get("authorization", "")
    token = header.removeprefix("Bearer ").strip() if header.startswith("Bearer ") else ""
    if not token:
        return bsky_error(401, "AuthenticationRequired", "Authentication Required")
    scope, expires = world.bsky_sessions.get(token, ("", 0.0))
    wanted = ("com.atproto.refresh" if request.path.endswith("/com.atproto.server.refreshSession")
              else "com.atproto.appPass")
    if scope != wanted:
        return bsky_error(401, "InvalidToken", "Token could not be verified")
    if expires <= time.time():
        return bsky_error(400, "ExpiredToken", "Token has expired")
    request.token = token
    return None


@xrpc("POST", "com.atproto.server.createSession")
def create_session(world: World, request: Request) -> Answer:
    body = request.json()
    me = world.me(BLUESKY)
    who = str(body.get("identifier", "")).lower()
    if who not in (me.id, bsky_handle(me)) or body.get("password") not in world.tokens[BLUESKY]:
        raise bsky_error(401, "AuthenticationRequired", "Invalid identifier or password")
    return Answer(200, _session(world))


@xrpc("POST", "com.atproto.server.refreshSession")
def refresh_session(world: World, request: Request) -> Answer:
    del world.bsky_sessions[request.token]  # rotated: a refresh token serves once
    return Answer(200, _session(world))


@xrpc("GET", "com.atproto.server.getSession")
def get_session(world: World, request: Request) -> Answer:
    me = world.me(BLUESKY)
    return Answer(200, {"handle": bsky_handle(me), "did": me.id, "active": True,
                        "emailConfirmed": True})


# ---- accounts -------------------------------------------------------------------------------


def bsky_handle(account: SbAccount) -> str:
    return account.handle.lower().replace("_", "-") + BLUESKY_HANDLE_SUFFIX


def find_actor(world: World, actor: str) -> SbAccount | None:
    if actor.startswith("did:"):
        return world.accounts[BLUESKY].get(actor)
    name = actor.lower().removeprefix("@")
    if name.endswith(BLUESKY_HANDLE_SUFFIX):
        return next((a for a in world.accounts[BLUESKY].values() if bsky_handle(a) == name), None)
    return None


def actor_or_400(world: World, actor: str | None) -> SbAccount:
    found = find_actor(world, actor or "")
    if found is None:
        raise bsky_error(400, "InvalidRequest", "Profile not found")
    return found


def _viewer(world: World, account: SbAccount) -> dict[str, Any]:
    viewer: dict[str, Any] = {"muted": False, "blockedBy": False}
    for (collection, rkey), record in world.bsky_records.items():
        if record.get("subject") == account.id:
            uri = f"at://{BLUESKY_ME_ID}/{collection}/{rkey}"
            viewer["following" if collection == FOLLOW else "blocking"] = uri
    if account.id in world.followers[BLUESKY]:
        viewer["followedBy"] = f"at://{account.id}/{FOLLOW}/{account.id[8:21]}"
    return viewer


def profile(world: World, account: SbAccount, detailed: bool = False) -> dict[str, Any]:
    """app.bsky.actor.defs#profileView (with `detailed`, #profileViewDetailed)."""
    body: dict[str, Any] = {
        "did": account.id, "handle": bsky_handle(account),
        "displayName": account.name, "description": account.description,
        "indexedAt": iso_time(account.created_at), "createdAt": iso_time(account.created_at),
        "viewer": _viewer(world, account), "labels": [],
    }
    if detailed:
        me = account.id == BLUESKY_ME_ID
        body |= {"followersCount": len(world.followers[BLUESKY]) if me else 0,
                 "followsCount": len(world.following[BLUESKY]) if me else 0,
                 "postsCount": len(world.live_posts(BLUESKY, account.id))}
    return with_garbage(body, account)


@xrpc("GET", "app.bsky.actor.getProfile")
def get_profile(world: World, request: Request) -> Answer:
    return Answer(200, profile(world, actor_or_400(world, request.q("actor")), detailed=True))


@xrpc("GET", "com.atproto.identity.resolveHandle")
def resolve_handle(world: World, request: Request) -> Answer:
    found = find_actor(world, request.q("handle") or "")
    if found is None or (request.q("handle") or "").startswith("did:"):
        raise bsky_error(400, "InvalidRequest", "Unable to resolve handle")
    return Answer(200, {"did": found.id})


def _fold(text: str) -> str:
    return unicodedata.normalize("NFKD", text).casefold()


@xrpc("GET", "app.bsky.actor.searchActors")
def search_actors(world: World, request: Request) -> Answer:
    query = _fold(request.q("q") or request.q("term") or "")
    limit = page_limit(request, 25)
    found = [a for a in world.accounts[BLUESKY].values()
             if query and (query in _fold(bsky_handle(a)) or query in _fold(a.name))]
    return Answer(200, {"actors": [profile(world, a) for a in found[:limit]]})


def page_limit(request: Request, default: int) -> int:
    raw = request.q("limit")
    try:
        value = int(raw) if raw is not None else default
    except ValueError:
        value = 0
    if not 1 <= value <= 100:
        raise bsky_error(400, "InvalidRequest", "Error: Params must have the property \"limit\" "
                         "between 1 and 100")
    return value


# ---- records --------------------------------------------------------------------------------


def cid_of(value: Any) -> str:
    """A CID of the record's bytes in the real form (CIDv1, dag-cbor, sha2-256, base32):
    `bafyrei...`; JSON is hashed instead of DAG-CBOR, which no client can tell."""
    digest = hashlib.sha256(json.dumps(value, sort_keys=True).encode()).digest()
    return "b" + base64.b32encode(bytes([1, 0x71, 0x12, 0x20]) + digest).decode().lower().rstrip("=")


def rkey_of(uri: str) -> str:
    return uri.rsplit("/", 1)[-1]


def post_record(world: World, post: SbPost) -> dict[str, Any]:
    """The post's app.bsky.feed.post record: ours as it was created, others' made up."""
    if post.author_id == BLUESKY_ME_ID and (POST, rkey_of(post.id)) in world.bsky_records:
        return world.bsky_records[(POST, rkey_of(post.id))]
    record: dict[str, Any] = {"$type": POST, "text": post.text,
                              "createdAt": iso_time(post.created_at), "langs": ["en"]}
    parent = world.posts[BLUESKY].get(post.in_reply_to or "")
    if parent is not None:
        root = parent
        while root.in_reply_to and root.in_reply_to in world.posts[BLUESKY]:
            root = world.posts[BLUESKY][root.in_reply_to]
        record["reply"] = {"root": strong_ref(world, root), "parent": strong_ref(world, parent)}
    return record


def strong_ref(world: World, post: SbPost) -> dict[str, str]:
    return {"uri": post.id, "cid": cid_of(post_record(world, post))}


def post_view(world: World, post: SbPost) -> dict[str, Any]:
    """app.bsky.feed.defs#postView."""
    author = world.accounts[BLUESKY][post.author_id]
    record = post_record(world, post)
    body = {"uri": post.id, "cid": cid_of(record), "author": profile(world, author),
            "record": record, "replyCount": post.replies, "repostCount": post.reposts,
            "likeCount": post.likes, "quoteCount": post.quotes,
            "indexedAt": iso_time(post.created_at), "viewer": {}, "labels": []}
    repost = _our_repost(world, post)
    if repost:
        body["viewer"] = {"repost": repost}
    return with_garbage(body, post)


def _live(world: World, uri: str) -> SbPost | None:
    post = world.posts[BLUESKY].get(uri)
    return post if post is not None and not post.deleted else None


def _our_repost(world: World, post: SbPost) -> str | None:
    """The URI of our repost of `post` (a post view's `viewer.repost`), if any."""
    for (collection, rkey), record in world.bsky_records.items():
        if collection == REPOST and (record.get("subject") or {}).get("uri") == post.id:
            return f"at://{BLUESKY_ME_ID}/{REPOST}/{rkey}"
    return None


def _our_repo(world: World, repo: Any) -> None:
    me = world.me(BLUESKY)
    if str(repo or "").lower() not in (me.id, bsky_handle(me)):
        raise bsky_error(400, "InvalidRequest", f"Could not find repo: {repo}")


def _count_graphemes(text: str) -> int:
    count, joined = 0, False
    for char in text:
        if joined or unicodedata.category(char) in ("Mn", "Me", "Mc") or \
                0x1F3FB <= ord(char) <= 0x1F3FF or 0xFE00 <= ord(char) <= 0xFE0F:
            joined = False
            continue
        if char == "\u200d":
            joined = True
            continue
        count += 1
    return count - sum(1 for _ in re.finditer("[\U0001F1E6-\U0001F1FF]{2}", text))


@xrpc("POST", "com.atproto.repo.createRecord")
def create_record(world: World, request: Request) -> Answer:
    body = request.json()
    _our_repo(world, body.get("repo"))
    collection, record = body.get("collection"), body.get("record")
    if not isinstance(record, dict) or record.get("$type") != collection:
        raise bsky_error(400, "InvalidRequest", f"Invalid {collection} record: Record/$type "
                         f"must be {collection}")
    rkey = body.get("rkey") or new_tid()
    if not RKEY.match(str(rkey)) or (collection == POST and not TID.match(rkey)):
        raise bsky_error(400, "InvalidRequest", f"Invalid record key: {rkey}")
    uri = f"at://{BLUESKY_ME_ID}/{collection}/{rkey}"
    if (collection, rkey) in world.bsky_records:
        # What the real PDS answers today for a key already taken (atproto#3718).
        raise bsky_error(500, "InternalServerError", "Internal Server Error")
    if collection == POST:
        text = record.get("text")
        if not isinstance(text, str):
            raise bsky_error(400, "InvalidRequest", f"Invalid {POST} record: Record/text must be a string")
        if _count_graphemes(text) > MAX_GRAPHEMES or len(text.encode()) > MAX_BYTES:
            raise bsky_error(400, "InvalidRequest", f"Invalid {POST} record: Record/text must "
                             f"not be longer than {MAX_GRAPHEMES} graphemes")
        parent_uri = ((record.get("reply") or {}).get("parent") or {}).get("uri")
        if parent_uri is not None and parent_uri not in world.posts[BLUESKY]:
            raise bsky_error(400, "InvalidRequest", f"Could not find parent: {parent_uri}")
        me = world.me(BLUESKY)
        # The state shows the text as written: each link facet's address in place of the
        # short form the text shows (as X's state shows links before t.co).
        try:
            written = _written(text, record.get("facets") or [])
        except (KeyError, TypeError, AttributeError):
            raise bsky_error(400, "InvalidRequest", f"Invalid {POST} record: Record/facets "
                             "must be a list of app.bsky.richtext.facet") from None
        embed = record.get("embed") or {}
        with_media = embed.get("$type") == EMBED_RECORD_WITH_MEDIA
        # A quote with media (recordWithMedia) holds the record embed and the media apart.
        blobs = _embedded_blobs(world, embed.get("media") if with_media else embed or None)
        reference = (embed.get("record") or {}) if with_media else embed
        quoted = ((reference.get("record") or {}).get("uri")
                  if with_media or embed.get("$type") == EMBED_RECORD else None)
        if quoted is not None and _live(world, quoted) is None:
            raise bsky_error(400, "InvalidRequest", f"Could not find quoted record: {quoted}")
        post = SbPost(uri, BLUESKY, me.id, written, in_reply_to=parent_uri, quote_of=quoted)
        world.attach(BLUESKY, post, blobs)
        if quoted is not None:
            world.posts[BLUESKY][quoted].quotes += 1
        world.bsky_records[(collection, rkey)] = record
        world.posts[BLUESKY][uri] = post
        parent = world.posts[BLUESKY].get(parent_uri or "")
        if parent is not None:
            parent.replies += 1
            post.in_reply_to_user_id = parent.author_id
    elif collection in (FOLLOW, BLOCK):
        subject = world.accounts[BLUESKY].get(str(record.get("subject", "")))
        if subject is None:
            raise bsky_error(400, "InvalidRequest", f"Invalid {collection} record: Record/subject "
                             "must be a valid did")
        world.bsky_records[(collection, rkey)] = record
        if collection == FOLLOW:
            world.following[BLUESKY][subject.id] = world.seq()
        else:
            block(world, BLUESKY, subject.id)
    elif collection == THREADGATE:
        _gate(world, rkey, record)
    elif collection == REPOST:
        reposted = _live(world, str((record.get("subject") or {}).get("uri", "")))
        if reposted is None:
            raise bsky_error(400, "InvalidRequest", f"Invalid {REPOST} record: Record/subject "
                             "must be a post that exists")
        world.bsky_records[(collection, rkey)] = record
        reposted.reposts += 1
    else:
        raise bsky_error(400, "InvalidRequest", f"Unsupported collection in the sandbox: {collection}")
    return Answer(200, {"uri": uri, "cid": cid_of(record),
                        "commit": {"cid": cid_of([uri, "commit"]), "rev": new_tid()},
                        "validationStatus": "valid"})


IMAGES, VIDEO = "app.bsky.embed.images", "app.bsky.embed.video"
MAX_IMAGE_BYTES, MAX_VIDEO_BYTES = 1_000_000, 100_000_000
"""app.bsky.embed.images#image `image` maxSize; app.bsky.embed.video `video` maxSize."""


def _invalid(message: str) -> Answer:
    return bsky_error(400, "InvalidRequest", f"Invalid {POST} record: {message}")


def _embedded_blobs(world: World, embed: Any) -> list[str]:
    """The CIDs of the blobs a post's embed points to, checked as the PDS checks them
    (each uploaded, of an accepted type and size; `alt` required on an image); their alt
    texts noted on the uploads."""
    if embed is None:
        return []
    if not isinstance(embed, dict) or embed.get("$type") not in (IMAGES, VIDEO):
        return []  # other embeds (records, links) carry no blob of ours
    items = (embed.get("images") if embed["$type"] == IMAGES else [embed])
    if not isinstance(items, list) or not 1 <= len(items) <= 4:
        raise _invalid("Record/embed/images must be an array of 1 to 4 images")
    found = []
    for index, item in enumerate(items):
        key = "image" if embed["$type"] == IMAGES else "video"
        blob = item.get(key) if isinstance(item, dict) else None
        ref = ((blob or {}).get("ref") or {}).get("$link") if isinstance(blob, dict) else None
        upload = world.uploads[BLUESKY].get(str(ref))
        where = f"Record/embed/{'images/' + str(index) + '/' if key == 'image' else ''}{key}"
        if upload is None:
            raise bsky_error(400, "InvalidRequest", f"Could not find blob: {ref}")
        accepted = upload["mime"].startswith("image/") if key == "image" \
            else upload["mime"] == "video/mp4"
        if not accepted:
            raise _invalid(f"{where} mimeType is not accepted: {upload['mime']}")
        if len(upload["data"]) > (MAX_IMAGE_BYTES if key == "image" else MAX_VIDEO_BYTES):
            raise _invalid(f"{where} file is too large")
        alt = item.get("alt")
        if key == "image" and not isinstance(alt, str):
            raise _invalid(f"Record/embed/images/{index} must have the property \"alt\"")
        upload["alt"] = alt or ""
        found.append(upload["id"])
    return found


@xrpc("POST", "com.atproto.repo.uploadBlob")
def upload_blob(world: World, request: Request) -> Answer:
    """The PDS keeps the bytes and names them by their CID (raw codec, SHA-256); the MIME
    type is sniffed from the bytes."""
    data = request.body
    if not data:
        raise bsky_error(400, "InvalidRequest", "Request body is empty")
    mime = sniff(data) or request.headers.get("content-type") or "application/octet-stream"
    digest = hashlib.sha256(data).digest()
    cid = "b" + base64.b32encode(b"\x01\x55\x12\x20" + digest).decode().lower().rstrip("=")
    if cid not in world.uploads[BLUESKY]:
        world.add_upload(BLUESKY, cid, data, mime)
    return Answer(200, {"blob": {"$type": "blob", "ref": {"$link": cid}, "mimeType": mime,
                                 "size": len(data)}})


def _written(text: str, facets: list[Any]) -> str:
    data, out, last = text.encode(), b"", 0
    for facet in sorted(facets, key=lambda f: f["index"]["byteStart"]):
        start, end = facet["index"]["byteStart"], facet["index"]["byteEnd"]
        uri = next((f.get("uri") for f in facet["features"]
                    if f.get("$type") == "app.bsky.richtext.facet#link"), None)
        if uri and start >= last:
            out += data[last:start] + uri.encode()
            last = end
    return (out + data[last:]).decode("utf-8", errors="replace")


def _gate(world: World, rkey: str, record: dict[str, Any]) -> None:
    """A thread gate: on one of our posts, under that post's record key; the replies it
    hides are hidden (and those it no longer names shown again)."""
    post_uri = f"at://{BLUESKY_ME_ID}/{POST}/{rkey}"
    hidden = record.get("hiddenReplies") or []
    if record.get("post") != post_uri or post_uri not in world.posts[BLUESKY]:
        raise bsky_error(400, "InvalidRequest", f"Invalid {THREADGATE} record: Record/post "
                         "must be the post the record key names")
    if not isinstance(hidden, list) or len(hidden) > 300:
        raise bsky_error(400, "InvalidRequest", f"Invalid {THREADGATE} record: "
                         "Record/hiddenReplies must not have more than 300 elements")
    old = world.bsky_records.get((THREADGATE, rkey)) or {}
    for uri in old.get("hiddenReplies") or []:
        if uri in world.posts[BLUESKY]:
            world.posts[BLUESKY][uri].hidden = False
    world.bsky_records[(THREADGATE, rkey)] = record
    for uri in hidden:
        if uri in world.posts[BLUESKY]:
            world.posts[BLUESKY][uri].hidden = True


@xrpc("POST", "com.atproto.repo.putRecord")
def put_record(world: World, request: Request) -> Answer:
    body = request.json()
    _our_repo(world, body.get("repo"))
    collection, rkey, record = body.get("collection"), str(body.get("rkey")), body.get("record")
    if collection != THREADGATE or not isinstance(record, dict) or record.get("$type") != collection:
        raise bsky_error(400, "InvalidRequest", f"Unsupported collection in the sandbox: {collection}")
    current = world.bsky_records.get((collection, rkey))
    swap = body.get("swapRecord")
    if swap is not None and (current is None or cid_of(current) != swap):
        raise bsky_error(400, "InvalidSwap", f"Record was at {cid_of(current) if current else 'null'}")
    _gate(world, rkey, record)
    return Answer(200, {"uri": f"at://{BLUESKY_ME_ID}/{collection}/{rkey}", "cid": cid_of(record),
                        "commit": {"cid": cid_of([rkey, "put"]), "rev": new_tid()},
                        "validationStatus": "valid"})


@xrpc("POST", "com.atproto.repo.deleteRecord")
def delete_record(world: World, request: Request) -> Answer:
    body = request.json()
    _our_repo(world, body.get("repo"))
    collection, rkey = str(body.get("collection")), str(body.get("rkey"))
    record = world.bsky_records.pop((collection, rkey), None)
    if collection == POST:
        post = world.posts[BLUESKY].get(f"at://{BLUESKY_ME_ID}/{POST}/{rkey}")
        if post is not None:
            post.deleted = True
    elif record is not None and collection == FOLLOW:
        world.following[BLUESKY].pop(str(record.get("subject")), None)
    elif record is not None and collection == REPOST:
        subject = world.posts[BLUESKY].get(str((record.get("subject") or {}).get("uri")))
        if subject is not None:
            subject.reposts = max(0, subject.reposts - 1)
    elif record is not None and collection == THREADGATE:
        for uri in record.get("hiddenReplies") or []:
            if uri in world.posts[BLUESKY]:
                world.posts[BLUESKY][uri].hidden = False
    elif record is not None and record.get("subject") in world.blocks[BLUESKY]:
        world.blocks[BLUESKY].remove(record["subject"])
    # Deleting what is not there is no error: "or ensure it doesn't exist".
    return Answer(200, {"commit": {"cid": cid_of([rkey, "delete"]), "rev": new_tid()}})


@xrpc("GET", "com.atproto.repo.getRecord")
def get_record(world: World, request: Request) -> Answer:
    _our_repo(world, request.q("repo"))
    collection, rkey = request.q("collection") or "", request.q("rkey") or ""
    uri = f"at://{BLUESKY_ME_ID}/{collection}/{rkey}"
    record = world.bsky_records.get((collection, rkey))
    post = world.posts[BLUESKY].get(uri)
    if record is None or (post is not None and post.deleted):
        raise bsky_error(400, "RecordNotFound", f"Could not locate record: {uri}")
    return Answer(200, {"uri": uri, "cid": cid_of(record), "value": record})


@xrpc("GET", "com.atproto.repo.listRecords")
def list_records(world: World, request: Request) -> Answer:
    _our_repo(world, request.q("repo"))
    collection = request.q("collection") or ""
    limit = page_limit(request, 50)
    keys = sorted((rkey for c, rkey in world.bsky_records if c == collection),
                  reverse=request.q("reverse") != "true")
    live = [k for k in keys if collection != POST or not world.posts[BLUESKY][
        f"at://{BLUESKY_ME_ID}/{POST}/{k}"].deleted]
    cursor = request.q("cursor")
    if cursor:
        live = [k for k in live if (k < cursor if request.q("reverse") != "true" else k > cursor)]
    page = live[:limit]
    body: dict[str, Any] = {"records": [
        {"uri": f"at://{BLUESKY_ME_ID}/{collection}/{k}", "cid": cid_of(world.bsky_records[(collection, k)]),
         "value": world.bsky_records[(collection, k)]} for k in page]}
    if len(live) > limit:
        body["cursor"] = page[-1]
    return Answer(200, body)


@xrpc("GET", "app.bsky.feed.getPosts")
def get_posts(world: World, request: Request) -> Answer:
    uris = request.query.get("uris", [])
    if len(uris) > 25:
        raise bsky_error(400, "InvalidRequest", "Error: uris must not have more than 25 elements")
    posts = [world.posts[BLUESKY][u] for u in uris if u in world.posts[BLUESKY]]
    return Answer(200, {"posts": [post_view(world, p) for p in posts if not p.deleted]})
