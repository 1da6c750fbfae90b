"""Media with alt text through the daemon and the real adapters to the sandbox, on each of
the four outlets: the stripped file arrives byte for byte with its alt text, a lost answer
after the upload or after the post makes no second post, a video's processing is waited
for (Mastodon's 202, X's in_progress, LinkedIn's PROCESSING) and its failure is final, a
file changed after clearance is refused, and the crash harness with media."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import struct
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from inmm_tui.config import Config
from inmm_tui.domain.services import Services
from inmm_tui.platforms.base import Platform
from inmm_tui.timeutil import utcnow

from .conftest import FakeClock
from .crash_harness import ALL_OUTLETS, run_crash
from .daemon_helpers import drain, publisher, states
from .media_helpers import SERIAL_NUMBER, jpeg_with_gps, mp4_with_gps, png
from .sandbox_fixtures import RunningSandbox, one_outlet_config, services_with_people

OUTLETS = {"x": "X", "mastodon": "Mastodon", "bluesky": "Bluesky", "linkedin": "LinkedIn"}
BODY = "Our booth at the 67th INMM Annual Meeting: https://inmm.org/annual"
ALT = "Three members at the INMM booth holding the new safeguards handbook"


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(utcnow().replace(microsecond=0))


@pytest.fixture(params=list(OUTLETS))
def api(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def config(tmp_path: Path, sandbox: RunningSandbox, api: str) -> Config:
    return one_outlet_config(tmp_path, sandbox, api, api, OUTLETS[api])


@pytest.fixture
def people(config: Config, clock: FakeClock) -> Iterator[Services]:
    yield from services_with_people(config, clock)


def adapter(sandbox: RunningSandbox, api: str) -> Platform:
    made: Platform = getattr(sandbox, api)(api, timeout=5.0)
    return made


def cleared(svc: Services, files: list[tuple[Path, str]], body: str = BODY) -> int:
    post_id = svc.posts.create_draft("alice", body, topic="Annual Meeting",
                                     scheduled_at=svc.clock())
    for path, alt in files:
        svc.media.attach("alice", post_id, path, alt)
    svc.posts.submit("alice", post_id)
    svc.posts.clear("bob", post_id)
    return post_id


def ours(sandbox: RunningSandbox, api: str) -> list[dict[str, Any]]:
    return [p for p in sandbox.control.state()[api]["posts"]
            if p["author"] == "INMMorg" and not p["deleted"]]


def test_images_arrive_stripped_with_their_alt_text_on_each_outlet(
        people: Services, sandbox: RunningSandbox, api: str, tmp_path: Path) -> None:
    photo = jpeg_with_gps(tmp_path / "booth.jpg")
    chart = png(tmp_path / "chart.png")
    post_id = cleared(people, [(photo, ALT), (chart, "A bar chart of attendance by year")])
    stored = [item.sha256 for item in people.media.items(post_id)]
    publisher(people, {api: adapter(sandbox, api)}).run(seconds=30)
    assert states(people, post_id) == {api: "sent"}
    (post,) = ours(sandbox, api)
    assert [m["sha256"] for m in post["media"]] == stored
    assert [m["alt"] for m in post["media"]] == [ALT, "A bar chart of attendance by year"]
    assert hashlib.sha256(photo.read_bytes()).hexdigest() not in stored  # never the original
    uploads = sandbox.server.world.uploads[api]
    assert all(SERIAL_NUMBER.encode() not in u["data"] for u in uploads.values())


def test_an_animated_gif_goes_out_whole_with_its_alt_text(
        people: Services, sandbox: RunningSandbox, api: str, tmp_path: Path) -> None:
    from PIL import Image

    frames = [Image.new("RGB", (12, 12), (n * 100, 50, 50)) for n in range(3)]
    frames[0].save(tmp_path / "wave.gif", save_all=True, append_images=frames[1:],
                   duration=80, loop=0)
    post_id = cleared(people, [(tmp_path / "wave.gif", "A hand waving hello")])
    publisher(people, {api: adapter(sandbox, api)}).run(seconds=30)
    assert states(people, post_id) == {api: "sent"}
    (post,) = ours(sandbox, api)
    assert [(m["mime"], m["alt"]) for m in post["media"]] == [("image/gif",
                                                               "A hand waving hello")]
    upload = sandbox.server.world.uploads[api][post["media"][0]["id"]]
    with Image.open(io.BytesIO(upload["data"])) as image:
        assert image.n_frames == 3


def test_a_video_is_uploaded_and_its_processing_waited_for(
        people: Services, sandbox: RunningSandbox, api: str, tmp_path: Path) -> None:
    # Mastodon answers 202, X in_progress, LinkedIn's video PROCESSING.
    sandbox.control.settings(media_processing_polls=2)
    post_id = cleared(people, [(mp4_with_gps(tmp_path / "tour.mp4"), "A walk through the lab")])
    (stored,) = people.media.items(post_id)
    publisher(people, {api: adapter(sandbox, api)}).run(seconds=30)
    assert states(people, post_id) == {api: "sent"}
    (post,) = ours(sandbox, api)
    assert post["media"][0]["mime"] == "video/mp4"
    assert post["media"][0]["alt"] == "A walk through the lab"
    assert post["media"][0]["sha256"] == stored.sha256
    requests = sandbox.control.state()["requests"]
    if api == "mastodon":
        assert requests["mastodon POST /api/v2/media"] == 1
        assert requests["mastodon GET /api/v1/media/:id"] == 2
    if api == "linkedin":
        assert requests["linkedin POST /rest/videos"] == 2  # initializeUpload, finalizeUpload
        assert requests["linkedin GET /rest/videos/:urn"] == 2


@pytest.mark.parametrize("api", ["linkedin"])
def test_a_linkedin_video_goes_up_in_4_mib_parts_named_by_their_etags(
        people: Services, sandbox: RunningSandbox, api: str, tmp_path: Path) -> None:
    video = mp4_with_gps(tmp_path / "talk.mp4")
    film = bytes(range(256)) * (9 * 4096 + 3)  # a longer film: 9 MiB and a bit, three parts
    with video.open("ab") as out:
        out.write(struct.pack(">I4s", 8 + len(film), b"mdat") + film)
    post_id = cleared(people, [(video, "The opening talk of the annual meeting")])
    (stored,) = people.media.items(post_id)
    publisher(people, {api: adapter(sandbox, api)}).run(seconds=30)
    assert states(people, post_id) == {api: "sent"}
    (post,) = ours(sandbox, api)
    assert [(m["mime"], m["size"], m["sha256"]) for m in post["media"]] == [
        ("video/mp4", stored.size, stored.sha256)]
    requests = sandbox.control.state()["requests"]
    assert requests["linkedin PUT /dms-uploads/sp/v2/:key/uploadedVideo/:part"] == 3


@pytest.mark.parametrize("api", ["linkedin"])
def test_linkedin_takes_a_video_or_images_never_both(
        people: Services, tmp_path: Path) -> None:
    post_id = people.posts.create_draft("alice", BODY, topic="Annual Meeting")
    people.media.attach("alice", post_id, mp4_with_gps(tmp_path / "tour.mp4"), "A tour")
    with pytest.raises(Exception, match="images and a video together"):
        people.media.attach("alice", post_id, png(tmp_path / "chart.png"), "A chart")


@pytest.mark.parametrize("api", ["linkedin"])
def test_a_video_linkedin_could_not_process_fails_the_delivery_with_its_reason(
        people: Services, sandbox: RunningSandbox, api: str, clock: FakeClock,
        tmp_path: Path) -> None:
    sandbox.control.settings(media_processing_fails=True)
    post_id = cleared(people, [(mp4_with_gps(tmp_path / "tour.mp4"), "A walk through the lab")])
    drain(publisher(people, {api: adapter(sandbox, api)}), clock,
          until=clock.now + dt.timedelta(minutes=30))
    (delivery,) = people.posts.deliveries(post_id)
    assert delivery.state == "failed"
    assert "LinkedIn could not process tour.mp4: Video processing failed" in (
        delivery.last_error or "")
    assert ours(sandbox, api) == []
    assert sandbox.control.state()["requests"]["linkedin POST /rest/videos"] == 2  # not retried


@pytest.mark.parametrize("api", ["linkedin"])
@pytest.mark.parametrize("where", ["initialize", "part", "post"])
def test_an_answer_lost_during_a_linkedin_video_upload_makes_no_second_post(
        people: Services, sandbox: RunningSandbox, api: str, clock: FakeClock,
        tmp_path: Path, where: str) -> None:
    method, path = {"initialize": ("POST", "/rest/videos"), "part": ("PUT", "/dms-uploads/"),
                    "post": ("POST", "/rest/posts")}[where]
    sandbox.control.fault("lost", api=api, method=method, path=path)
    post_id = cleared(people, [(mp4_with_gps(tmp_path / "tour.mp4"), "A walk through the lab")])
    drain(publisher(people, {api: adapter(sandbox, api)}), clock,
          until=clock.now + dt.timedelta(minutes=30))
    assert states(people, post_id) == {api: "sent"}
    (post,) = ours(sandbox, api)  # exactly one post, with its video
    assert [(m["mime"], m["alt"]) for m in post["media"]] == [("video/mp4",
                                                               "A walk through the lab")]
    (delivery,) = people.posts.deliveries(post_id)
    assert delivery.platform_id == post["id"]


@pytest.mark.parametrize("api", ["mastodon"])
def test_a_mastodon_server_s_own_limits_are_read_from_its_instance(
        people: Services, sandbox: RunningSandbox, api: str, tmp_path: Path) -> None:
    sandbox.control.settings(mastodon_max_attachments=2)  # the default is 4
    post_id = cleared(people, [(png(tmp_path / f"p{n}.png", colour=(n, 9, 9)), f"Chart {n}")
                               for n in range(3)])
    publisher(people, {api: adapter(sandbox, api)}).run(seconds=30)
    (delivery,) = people.posts.deliveries(post_id)
    assert delivery.state == "failed"
    assert "this server takes at most 2 files on a post, not 3" in (delivery.last_error or "")
    requests = sandbox.control.state()["requests"]
    assert requests["mastodon GET /api/v2/instance"] == 1
    assert "mastodon POST /api/v2/media" not in requests  # refused before any upload
    assert ours(sandbox, api) == []


@pytest.mark.parametrize("where", ["upload", "post"])
def test_an_answer_lost_after_the_upload_or_the_post_makes_no_second_post(
        people: Services, sandbox: RunningSandbox, api: str, clock: FakeClock,
        tmp_path: Path, where: str) -> None:
    upload_path = {"x": "/1.1/media/upload", "mastodon": "/api/v2/media",
                   "bluesky": "/xrpc/com.atproto.repo.uploadBlob",
                   "linkedin": "/rest/images"}[api]
    post_path = {"x": "/2/tweets", "mastodon": "/api/v1/statuses",
                 "bluesky": "/xrpc/com.atproto.repo.createRecord",
                 "linkedin": "/rest/posts"}[api]
    sandbox.control.fault("lost", api=api, method="POST",
                          path=upload_path if where == "upload" else post_path)
    post_id = cleared(people, [(png(tmp_path / "chart.png"), "A bar chart of attendance")])
    drain(publisher(people, {api: adapter(sandbox, api)}), clock,
          until=clock.now + dt.timedelta(minutes=30))
    assert states(people, post_id) == {api: "sent"}
    (post,) = ours(sandbox, api)  # exactly one post, with its image
    assert [m["alt"] for m in post["media"]] == ["A bar chart of attendance"]
    (delivery,) = people.posts.deliveries(post_id)
    assert delivery.platform_id == post["id"]


def test_a_file_changed_on_disk_after_clearance_is_never_sent(
        people: Services, sandbox: RunningSandbox, api: str, tmp_path: Path) -> None:
    post_id = cleared(people, [(png(tmp_path / "chart.png"), "A bar chart of attendance")])
    (item,) = people.media.items(post_id)
    Path(item.path).write_bytes(png(tmp_path / "other.png", colour=(0, 0, 0)).read_bytes())
    publisher(people, {api: adapter(sandbox, api)}).run(seconds=30)
    assert ours(sandbox, api) == []
    assert people.posts.deliveries(post_id)[0].state != "sent"
    assert "chart.png differs" in (people.posts.deliveries(post_id)[0].last_error or "")


@pytest.mark.slow
def test_sigkill_at_random_moments_with_media_on_every_outlet(
        tmp_path: Path, sandbox: RunningSandbox) -> None:
    result = run_crash(tmp_path, sandbox.url, posts=40, kills=8, seed=17,
                       outlets=ALL_OUTLETS, media=True)
    log = (tmp_path / "daemon.log").read_text(errors="replace")
    assert result.kills >= 4, log[-3000:]
    assert result.ok, (result, log[-3000:])
    assert result.media_checked == 4 * 40
    assert not any(result.wrong_media.values()), result.wrong_media
