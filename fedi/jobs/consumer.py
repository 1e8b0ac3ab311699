"""Running huey consumers: in-process threads for `fedi serve`, or a dedicated `fedi worker`."""

from __future__ import annotations

import logging
from collections.abc import Callable

from huey import Huey
from huey.consumer import Consumer

log = logging.getLogger(__name__)

# Poll the (non-blocking) SQLite queue often: a federation delivery or a generation should not
# wait seconds to start. Redis and PostgreSQL storages block on read instead.
_POLL = {"initial_delay": 0.05, "backoff": 1.5, "max_delay": 0.5}


class _EmbeddedConsumer(Consumer):  # type: ignore[misc]
    def _set_signal_handlers(self) -> None:
        # The web server owns SIGINT/SIGTERM in `fedi serve`; it stops us from its lifespan.
        pass


def start_embedded(huey: Huey, workers: int, *, periodic: bool = True) -> Consumer:
    """Start consumer threads in this process; stop them with stop_embedded()."""
    consumer = _EmbeddedConsumer(huey, workers=workers, worker_type="thread", periodic=periodic, **_POLL)
    consumer.start()
    log.info("job consumer started for queue %r with %d thread(s)", huey.name, workers)
    return consumer


def stop_embedded(consumer: Consumer, timeout: float = 10.0) -> None:
    consumer.shutdown_timeout = timeout
    consumer.stop(graceful=True)


def run_forever(
    huey: Huey,
    workers: int,
    *,
    periodic: bool = True,
    on_reclaimed: Callable[[str], None] | None = None,
) -> None:
    """Block running a consumer with signal handling (`fedi worker`, `fedi gpu-worker`).

    On Redis, jobs of a consumer that died are put back on the queue; `on_reclaimed` is then
    told that process's id, to release what it held in our tables.
    """
    from fedi.jobs.reliable import ReliableRedisStorage

    storage = huey.storage
    if isinstance(storage, ReliableRedisStorage):
        storage.on_reclaimed = on_reclaimed
    try:
        Consumer(huey, workers=workers, worker_type="thread", periodic=periodic, **_POLL).run()
    finally:
        if isinstance(storage, ReliableRedisStorage):
            storage.stop_heartbeat()
