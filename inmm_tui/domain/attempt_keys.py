"""The key a delivery's attempts are sent under, made before the first attempt and kept
with the delivery until it is sent: Mastodon's `Idempotency-Key`, and on Bluesky the
record key the post is created under (so that an attempt in doubt is found by that key
alone). It has the form of an AT Protocol TID, which any platform takes as a key: 13
characters of base32 (sortable) holding the microseconds since 1970 and a 10-bit clock id
(atproto.com/specs/tid)."""

from __future__ import annotations

import datetime as dt
import secrets
import threading

_ALPHABET = "234567abcdefghijklmnopqrstuvwxyz"
_CLOCK_ID = secrets.randbelow(1024)
"""Random per process, as the spec asks: two processes making keys in the same
microsecond still make different ones."""
_lock = threading.Lock()
_last = 0


def new_attempt_key(now: dt.datetime) -> str:
    """A TID for `now`, later than any this process made before (the clock may stand
    still, or go back)."""
    global _last
    micros = int(now.timestamp() * 1_000_000)
    with _lock:
        micros = max(micros, _last + 1)
        _last = micros
    value = (micros % (1 << 53)) << 10 | _CLOCK_ID
    chars = []
    for _ in range(13):
        chars.append(_ALPHABET[value & 31])
        value >>= 5
    return "".join(reversed(chars))
