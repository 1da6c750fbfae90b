"""What every answer of the sandbox's X API goes through, as on X: the endpoints the
outlet's access level lacks (403 client-not-enrolled), the 24-hour posting cap, the
monthly usage cap (as a fault), and the `x-rate-limit-*` headers of each endpoint's
15-minute window."""

from __future__ import annotations

import time
from collections.abc import Callable

from inmm_tui.platforms.sandbox.common import Answer, Request
from inmm_tui.platforms.sandbox.world import World

DAY = 86_400.0
WINDOW = 900.0


X_PLAN_LACKS: dict[str, tuple[str, ...]] = {
    # What each access level cannot call, of the endpoints we use, as issue 13 states it
    # (blocking is Enterprise-only, follower lists need more than Basic) and Free as X
    # sold it (post, delete, who am I); an approximation of X's tiers, not a copy.
    "free": ("GET /2/users/by", "GET /2/users/:id/", "GET /2/tweets/", "POST /2/users/",
             "DELETE /2/users/", "PUT /2/tweets/"),
    "basic": ("GET /2/users/:id/followers", "GET /2/users/:id/following",
              "POST /2/users/:id/blocking"),
    "pro": ("POST /2/users/:id/blocking",),
    "enterprise": (),
}
"""`settings {x_plan}`; none set: every endpoint answers (as before plans existed)."""


def x_not_enrolled() -> Answer:
    """X's 403 when the app's access level lacks the endpoint: a problem of type
    .../problems/client-forbidden, reason `client-not-enrolled` (the shape X documents for
    it and that its developers report verbatim in xdevplatform/samples issue 58)."""
    return Answer(403, {
        "client_id": "20000001",
        "detail": "When authenticating requests to the Twitter API v2 endpoints, you must use "
                  "keys and tokens from a Twitter developer App that is attached to a Project. "
                  "You can create a project via the developer portal.",
        "registration_url": "https://developer.twitter.com/en/docs/projects/overview",
        "title": "Client Forbidden",
        "required_enrollment": "Appropriate Level of API Access",
        "reason": "client-not-enrolled",
        "type": "https://api.twitter.com/2/problems/client-forbidden",
    })


def x_too_many(headers: dict[str, str]) -> Answer:
    return Answer(429, {"title": "Too Many Requests", "detail": "Too Many Requests",
                        "type": "about:blank", "status": 429}, headers)


def x_usage_capped() -> Answer:
    """X's monthly cap: 429 with this body and no 24-hour headers (the shape X returns,
    as reported in xdevplatform/xdk issue 25 and g8rswimmer/go-twitter issue 108)."""
    return Answer(429, {"account_id": "20000001", "product_name": "standard-basic",
                        "title": "UsageCapExceeded", "period": "Monthly", "scope": "Product",
                        "detail": "Usage cap exceeded: Monthly product cap",
                        "type": "https://api.twitter.com/2/problems/usage-capped"})


def x_daily_headers(limit: int, remaining: int, reset: float) -> dict[str, str]:
    """The 24-hour posting cap's headers, for the user and (counted alike here) the app."""
    return {f"x-{who}-limit-24hour-{name}": value for who in ("user", "app")
            for name, value in (("limit", str(limit)), ("remaining", str(remaining)),
                                ("reset", str(int(reset))))}


def x_daily_cap_fault(reset_in: float) -> Answer:
    """A 429 from the 24-hour cap: its headers spent, the 15-minute window not."""
    now = time.time()
    return x_too_many({"x-rate-limit-limit": "100", "x-rate-limit-remaining": "99",
                       "x-rate-limit-reset": str(int(now + WINDOW))}
                      | x_daily_headers(17, 0, now + reset_in))


def x_wrong_shape() -> Answer:
    """A 200 whose body is JSON but not the endpoint's shape (an id that is null)."""
    return Answer(200, {"data": {"id": None}})


def x_serve(world: World, request: Request, pattern: str, handler: Callable[..., Answer]) -> Answer:
    """Answer one X request as X would: refused if the plan lacks the endpoint, 429 at the
    24-hour posting cap (`settings {x_daily_posts}`), and with `x-rate-limit-*` headers
    counting the endpoint's 15-minute window (counted, not enforced, except by follow)."""
    key = f"{request.method} {pattern}"
    if any(key.startswith(lacking) for lacking in X_PLAN_LACKS.get(world.x_plan, ())):
        return x_not_enrolled()
    now = time.time()
    daily: dict[str, str] = {}
    if key == "POST /2/tweets" and world.x_daily_posts is not None:
        world.x_post_times = [t for t in world.x_post_times if now - t < DAY]
        reset = (world.x_post_times[0] if world.x_post_times else now) + DAY
        spent = len(world.x_post_times)
        if spent >= world.x_daily_posts:
            return x_too_many(x_daily_headers(world.x_daily_posts, 0, reset)
                              | x_window(world, key, now))
        daily = x_daily_headers(world.x_daily_posts, world.x_daily_posts - spent - 1, reset)
    try:
        answer = handler(world, request)
    except Answer as raised:
        answer = raised
    if daily and answer.status < 300:
        world.x_post_times.append(now)
        answer.headers = daily | answer.headers
    answer.headers = x_window(world, key, now) | answer.headers
    return answer


def x_window(world: World, key: str, now: float) -> dict[str, str]:
    limit = 900 if key.startswith("GET ") else 50
    calls = [t for t in world.x_calls.get(key, []) if now - t < WINDOW] + [now]
    world.x_calls[key] = calls
    return {"x-rate-limit-limit": str(limit),
            "x-rate-limit-remaining": str(max(0, limit - len(calls))),
            "x-rate-limit-reset": str(int(calls[0] + WINDOW))}
