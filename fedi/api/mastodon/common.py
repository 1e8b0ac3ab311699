"""Rendering shared by the resource modules: pages of statuses and of accounts."""

from __future__ import annotations

from collections.abc import Sequence

from starlette.requests import HTTPConnection, Request

from fedi.api.context import runtime_of
from fedi.api.pagination import paged
from fedi.api.responses import JSONResponse
from fedi.convert import to_mastodon
from fedi.models.accounts import Account
from fedi.store.views import StatusView
from fedi.urls import Urls


def urls_of(request: HTTPConnection) -> Urls:
    return runtime_of(request).urls


def statuses_page(
    request: Request, views: list[StatusView], viewer_id: int | None, paging_ids: Sequence[int] | None = None
) -> JSONResponse:
    """Statuses paged by their own ids, or by `paging_ids` (a favourite's or bookmark's id)."""
    urls = urls_of(request)
    items = [to_mastodon.status(v, urls, viewer_id) for v in views]
    return paged(request, items, paging_ids if paging_ids is not None else [v.status.id for v in views])


def accounts_page(request: Request, listed: list[tuple[int, Account]]) -> JSONResponse:
    urls = urls_of(request)
    return paged(
        request, [to_mastodon.account(a, urls) for _, a in listed], [paging_id for paging_id, _ in listed]
    )
