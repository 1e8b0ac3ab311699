"""GET /healthz reports the database and the job engine."""

from __future__ import annotations

import httpx
from sqlalchemy import text

from fedi.runtime import Runtime


async def test_healthz_answers_200_with_a_summary(client: httpx.AsyncClient) -> None:
    response = await client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"]["ok"] is True and body["database"]["pending_migrations"] == 0
    assert body["jobs"]["ok"] is True


async def test_healthz_is_503_when_migrations_are_missing(
    client: httpx.AsyncClient, runtime: Runtime
) -> None:
    with runtime.db.engine.begin() as connection:
        head = connection.execute(text("SELECT version_num FROM alembic_version")).scalar_one()
        connection.execute(text("UPDATE alembic_version SET version_num = 'unknown'"))
    try:
        response = await client.get("/healthz")
    finally:
        # The PostgreSQL test database is shared by the run (truncated, not recreated).
        with runtime.db.engine.begin() as connection:
            connection.execute(text("UPDATE alembic_version SET version_num = :head"), {"head": head})
    assert response.status_code == 503
    assert response.json()["database"]["ok"] is False


async def test_unknown_paths_get_a_json_404(client: httpx.AsyncClient) -> None:
    response = await client.get("/no/such/page")
    assert response.status_code == 404
    assert response.json() == {"error": "Not Found"}


async def test_metrics_count_requests_and_durable_work(client: httpx.AsyncClient) -> None:
    await client.get("/healthz")
    response = await client.get("/metrics")
    assert response.status_code == 200
    text = response.text
    assert 'fedi_http_requests_total{method="GET",status="200"}' in text
    assert 'fedi_jobs_waiting{queue="main"}' in text
    assert "fedi_deliveries" in text and "fedi_generations" in text


async def test_metrics_are_not_served_to_the_world(runtime: Runtime) -> None:
    from fedi.app import create_app

    transport = httpx.ASGITransport(app=create_app(runtime), client=("203.0.113.9", 4000))
    async with httpx.AsyncClient(transport=transport, base_url="https://fedi.test") as outsider:
        assert (await outsider.get("/metrics")).status_code == 404
