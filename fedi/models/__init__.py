"""SQLModel tables only: no queries, no serialisation (see fedi.store and fedi.convert)."""

from fedi.models.accounts import Account, User
from fedi.models.conversations import Conversation, ConversationMute, ConversationStatus
from fedi.models.emojis import CustomEmoji, StatusEmoji
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
from fedi.models.moderation import (
    AccountWarning,
    AdminAction,
    DomainAllow,
    DomainBlock,
    ModerationNote,
    ServerRule,
)
from fedi.models.notifications import (
    Marker,
    Notification,
    NotificationPermission,
    NotificationPolicy,
    NotificationRequest,
)
from fedi.models.oauth import OAuthApplication, OAuthCode, OAuthToken
from fedi.models.polls import Poll, PollVote
from fedi.models.processes import IdNode
from fedi.models.push import PushSubscription, ServerKey
from fedi.models.relationships import AccountDomainBlock, AccountNote, Block, Endorsement, Follow, Mute
from fedi.models.scheduled_statuses import ScheduledStatus
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
from fedi.models.trends import TrendScore

__all__ = [
    "Account",
    "AccountDomainBlock",
    "AccountMove",
    "AccountNote",
    "AccountWarning",
    "AdminAction",
    "Block",
    "Bookmark",
    "BotReply",
    "Conversation",
    "ConversationMute",
    "ConversationStatus",
    "CustomEmoji",
    "Delivery",
    "DomainAllow",
    "DomainBlock",
    "Endorsement",
    "Favourite",
    "FeaturedTag",
    "Filter",
    "FilterKeyword",
    "FilterStatus",
    "Follow",
    "Generation",
    "HomeFeedEntry",
    "IdNode",
    "IdempotencyKey",
    "InboxItem",
    "ListMember",
    "Marker",
    "MediaAttachment",
    "Mention",
    "ModerationNote",
    "Mute",
    "Notification",
    "NotificationPermission",
    "NotificationPolicy",
    "NotificationRequest",
    "OAuthApplication",
    "OAuthCode",
    "OAuthToken",
    "OutboxActivity",
    "Peer",
    "Pin",
    "Poll",
    "PollVote",
    "PushSubscription",
    "Report",
    "ScheduledStatus",
    "ServerKey",
    "ServerRule",
    "Status",
    "StatusEdit",
    "StatusEmoji",
    "StatusTag",
    "Tag",
    "TagFollow",
    "Tombstone",
    "TrendScore",
    "User",
    "UserList",
]
