"""The sandbox's Mastodon answers as the real one does (issue 13): each shape below is
from docs.joinmastodon.org (the page named in each test), spoken over plain HTTP so that
nothing of our adapter takes part."""

from __future__ import annotations

import datetime as dt

import requests

from inmm_tui.platforms.sandbox import SANDBOX_MASTODON_CREDENTIALS
from inmm_tui.platforms.sandbox.world import MASTODON_ME_ID

from .sandbox_fixtures import RunningSandbox

M = "mastodon"
AUTH = {"Authorization": f"Bearer {SANDBOX_MASTODON_CREDENTIALS['access_token']}"}


def get(sandbox: RunningSandbox, path: str, **params: object) -> requests.Response:
    session = requests.Session()
    session.trust_env = False
    return session.get(f"{sandbox.url}{path}", params=params, headers=AUTH, timeout=5)


def test_status_ids_are_snowflakes_of_their_own_time(sandbox: RunningSandbox) -> None:
    # api/guidelines/#id: ids are strings; Mastodon's are 48 bits of milliseconds above 16
    # bits of sequence, and a remote status's id is made from its `published` time.
    now_id = sandbox.control.post(M, "fan", "@INMMorg now")
    written = dt.datetime(2026, 1, 2, 3, 4, 5, 678000, tzinfo=dt.UTC)
    late_id = sandbox.control.post(M, "slow", "@INMMorg late", created_at=written.isoformat())
    assert int(late_id) >> 16 == int(written.timestamp() * 1000)
    assert abs((int(now_id) >> 16) / 1000 - dt.datetime.now(dt.UTC).timestamp()) < 60
    notes = get(sandbox, "/api/v1/notifications", types=["mention"]).json()
    # Newest first by arrival: the late one first though its status id is the lower.
    assert [n["status"]["id"] for n in notes] == [late_id, now_id]
    assert int(notes[0]["id"]) > int(notes[1]["id"])
    assert notes[0]["status"]["created_at"] == "2026-01-02T03:04:05.678Z"
    assert notes[0]["created_at"] > notes[0]["status"]["created_at"]  # it arrived later


def test_content_is_mastodons_html(sandbox: RunningSandbox) -> None:
    # spec/microformats/ and entities/Status/#content: h-card mentions, links split into
    # `invisible` and `ellipsis` spans, hashtags as links, custom emoji left as :text:.
    text = ("@INMMorg see https://www.example.org/a/long/path/past/thirty/characters "
            "#Safeguards :blobcat: & <b>")
    status_id = sandbox.control.post(M, "fan", text)
    status = get(sandbox, f"/api/v1/statuses/{status_id}").json()
    base = sandbox.url
    assert status["content"] == (
        f'<p><span class="h-card" translate="no"><a href="{base}/@INMMorg" '
        'class="u-url mention">@<span>INMMorg</span></a></span> see '
        '<a href="https://www.example.org/a/long/path/past/thirty/characters" '
        'target="_blank" rel="nofollow noopener" translate="no">'
        '<span class="invisible">https://www.</span>'
        '<span class="ellipsis">example.org/a/long/path/past/t</span>'
        '<span class="invisible">hirty/characters</span></a> '
        f'<a href="{base}/tags/safeguards" class="mention hashtag" rel="tag">#<span>'
        'Safeguards</span></a> :blobcat: &amp; &lt;b&gt;</p>')
    assert status["tags"] == [{"name": "safeguards", "url": f"{base}/tags/safeguards"}]
    assert [e["shortcode"] for e in status["emojis"]] == ["blobcat"]


def test_visibilities_and_a_notification_whose_status_is_null(sandbox: RunningSandbox) -> None:
    # entities/Status/#visibility; entities/Notification/#status ("Status or null").
    direct = sandbox.control.post(M, "a", "@INMMorg psst", visibility="direct")
    followers = sandbox.control.post(M, "b", "@INMMorg hi followers", visibility="private")
    sandbox.control.post(M, "c", "@INMMorg gone", withheld=True)
    notes = get(sandbox, "/api/v1/notifications").json()
    assert notes[0]["type"] == "mention" and notes[0]["status"] is None
    assert [(n["status"]["id"], n["status"]["visibility"]) for n in notes[1:3]] == [
        (followers, "private"), (direct, "direct")]


def test_a_full_page_always_has_a_next_link(sandbox: RunningSandbox) -> None:
    # api/guidelines/#pagination: `Link` with rel="next" (max_id) and rel="prev" (min_id);
    # Mastodon gives `next` whenever the page is full, so the last full page has one too.
    for n in range(2):
        sandbox.control.add_follower(M, f"f{n}")
    page = get(sandbox, f"/api/v1/accounts/{MASTODON_ME_ID}/followers", limit=2)
    assert len(page.json()) == 2
    assert 'rel="next"' in page.headers["Link"] and 'rel="prev"' in page.headers["Link"]
    after = page.links["next"]["url"]
    session = requests.Session()
    session.trust_env = False
    last = session.get(after, headers=AUTH, timeout=5)
    assert last.json() == [] and "Link" not in last.headers
    short = get(sandbox, f"/api/v1/accounts/{MASTODON_ME_ID}/followers", limit=3)
    assert 'rel="next"' not in short.headers["Link"]


def test_every_answer_carries_the_rate_limit_with_an_iso_reset(sandbox: RunningSandbox) -> None:
    # api/rate-limits/: X-RateLimit-Limit, -Remaining, and -Reset as an ISO 8601 time.
    for path in ("/api/v1/accounts/verify_credentials", "/api/v1/statuses/1"):
        answer = get(sandbox, path)
        reset = dt.datetime.fromisoformat(answer.headers["X-RateLimit-Reset"])
        assert answer.headers["X-RateLimit-Reset"].endswith("Z")
        assert 0 < (reset - dt.datetime.now(dt.UTC)).total_seconds() <= 300
        assert answer.headers["X-RateLimit-Limit"] == "300"
    first = int(get(sandbox, "/api/v1/notifications").headers["X-RateLimit-Remaining"])
    assert int(get(sandbox, "/api/v1/notifications").headers["X-RateLimit-Remaining"]) < first


def test_the_wrong_shape_fault_answers_200_with_no_entity(sandbox: RunningSandbox) -> None:
    sandbox.control.fault("wrong_shape", api=M, path="/api/v1/accounts/verify_credentials")
    answer = get(sandbox, "/api/v1/accounts/verify_credentials")
    assert answer.status_code == 200 and "id" not in answer.json()
    assert get(sandbox, "/api/v1/accounts/verify_credentials").json()["id"] == MASTODON_ME_ID
