"""Small helpers both adapters share."""

from __future__ import annotations

import datetime as dt
import html
import re

RATE_LIMIT_FALLBACK = dt.timedelta(minutes=15)
"""When a 429 carries no usable reset time, wait as long as X's shortest window."""


def reset_time(epoch: float | None) -> dt.datetime:
    now = dt.datetime.now(dt.UTC)
    if epoch is None:
        return now + RATE_LIMIT_FALLBACK
    moment = dt.datetime.fromtimestamp(epoch, dt.UTC)
    return moment if moment > now else now + dt.timedelta(seconds=1)


def html_to_text(content: str) -> str:
    """Mastodon's HTML content as the plain text that was posted."""
    text = re.sub(r"<br\s*/?>", "\n", content)
    text = re.sub(r"</p>\s*<p>", "\n\n", text)
    text = re.sub(r"<[^>]+>", "", text)
    return html.unescape(text).strip()


def id_key(platform_id: str) -> tuple[int, str]:
    """Order ids the way the platforms do: both use numbers that grow with time."""
    return (len(platform_id), platform_id)
