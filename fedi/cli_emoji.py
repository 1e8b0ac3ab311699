"""`fedi emoji add|list|remove`: the local set of custom emoji (Mastodon's `tootctl emoji`)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated

import typer

emoji_app = typer.Typer(help="Add, list and remove the server's custom emoji.", no_args_is_help=True)

Shortcode = Annotated[
    str, typer.Argument(metavar="NAME", help="The shortcode, without colons: letters, digits, _ (2 to 64).")
]
# The storage keys printed by `list` are the file names under the media directory or bucket.
_LEADING_COLONS = re.compile(r"^:|:$")


def _fail(message: str) -> typer.Exit:
    typer.echo(f"fedi: {message}", err=True)
    return typer.Exit(1)


@emoji_app.command("add")
def add(
    name: Shortcode,
    file: Annotated[
        Path,
        typer.Argument(
            metavar="FILE",
            help="A PNG, GIF, JPEG or WebP image; stored as a PNG of at most 400x400 and 256 KB.",
            exists=True,
            dir_okay=False,
            readable=True,
        ),
    ],
    category: Annotated[str | None, typer.Option(help="Groups it in the apps' emoji pickers.")] = None,
) -> None:
    """Add a custom emoji; people then write :NAME: in posts and profiles."""
    from fedi.cli import _runtime_for_command
    from fedi.errors import FediError
    from fedi.services import emojis

    shortcode = _LEADING_COLONS.sub("", name)
    runtime = _runtime_for_command()
    try:
        emoji = emojis.add_local(runtime, shortcode, file.read_bytes(), category=category)
    except FediError as exc:
        raise _fail(f"cannot add :{shortcode}:: {exc.message}") from None
    typer.echo(f"added :{emoji.shortcode}: ({runtime.urls.media(emoji.file_key or '')})")


@emoji_app.command("list")
def list_emoji() -> None:
    """The local custom emoji: shortcode, category and image URL."""
    from fedi.cli import _runtime_for_command
    from fedi.convert.common import emoji_url
    from fedi.store import emojis as store

    runtime = _runtime_for_command()
    with runtime.db.reader() as session:
        found = store.local(session)
    if not found:
        typer.echo("no custom emoji yet: add one with `fedi emoji add NAME FILE`")
    for emoji in found:
        typer.echo(f":{emoji.shortcode}:\t{emoji.category or '-'}\t{emoji_url(emoji, runtime.urls)}")


@emoji_app.command("remove")
def remove(name: Shortcode) -> None:
    """Remove a custom emoji and its image; posts that used it show :NAME: as text again."""
    from fedi.cli import _runtime_for_command
    from fedi.errors import FediError
    from fedi.services import emojis

    shortcode = _LEADING_COLONS.sub("", name)
    runtime = _runtime_for_command()
    try:
        with runtime.db.session() as session:
            emojis.remove_local(session, runtime, shortcode)
    except FediError as exc:
        raise _fail(exc.message) from None
    typer.echo(f"removed :{shortcode}:")
