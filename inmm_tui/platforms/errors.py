"""The few errors every platform failure is turned into; the daemon decides by these alone."""

from __future__ import annotations

import datetime as dt


class PlatformError(Exception):
    """Base class. `str(error)` is the platform's own message, safe to show (never a token)."""


class TransientError(PlatformError):
    """Worth retrying: 5xx, timeouts, connection refused, a malformed or truncated body."""


class RateLimited(PlatformError):
    """429: wait until `reset_at` (UTC) before calling again."""

    def __init__(self, message: str, reset_at: dt.datetime):
        super().__init__(message)
        self.reset_at = reset_at


class UsageCapped(RateLimited):
    """The plan's monthly usage cap is spent (X's `UsageCapExceeded`): nothing on the
    outlet can succeed until the month turns over or the plan is raised. X does not say
    when its month turns over, so `reset_at` is when to look again; HQ must be told."""


class Rejected(PlatformError):
    """A 4xx that retrying cannot fix (too long, forbidden content, not found, ...)."""


class NotFound(Rejected):
    """404: the post or account does not exist (any more)."""


class SharedPostGone(Rejected):
    """The post a share reposts or quotes was deleted upstream, or (`changed`) reads
    otherwise than the text that was cleared: it is not shared, and never retried."""

    def __init__(self, message: str, *, changed: bool = False):
        super().__init__(message)
        self.changed = changed


class DuplicateContent(Rejected):
    """X's 403 "duplicate content": the same text was very probably already posted."""


class AuthFailed(PlatformError):
    """The platform refused the credentials (401, or 403 for an invalid/suspended token)."""


class RefreshRefused(AuthFailed):
    """The platform refused to renew an expired access token (its refresh token expired or
    was revoked, or the app's client secret changed): a person must authorise again."""


class Unsupported(PlatformError):
    """The platform has no such operation (e.g. Mastodon has no hide-reply), or the
    outlet's plan lacks it (X's 403 `client-not-enrolled`: blocking is Enterprise-only,
    follower lists need a paid tier). Not the credentials: the rest goes on."""


class NotInPlan(Unsupported):
    """The outlet's plan with the platform lacks `operation` (X's 403 `client-not-enrolled`):
    shown on the item and in governance; raising the plan is HQ's decision."""

    def __init__(self, message: str, operation: str):
        super().__init__(message)
        self.operation = operation
