"""The about page: what this server is, its rules, whom to contact, and the model it runs."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session
from starlette.requests import Request
from starlette.responses import Response

from fedi.api.context import read, runtime_of
from fedi.runtime import Runtime
from fedi.services import generations, instance, rules
from fedi.web import present
from fedi.web.pages import page, render
from fedi.web.session import current_account


@page
async def about(request: Request) -> Response:
    me = await current_account(request)
    rt = runtime_of(request)
    facts = await read(request, lambda s: _facts(s, rt))
    return render(request, "about.html", {"me": me, **facts})


def _facts(session: Session, rt: Runtime) -> dict[str, Any]:
    contact = instance.contact(session)
    return {
        "settings": rt.settings.instance,
        "rules": rules.current(session, rt.settings),
        "base_url": rt.urls.base,
        "stats": instance.stats(session, rt.instance_stats),
        "contact": present.person(contact, rt.urls) if contact else None,
        "generation_on": rt.settings.generation.enabled,
        "model": generations.preset(rt.settings),
    }
