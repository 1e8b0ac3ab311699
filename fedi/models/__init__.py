"""SQLModel tables only: no queries, no serialisation (see fedi.store and fedi.convert)."""

from fedi.models.accounts import Account, User
from fedi.models.conversations import Conversation, ConversationMute, ConversationStatus
from fedi.models.featured_tags import FeaturedTag
from fedi.models.federation import (
    AccountMove,
    Delivery,
    InboxItem,
    OutboxActivity,
    Peer,
    Report,
    Tombstone,
)
from fedi.models.filters import Filter, FilterKeyword, FilterStatus
from fedi.models.generations import BotReply, Generation
from fedi.models.interactions import Bookmark, Favourite, Pin
from fedi.models.lists import ListMember, UserList
from fedi.models.media import MediaAttachment
from fedi.models.notifications import Marker, Notification
from fedi.models.oauth import OAuthApplication, OAuthCode, OAuthToken
from fedi.models.relationships import AccountNote, Block, Endorsement, Follow, Mute
from fedi.models.statuses import (
    HomeFeedEntry,
    IdempotencyKey,
    Mention,
    Status,
    StatusEdit,
    StatusTag,
    Tag,
)
from fedi.models.tag_follows import TagFollow

__all__ = [
    "Account",
    "AccountMove",
    "AccountNote",
    "Block",
    "Bookmark",
    "BotReply",
    "Conversation",
    "ConversationMute",
    "ConversationStatus",
    "Delivery",
    "Endorsement",
    "Favourite",
    "FeaturedTag",
    "Filter",
    "FilterKeyword",
    "FilterStatus",
    "Follow",
    "Generation",
    "HomeFeedEntry",
    "IdempotencyKey",
    "InboxItem",
    "ListMember",
    "Marker",
    "MediaAttachment",
    "Mention",
    "Mute",
    "Notification",
    "OAuthApplication",
    "OAuthCode",
    "OAuthToken",
    "OutboxActivity",
    "Peer",
    "Pin",
    "Report",
    "Status",
    "StatusEdit",
    "StatusTag",
    "Tag",
    "TagFollow",
    "Tombstone",
    "User",
    "UserList",
]
