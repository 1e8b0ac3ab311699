"""Our canonical URLs, Mastodon-shaped, built from the instance's base URL."""

from __future__ import annotations

from urllib.parse import quote

from activitypub.objects import host_of


class Urls:
    def __init__(self, base_url: str, media_base_url: str) -> None:
        self.base = base_url.rstrip("/")
        self.media_base = media_base_url.rstrip("/")
        # Our normalised host[:port], as activitypub.objects.host_of spells remote ones.
        self.host = host_of(self.base)

    def actor(self, username: str) -> str:
        return f"{self.base}/users/{quote(username)}"

    def key_id(self, username: str) -> str:
        return f"{self.actor(username)}#main-key"

    def inbox(self, username: str) -> str:
        return f"{self.actor(username)}/inbox"

    def outbox(self, username: str) -> str:
        return f"{self.actor(username)}/outbox"

    def followers(self, username: str) -> str:
        return f"{self.actor(username)}/followers"

    def following(self, username: str) -> str:
        return f"{self.actor(username)}/following"

    def featured(self, username: str) -> str:
        return f"{self.actor(username)}/collections/featured"

    def featured_tags(self, username: str) -> str:
        return f"{self.actor(username)}/collections/tags"

    def endorsements(self, username: str) -> str:
        return f"{self.actor(username)}/collections/endorsements"

    def profile(self, username: str) -> str:
        return f"{self.base}/@{quote(username)}"

    def status(self, username: str, status_id: int) -> str:
        return f"{self.actor(username)}/statuses/{status_id}"

    def status_page(self, username: str, status_id: int) -> str:
        return f"{self.profile(username)}/{status_id}"

    def status_replies(self, username: str, status_id: int) -> str:
        return f"{self.status(username, status_id)}/replies"

    def activity(self, username: str, kind: str, activity_id: int) -> str:
        return f"{self.actor(username)}#{kind}/{activity_id}"

    def tag(self, name: str) -> str:
        return f"{self.base}/tags/{quote(name)}"

    def shared_inbox(self) -> str:
        return f"{self.base}/inbox"

    def instance_actor(self) -> str:
        return f"{self.base}/actor"

    def extension_context(self) -> str:
        """The JSON-LD context document of fedi's terms; the namespace is this URL + '#'."""
        return f"{self.base}/ns/fedi"

    def media(self, key: str) -> str:
        return f"{self.media_base}/{key}"

    def static(self, path: str) -> str:
        return f"{self.base}/static/{path}"

    def emoji(self, emoji_id: int) -> str:
        """The AS2 id of a local custom emoji (Mastodon's `/emojis/:id`)."""
        return f"{self.base}/emojis/{emoji_id}"
