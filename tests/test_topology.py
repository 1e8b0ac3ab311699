"""The promised topology as real processes (tests/support/topology.py): PostgreSQL, Redis, an
S3-compatible server, nginx in front of two `fedi serve`, two `fedi worker`, and a
`fedi gpu-worker` without database credentials. On it:

1. the two-instance federation scenario and the generation scenario pass unchanged, and images
   and uploads, and the remote images one caches, land in the bucket and are served from
   media.base_url;
2. a client streaming from one `fedi serve` sees a post created through the other, and a
   notification made by a worker;
3. kill -9 of a serve, a worker, the gpu-worker and Redis during a fan-out to 200 inboxes and 8
   generations: afterwards every inbox has the activity and every generation is posted once.

The whole topology starts once for the module (it is the expensive part).
"""

from __future__ import annotations

import io
import json
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import SimpleNamespace
from typing import Any

import httpx
import pytest
from PIL import Image
from sqlmodel import Session, col, select
from websockets.sync.client import connect

from fedi.models.accounts import Account, acct_key
from fedi.models.federation import Delivery
from fedi.models.generations import Generation
from fedi.models.relationships import Follow
from fedi.models.statuses import Status
from fedi.services.federation import delivery
from tests.api.conftest import issue_token
from tests.app_generation.test_two_instances import GENERATION, generation_scenario
from tests.conftest import _postgres_problem
from tests.federation.test_two_instances import PASSWORD, _client, _instance, federation_scenario
from tests.support import nginx
from tests.support.processes import Server, free_port, receiver, stats
from tests.support.s3 import S3Server
from tests.support.topology import Topology, topology
from tests.support.waiting import eventually

pytestmark = pytest.mark.slow

FOLLOWERS = 200
GENERATIONS = 8


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory, s3_server: S3Server) -> Iterator[Topology]:
    nginx.binary()
    problem = _postgres_problem()
    if problem:
        pytest.skip(f"the topology needs PostgreSQL: {problem}")
    directory = tmp_path_factory.mktemp("topology")
    sections = {
        # Few deliveries in flight per sender: the kill -9 scenario bounds re-sends by it.
        "federation": {"delivery_concurrency": 4},
        # One image at a time on the GPU host, so a kill lands between generations.
        "generation": {"max_batch": 1},
        "log": {"level": "info"},
    }
    with topology(
        directory,
        s3_server,
        users=["alice", "carol", "dora", "eve", "frank"],
        password=PASSWORD,
        sections=sections,
    ) as world:
        yield world


@pytest.fixture(scope="module")
def two(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Server, str]]:
    """The other instance: the embedded default (SQLite, local files, its own generation)."""
    server, domain = _instance(tmp_path_factory.mktemp("two"), None, ["bob"], generation=GENERATION)
    yield server, domain
    server.stop()


def _eventually(
    check: Callable[[], Any], timeout: float, what: str | Callable[[], str], world: Topology | None = None
) -> Any:
    return eventually(check, timeout, what, logs=world.logs if world else None)


def _png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (96, 64), (30, 120, 200)).save(buffer, format="PNG")
    return buffer.getvalue()


def test_federation_and_generation_pass_on_the_topology_with_media_in_the_bucket(
    world: Topology, two: tuple[Server, str]
) -> None:
    one = SimpleNamespace(url=world.url)  # nginx: requests reach either fedi serve
    bob_server, bob_domain = two
    federation_scenario({"one": one, "two": bob_server, "one_domain": world.domain, "two_domain": bob_domain})
    made = generation_scenario(one, world.domain, bob_server)

    in_bucket = set(world.s3.keys(world.bucket))
    # The remote images one cached from two (bob's picture, bob's generated images): each copy
    # with its thumbnail, in the bucket.
    cached = [key for key in in_bucket if key.startswith("cache/")]
    copies = [key for key in cached if "-small." not in key]
    assert copies and len(cached) == 2 * len(copies)
    # The bot's image (made by the gpu-worker) and alice's remix are in the bucket, at base_url.
    # (bob sees the bot's answer on two, which serves its own copy: remote_url is one's.)
    for post in (made["answer"], made["remix"]):
        [image] = post["media_attachments"]
        original = image["remote_url"] or image["url"]
        key = original.removeprefix(f"{world.media_base_url}/")
        assert key != original and key in in_bucket, (original, in_bucket)
    bot_image = made["answer"]["media_attachments"][0]["remote_url"]
    first, second = httpx.get(bot_image, timeout=10), httpx.get(bot_image, timeout=10)
    assert first.status_code == 200 and first.headers["content-type"] == "image/webp"
    assert second.content == first.content and second.headers["x-cache-status"] == "HIT"

    # An upload and an /imagine post on the topology land there too.
    alice = _client(one, "alice")
    media = alice.media_post(_png(), mime_type="image/png", description="blue")
    assert media["url"].startswith(world.media_base_url + "/")
    assert media["url"].removeprefix(world.media_base_url + "/") in world.s3.keys(world.bucket)
    assert (
        httpx.get(media["url"], timeout=10).content
        == world.s3.get(world.bucket, media["url"].removeprefix(world.media_base_url + "/")).content
    )
    imagined = alice.status_post("/imagine a harbour at night --seed 11\nfrom the topology")
    image_url = _eventually(
        lambda: (alice.status(imagined["id"])["media_attachments"] or [{}])[0].get("url"),
        60,
        "/imagine",
        world,
    )
    assert image_url.startswith(world.media_base_url + "/generated/")
    assert httpx.get(image_url, timeout=10).status_code == 200

    # The GPU host never opened a database: its data dir holds no SQLite file.
    assert not list((world.gpu_config.parent / "data").rglob("*.sqlite3"))
    assert not [p for p in (world.config.parent / "data").rglob("media/*")]


@contextmanager
def _stream(serve_port: int, token: str) -> Iterator[Any]:
    url = f"ws://127.0.0.1:{serve_port}/api/v1/streaming?access_token={token}&stream=user"
    with connect(url, open_timeout=10) as ws:
        ws.send("not json")  # answered once the connection's stream is subscribed
        assert "error" in json.loads(ws.recv(timeout=10))
        yield ws


def _next_event(ws: Any, event: str, timeout: float = 30) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        frame = json.loads(ws.recv(timeout=max(deadline - time.monotonic(), 0.1)))
        if frame.get("event") == event:
            return frame


def test_streaming_crosses_processes(world: Topology, two: tuple[Server, str]) -> None:
    serve_a, serve_b = (int(p.args[-1]) for p in world.serves)
    runtime = world.runtime()
    with runtime.db.reader() as session:
        carol = _local(session, "carol")
    runtime_token = issue_token(runtime, carol)
    runtime.close()
    with _stream(serve_a, runtime_token) as ws:
        # A post created through serve B reaches the stream on serve A.
        posted = httpx.post(
            f"http://127.0.0.1:{serve_b}/api/v1/statuses",
            json={"status": "through B"},
            headers={"Authorization": f"Bearer {runtime_token}"},
            timeout=20,
        ).json()
        update = _next_event(ws, "update")
        assert json.loads(update["payload"])["id"] == posted["id"]

        # bob on two likes it: the Like is processed by a `fedi worker` (serves consume no jobs),
        # whose notification reaches the stream on serve A.
        bob = _client(two[0], "bob")
        [copy] = bob.search_v2(posted["url"], resolve=True)["statuses"]
        bob.status_favourite(copy["id"])
        notified = _next_event(ws, "notification")
        payload = json.loads(notified["payload"])
        assert payload["type"] == "favourite" and payload["status"]["id"] == posted["id"]
        assert payload["account"]["acct"] == f"bob@{two[1]}"


def _local(session: Session, username: str) -> Account:
    return session.exec(
        select(Account).where(Account.username == username, col(Account.domain).is_(None))
    ).one()


def _followers(world: Topology, inbox: str) -> tuple[int, list[int]]:
    """dora gets 200 followers on fake inboxes (one inbox each); eve and frank will ask for images
    (4 each: an account may have 4 in flight)."""
    runtime = world.runtime()
    try:
        with runtime.db.session() as session:
            dora = _local(session, "dora")
            askers = [_local(session, "eve").id, _local(session, "frank").id]
            for number in range(FOLLOWERS):
                uri = f"{inbox}/users/f{number}"
                follower = Account(
                    username=f"f{number}",
                    domain="127.0.0.1",
                    acct_key=acct_key(f"f{number}", "127.0.0.1"),
                    uri=uri,
                    inbox_url=f"{uri}/inbox",
                    public_key_id=f"{uri}#main-key",
                )
                session.add(follower)
                session.flush()
                session.add(
                    Follow(account_id=follower.id, target_account_id=dora.id, uri=f"{uri}#f", accepted=True)
                )
        return dora.id, askers
    finally:
        runtime.close()


def _state(world: Topology, inbox: str, askers: list[int]) -> dict[str, Any]:
    runtime = world.runtime()
    try:
        with runtime.db.reader() as session:
            rows = session.exec(select(Delivery).where(col(Delivery.inbox_url).startswith(inbox))).all()
            generations = session.exec(select(Generation).where(col(Generation.account_id).in_(askers))).all()
            posts = session.exec(select(Status).where(col(Status.account_id).in_(askers))).all()
        return {
            "delivered": sum(
                d.state == "delivered" for d in rows if d.inbox_url.startswith("http://127.0.0.1")
            ),
            "deliveries": len(rows),
            "generations_done": sum(g.state == "done" for g in generations),
            "generations": len(generations),
            "published": sum(p.state == "published" for p in posts),
            "posts": len(posts),
        }
    finally:
        runtime.close()


def test_kill_9_of_each_process_in_turn_loses_nothing_and_does_nothing_twice(world: Topology) -> None:
    with receiver(free_port(), delay=1.0) as inbox:
        dora_id, askers = _followers(world, inbox)
        runtime = world.runtime()
        with runtime.db.reader() as session:
            dora_token = issue_token(runtime, session.get(Account, dora_id))
            tokens = [issue_token(runtime, session.get(Account, asker)) for asker in askers]
        runtime.close()

        posted = httpx.post(
            f"{world.url}/api/v1/statuses",
            json={"status": "to two hundred inboxes"},
            headers={"Authorization": f"Bearer {dora_token}"},
            timeout=20,
        ).json()
        for number in range(GENERATIONS):
            response = httpx.post(
                f"{world.url}/api/v1/statuses",
                json={"status": f"/imagine lantern number {number} --steps 4 --size 128x128"},
                headers={"Authorization": f"Bearer {tokens[number % 2]}"},
                timeout=20,
            )
            assert response.status_code == 200, response.text
        activity = posted["uri"] + "/activity"

        def state() -> dict[str, Any]:
            return _state(world, inbox, askers)

        _eventually(lambda: stats(inbox)["posts"] >= 10, 60, "the fan-out to start", world)
        at_kill: dict[str, dict[str, Any]] = {}

        def kill(name: str, process: Any, restart: Callable[[], Any]) -> None:
            at_kill[name] = state() | {"received": stats(inbox)["posts"]}
            process.kill()
            restart()

        # A worker first, in the middle of the fan-out (it may be the one sending).
        worker = world.workers[0]
        kill("worker", worker, worker.start)
        serve = world.serves[0]
        kill("serve", serve, serve.start)
        assert world.gpu is not None
        _eventually(lambda: state()["generations_done"] >= 1, 120, "a first image", world)
        kill("gpu-worker", world.gpu, lambda: world.gpu.start(timeout=180))  # type: ignore[union-attr]
        kill("redis", world.redis, world.redis.start)

        assert 0 < at_kill["worker"]["delivered"] < FOLLOWERS, at_kill
        for name, seen in at_kill.items():
            unfinished = seen["delivered"] < FOLLOWERS or seen["generations_done"] < GENERATIONS
            assert unfinished, f"the {name} kill came after all the work was done: {at_kill}"

        last: dict[str, Any] = {}

        def finished() -> dict[str, Any] | None:
            last.update(state())
            return last if last["delivered"] == FOLLOWERS and last["published"] == GENERATIONS else None

        done = _eventually(
            finished,
            240,
            lambda: f"every delivery and image after the kills: {last}, at each kill {at_kill}",
            world,
        )
        received = stats(inbox)["by_path"]

    assert done["posts"] == GENERATIONS and done["generations"] == GENERATIONS  # each posted once
    assert done["generations_done"] == GENERATIONS
    assert len(received) == FOLLOWERS  # every inbox got it
    assert all(set(ids) == {activity} for ids in received.values()), "an inbox got another activity"
    resent = [path for path, ids in received.items() if len(ids) > 1]
    # Sent twice only if in flight (or answered, not yet recorded) in the killed worker at the
    # kill: at most concurrency + RECORD_EVERY of them; inboxes dedupe by activity id.
    assert len(resent) <= 4 + delivery.RECORD_EVERY, (resent, at_kill)
    images = [k for k in world.s3.keys(world.bucket) if k.startswith("generated/")]
    assert len(images) >= 2 * GENERATIONS
    print(f"kill -9 scenario: state at each kill {at_kill}; inboxes that got a second copy: {len(resent)}")
