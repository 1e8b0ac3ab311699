"""The whole URL table in one place."""

from __future__ import annotations

from pathlib import Path

from starlette.routing import BaseRoute, Mount, Route, WebSocketRoute
from starlette.staticfiles import StaticFiles

from fedi.api import activitypub as ap
from fedi.api import files, health, wellknown
from fedi.api.mastodon import (
    accounts,
    apps,
    collections,
    conversations,
    custom_emojis,
    domain_blocks,
    featured_tags,
    filters,
    generations,
    instance,
    lineage,
    lists,
    markers,
    media,
    notification_groups,
    notification_policy,
    notifications,
    polls,
    preferences,
    push,
    relationships,
    reports,
    scheduled_statuses,
    search,
    statuses,
    streaming,
    stubs,
    tag_trends,
    tags,
    timelines,
    trends,
)
from fedi.api.mastodon.admin import accounts as admin_accounts
from fedi.api.mastodon.admin import domains as admin_domains
from fedi.api.mastodon.admin import reports as admin_reports
from fedi.api.oauth import authorize, token
from fedi.config import Settings
from fedi.observability import metrics
from fedi.web import (
    about,
    admin,
    admin_policy,
    composer,
    feeds,
    gallery,
    hashtags,
    interaction,
    login,
    post,
    profile,
    progress,
)
from fedi.web import admin_accounts as account_pages
from fedi.web import admin_reports as report_pages
from fedi.web import settings as profile_settings

STATIC_DIR = Path(__file__).resolve().parent.parent / "web" / "static"


def admin_routes(v1: str) -> list[BaseRoute]:
    """Mastodon's admin API subset (Mastodon.py writes some collection paths with a trailing slash)."""
    accounts_base = f"{v1}/admin/accounts/{{id}}"
    reports_base = f"{v1}/admin/reports/{{id}}"
    return [
        Route(f"{v1}/admin/accounts", admin_accounts.index),
        Route(accounts_base, admin_accounts.show),
        Route(f"{accounts_base}/action", admin_accounts.action, methods=["POST"]),
        *(
            Route(f"{accounts_base}/{name}", getattr(admin_accounts, name), methods=["POST"])
            for name in ("approve", "reject", "enable", "unsilence", "unsuspend", "unsensitive")
        ),
        Route(f"{v1}/admin/reports", admin_reports.index),
        Route(reports_base, admin_reports.show),
        *(
            Route(f"{reports_base}/{name}", getattr(admin_reports, name), methods=["POST"])
            for name in ("assign_to_self", "unassign", "resolve", "reopen")
        ),
        *(
            Route(path, handler, methods=[method])
            for collection in (f"{v1}/admin/domain_blocks", f"{v1}/admin/domain_blocks/")
            for path, handler, method in (
                (collection, admin_domains.blocks, "GET"),
                (collection, admin_domains.create_block, "POST"),
            )
        ),
        Route(f"{v1}/admin/domain_blocks/{{id}}", admin_domains.block, methods=["GET"]),
        Route(f"{v1}/admin/domain_blocks/{{id}}", admin_domains.update_block, methods=["PUT"]),
        Route(f"{v1}/admin/domain_blocks/{{id}}", admin_domains.delete_block, methods=["DELETE"]),
        *(
            Route(path, handler, methods=[method])
            for collection in (f"{v1}/admin/domain_allows", f"{v1}/admin/domain_allows/")
            for path, handler, method in (
                (collection, admin_domains.allows, "GET"),
                (collection, admin_domains.create_allow, "POST"),
            )
        ),
        Route(f"{v1}/admin/domain_allows/{{id}}", admin_domains.allow, methods=["GET"]),
        Route(f"{v1}/admin/domain_allows/{{id}}", admin_domains.delete_allow, methods=["DELETE"]),
    ]


def routes(settings: Settings) -> list[BaseRoute]:
    return [
        *files.media_host_routes(settings),
        Route("/healthz", health.healthz),
        Route("/metrics", metrics.endpoint),
        # Discovery
        Route("/.well-known/webfinger", wellknown.webfinger),
        Route("/.well-known/host-meta", wellknown.host_meta),
        Route("/.well-known/nodeinfo", wellknown.nodeinfo_links),
        Route("/nodeinfo/{version:str}", wellknown.nodeinfo),
        # ActivityPub
        Route("/ns/fedi", ap.extension_context_document),
        Route("/actor", ap.instance_actor),
        Route("/actor/inbox", ap.inbox_post, methods=["POST"]),
        Route("/inbox", ap.inbox_post, methods=["POST"]),
        Route("/users/{username}", ap.actor),
        Route("/users/{username}/inbox", ap.inbox_post, methods=["POST"]),
        Route("/users/{username}/outbox", ap.outbox),
        Route("/users/{username}/followers", ap.followers),
        Route("/users/{username}/following", ap.following),
        Route("/users/{username}/collections/featured", ap.featured),
        Route("/users/{username}/collections/tags", ap.featured_tags),
        Route("/users/{username}/collections/endorsements", ap.endorsements),
        Route("/emojis/{id}", ap.custom_emoji),
        Route("/users/{username}/statuses/{status_id}", ap.status),
        Route("/users/{username}/statuses/{status_id}/activity", ap.status_activity),
        Route("/users/{username}/statuses/{status_id}/replies", ap.status_replies),
        # OAuth and the pages it needs
        Route("/.well-known/oauth-authorization-server", token.authorization_server),
        Route("/oauth/authorize", authorize.authorize_page, methods=["GET"]),
        Route("/oauth/authorize/", authorize.authorize_page, methods=["GET"]),  # toot adds the slash
        Route("/oauth/authorize", authorize.authorize, methods=["POST"], name="authorize"),
        Route("/oauth/authorize/", authorize.authorize, methods=["POST"]),
        Route("/oauth/token", token.token, methods=["POST"]),
        Route("/oauth/revoke", token.revoke, methods=["POST"]),
        Route("/oauth/userinfo", token.userinfo, methods=["GET", "POST"]),
        Route("/auth/sign_in", login.sign_in_page, methods=["GET"]),
        Route("/auth/sign_in", login.sign_in, methods=["POST"], name="sign_in"),
        Route("/auth/sign_out", login.sign_out, methods=["POST"], name="sign_out"),
        *web_routes(),
        *mastodon_routes(),
        # Files
        Mount("/static", StaticFiles(directory=STATIC_DIR), name="static"),
        *files.media_path_routes(settings),
    ]


def web_routes() -> list[BaseRoute]:
    """The public pages and what signed-in people do in a browser (fedi/web, docs/WEB.md)."""
    return [
        Route("/", gallery.gallery),
        Route("/about", about.about),
        Route("/tags/{name}", hashtags.hashtag),
        # The feed first: `{username}` would swallow ".rss".
        Route("/@{username}.rss", feeds.profile_rss),
        Route("/@{username}", profile.profile),
        Route("/@{username}/remote_follow", profile.remote_follow_form, methods=["POST"]),
        Route("/@{username}/{status_id}", post.post),
        Route("/imagine", composer.composer, methods=["GET"]),
        Route("/imagine", composer.start, methods=["POST"]),
        Route("/imagine/{id}", composer.job_page),
        Route("/imagine/{id}/events", progress.events),
        Route("/imagine/{id}/post", composer.publish, methods=["POST"]),
        Route("/imagine/{id}/cancel", composer.cancel, methods=["POST"]),
        Route("/settings/profile", profile_settings.settings_page, methods=["GET"]),
        Route("/settings/profile", profile_settings.save, methods=["POST"]),
        Route("/settings/delete", profile_settings.delete_account, methods=["POST"]),
        Route("/settings/export", profile_settings.export, methods=["POST"]),
        Route("/authorize_interaction", interaction.interaction_page, methods=["GET"]),
        Route("/authorize_interaction", interaction.follow, methods=["POST"]),
        *admin_page_routes(),
    ]


def admin_page_routes() -> list[BaseRoute]:
    """The moderators' pages (docs/MODERATION.md)."""
    return [
        Route("/admin", admin.home),
        Route("/admin/reports", report_pages.index),
        Route("/admin/reports/{id}", report_pages.report),
        Route("/admin/reports/{id}/resolve", report_pages.resolve, methods=["POST"]),
        Route("/admin/reports/{id}/reopen", report_pages.reopen, methods=["POST"]),
        Route("/admin/accounts", account_pages.index),
        Route("/admin/accounts/{id}/change", account_pages.change, methods=["POST"]),
        Route("/admin/accounts/{id}/limit", account_pages.limit, methods=["POST"]),
        Route("/admin/accounts/{id}/note", account_pages.note, methods=["POST"]),
        Route("/admin/sign-ups", account_pages.sign_ups),
        Route("/admin/sign-ups/{id}", account_pages.decide, methods=["POST"]),
        Route("/admin/invites", account_pages.invite_page, methods=["GET"]),
        Route("/admin/invites", account_pages.create_invite, methods=["POST"]),
        Route("/admin/invites/{id}/revoke", account_pages.revoke_invite, methods=["POST"]),
        Route("/admin/domains", admin_policy.domains, methods=["GET"]),
        Route("/admin/domains", admin_policy.block, methods=["POST"]),
        Route("/admin/domains/{id}/remove", admin_policy.unblock, methods=["POST"]),
        Route("/admin/prompts", admin_policy.prompts, methods=["GET"]),
        Route("/admin/prompts", admin_policy.add_term, methods=["POST"]),
        Route("/admin/prompts/{id}/remove", admin_policy.remove_term, methods=["POST"]),
        Route("/admin/bot", admin_policy.switch_bot, methods=["POST"]),
        Route("/admin/bot/remove", admin_policy.unswitch_bot, methods=["POST"]),
        Route("/admin/images", admin_policy.images),
        Route("/admin/images/{id}", admin_policy.review, methods=["POST"]),
        Route("/admin/audit", admin.audit_log),
    ]


def mastodon_routes() -> list[BaseRoute]:
    """The Mastodon client API (docs.joinmastodon.org/methods)."""
    v1 = "/api/v1"
    return [
        Route(f"{v1}/apps", apps.create_app, methods=["POST"]),
        Route(f"{v1}/apps/verify_credentials", apps.verify_app),
        # Accounts (fixed paths before /accounts/{id})
        Route(f"{v1}/accounts", accounts.register, methods=["POST"]),
        Route(f"{v1}/accounts", accounts.many, methods=["GET"]),
        Route(f"{v1}/accounts/verify_credentials", accounts.verify_credentials),
        Route(f"{v1}/accounts/update_credentials", accounts.update_credentials, methods=["PATCH"]),
        Route(f"{v1}/accounts/relationships", accounts.relationships_of),
        Route(f"{v1}/accounts/lookup", accounts.lookup),
        Route(f"{v1}/accounts/familiar_followers", accounts.familiar_followers),
        Route(f"{v1}/accounts/search", accounts.search),
        Route(f"{v1}/accounts/{{id}}", accounts.account),
        Route(f"{v1}/profile/{{kind:str}}", accounts.remove_profile_image, methods=["DELETE"]),
        Route(f"{v1}/accounts/{{id}}/statuses", accounts.statuses),
        Route(f"{v1}/accounts/{{id}}/followers", accounts.followers),
        Route(f"{v1}/accounts/{{id}}/following", accounts.following),
        Route(f"{v1}/accounts/{{id}}/lists", lists.of_account),
        Route(f"{v1}/accounts/{{id}}/featured_tags", featured_tags.of_account),
        Route(f"{v1}/accounts/{{id}}/endorsements", accounts.endorsements),
        # Mastodon 4.4 names (endorse) and the older ones (pin)
        *(
            Route(f"{v1}/accounts/{{id}}/{name}", handler, methods=["POST"])
            for name, handler in (
                ("endorse", accounts.endorse),
                ("pin", accounts.endorse),
                ("unendorse", accounts.unendorse),
                ("unpin", accounts.unendorse),
            )
        ),
        *(
            Route(f"{v1}/accounts/{{id}}/{name}", getattr(accounts, name), methods=["POST"])
            for name in (
                "follow",
                "unfollow",
                "remove_from_followers",
                "block",
                "unblock",
                "mute",
                "unmute",
                "note",
            )
        ),
        # Statuses
        Route(f"{v1}/polls/{{id}}", polls.show, methods=["GET"]),
        Route(f"{v1}/polls/{{id}}/votes", polls.vote, methods=["POST"]),
        Route(f"{v1}/statuses", statuses.create, methods=["POST"]),
        Route(f"{v1}/statuses", statuses.index, methods=["GET"]),
        Route(f"{v1}/statuses/{{id}}", statuses.show, methods=["GET"]),
        Route(f"{v1}/statuses/{{id}}", statuses.delete, methods=["DELETE"]),
        Route(f"{v1}/statuses/{{id}}", statuses.edit, methods=["PUT"]),
        Route(f"{v1}/statuses/{{id}}/context", statuses.context),
        Route(f"{v1}/statuses/{{id}}/history", statuses.history),
        Route(f"{v1}/statuses/{{id}}/source", statuses.source),
        Route(f"{v1}/statuses/{{id}}/favourited_by", statuses.favourited_by),
        Route(f"{v1}/statuses/{{id}}/reblogged_by", statuses.reblogged_by),
        *(
            Route(f"{v1}/statuses/{{id}}/{name}", getattr(statuses, name), methods=["POST"])
            for name in (
                "favourite",
                "unfavourite",
                "reblog",
                "unreblog",
                "bookmark",
                "unbookmark",
                "pin",
                "unpin",
                "mute",
                "unmute",
            )
        ),
        # Timelines and the viewer's collections
        Route(f"{v1}/timelines/home", timelines.home),
        Route(f"{v1}/timelines/public", timelines.public),
        Route(f"{v1}/timelines/tag/{{hashtag}}", timelines.tag),
        Route(f"{v1}/tags/{{name}}", tags.show),
        Route(f"{v1}/tags/{{name}}/follow", tags.follow, methods=["POST"]),
        Route(f"{v1}/tags/{{name}}/unfollow", tags.unfollow, methods=["POST"]),
        Route(f"{v1}/followed_tags", tags.followed),
        Route(f"{v1}/timelines/list/{{id}}", lists.timeline),
        Route(f"{v1}/bookmarks", collections.bookmarks),
        Route(f"{v1}/favourites", collections.favourites),
        # Notifications and markers
        Route(f"{v1}/notifications", notifications.index),
        Route(f"{v1}/notifications/unread_count", notifications.unread_count),
        Route(f"{v1}/notifications/requests", notification_policy.requests),
        Route(f"{v1}/notifications/requests/merged", notification_policy.merged),
        Route(f"{v1}/notifications/requests/accept", notification_policy.accept_many, methods=["POST"]),
        Route(f"{v1}/notifications/requests/dismiss", notification_policy.dismiss_many, methods=["POST"]),
        Route(f"{v1}/notifications/requests/{{id}}", notification_policy.one_request),
        Route(f"{v1}/notifications/requests/{{id}}/accept", notification_policy.accept, methods=["POST"]),
        Route(f"{v1}/notifications/requests/{{id}}/dismiss", notification_policy.dismiss, methods=["POST"]),
        Route(f"{v1}/notifications/policy", notification_policy.show_v1, methods=["GET"]),
        Route(f"{v1}/notifications/policy", notification_policy.update_v1, methods=["PATCH"]),
        Route(f"{v1}/notifications/clear", notifications.clear, methods=["POST"]),
        Route(f"{v1}/notifications/dismiss", notifications.dismiss, methods=["POST"]),
        Route(f"{v1}/notifications/{{id}}", notifications.show),
        Route(f"{v1}/notifications/{{id}}/dismiss", notifications.dismiss, methods=["POST"]),
        Route("/api/v2/notifications", notification_groups.index),
        Route("/api/v2/notifications/unread_count", notification_groups.unread_count),
        Route("/api/v2/notifications/policy", notification_policy.show, methods=["GET"]),
        Route("/api/v2/notifications/policy", notification_policy.update, methods=["PATCH"]),
        Route("/api/v2/notifications/{group_key}", notification_groups.show),
        Route("/api/v2/notifications/{group_key}/accounts", notification_groups.accounts),
        Route("/api/v2/notifications/{group_key}/dismiss", notification_groups.dismiss, methods=["POST"]),
        Route(f"{v1}/conversations", conversations.index),
        Route(f"{v1}/conversations/{{id}}", conversations.remove, methods=["DELETE"]),
        Route(f"{v1}/conversations/{{id}}/read", conversations.mark_read, methods=["POST"]),
        Route(f"{v1}/lists", lists.index, methods=["GET"]),
        Route(f"{v1}/lists", lists.create, methods=["POST"]),
        Route(f"{v1}/lists/{{id}}", lists.show, methods=["GET"]),
        Route(f"{v1}/lists/{{id}}", lists.update, methods=["PUT"]),
        Route(f"{v1}/lists/{{id}}", lists.delete, methods=["DELETE"]),
        Route(f"{v1}/lists/{{id}}/accounts", lists.members, methods=["GET"]),
        Route(f"{v1}/lists/{{id}}/accounts", lists.add_members, methods=["POST"]),
        Route(f"{v1}/lists/{{id}}/accounts", lists.remove_members, methods=["DELETE"]),
        Route(f"{v1}/filters", filters.v1_index, methods=["GET"]),
        Route(f"{v1}/filters", filters.v1_create, methods=["POST"]),
        Route(f"{v1}/filters/{{id}}", filters.v1_show, methods=["GET"]),
        Route(f"{v1}/filters/{{id}}", filters.v1_update, methods=["PUT"]),
        Route(f"{v1}/filters/{{id}}", filters.v1_delete, methods=["DELETE"]),
        # Fixed paths before /api/v2/filters/{id}
        Route("/api/v2/filters/keywords/{id}", filters.show_keyword, methods=["GET"]),
        Route("/api/v2/filters/keywords/{id}", filters.update_keyword, methods=["PUT"]),
        Route("/api/v2/filters/keywords/{id}", filters.delete_keyword, methods=["DELETE"]),
        Route("/api/v2/filters/statuses/{id}", filters.show_status, methods=["GET"]),
        Route("/api/v2/filters/statuses/{id}", filters.delete_status, methods=["DELETE"]),
        Route("/api/v2/filters", filters.index, methods=["GET"]),
        Route("/api/v2/filters", filters.create, methods=["POST"]),
        Route("/api/v2/filters/{id}", filters.show, methods=["GET"]),
        Route("/api/v2/filters/{id}", filters.update, methods=["PUT"]),
        Route("/api/v2/filters/{id}", filters.delete, methods=["DELETE"]),
        Route("/api/v2/filters/{id}/keywords", filters.keywords, methods=["GET"]),
        Route("/api/v2/filters/{id}/keywords", filters.add_keyword, methods=["POST"]),
        Route("/api/v2/filters/{id}/statuses", filters.statuses, methods=["GET"]),
        Route("/api/v2/filters/{id}/statuses", filters.add_status, methods=["POST"]),
        Route(f"{v1}/markers", markers.show, methods=["GET"]),
        Route(f"{v1}/markers", markers.save, methods=["POST"]),
        # Relationships as lists
        Route(f"{v1}/follow_requests", relationships.follow_requests),
        Route(f"{v1}/follow_requests/{{id}}/authorize", relationships.authorize_request, methods=["POST"]),
        Route(f"{v1}/follow_requests/{{id}}/reject", relationships.reject_request, methods=["POST"]),
        Route(f"{v1}/blocks", relationships.blocks),
        Route(f"{v1}/mutes", relationships.mutes),
        Route(f"{v1}/preferences", preferences.show),
        Route(f"{v1}/reports", reports.create, methods=["POST"]),
        *admin_routes(v1),
        Route(f"{v1}/directory", accounts.profile_directory),
        Route("/api/v2/search", search.search),
        # Media
        Route(f"{v1}/media", media.upload, methods=["POST"]),
        Route("/api/v2/media", media.upload, methods=["POST"]),
        Route("/api/v1/fedi/generations", generations.create, methods=["POST"]),
        Route("/api/v1/fedi/generations/{id}", generations.show),
        Route("/api/v1/fedi/generations/{id}/cancel", generations.cancel, methods=["POST"]),
        Route("/api/v1/fedi/statuses/{id}/lineage", lineage.show),
        Route(f"{v1}/media/{{id}}", media.show, methods=["GET"]),
        Route(f"{v1}/media/{{id}}", media.update, methods=["PUT"]),
        Route(f"{v1}/media/{{id}}", media.delete, methods=["DELETE"]),
        # Instance
        Route(f"{v1}/instance", instance.v1),
        Route("/api/v2/instance", instance.v2),
        Route(f"{v1}/instance/peers", instance.peers),
        Route(f"{v1}/instance/rules", instance.rules),
        Route(f"{v1}/instance/domain_blocks", instance.domain_blocks),
        Route(f"{v1}/instance/translation_languages", instance.translation_languages),
        Route(f"{v1}/instance/extended_description", instance.extended_description),
        Route(f"{v1}/instance/activity", instance.activity),
        Route(f"{v1}/instance/languages", instance.languages),
        Route(f"{v1}/custom_emojis", custom_emojis.index),
        # Streaming
        WebSocketRoute(f"{v1}/streaming", streaming.websocket),
        WebSocketRoute(f"{v1}/streaming/", streaming.websocket),
        Route(f"{v1}/streaming/health", streaming.health),
        Route(f"{v1}/streaming/{{stream:path}}", streaming.sse),
        # Features fedi does not have, answered with their empty shapes
        Route(f"{v1}/announcements", stubs.announcements),
        Route(f"{v1}/trends", tag_trends.tags),
        Route(f"{v1}/trends/tags", tag_trends.tags),
        Route(f"{v1}/trends/statuses", trends.statuses),
        Route(f"{v1}/trends/links", tag_trends.links),
        Route(f"{v1}/suggestions", accounts.suggestions),
        Route("/api/v2/suggestions", accounts.suggestions),
        *domain_blocks.routes(v1),
        Route(f"{v1}/endorsements", accounts.endorsements),
        Route(f"{v1}/featured_tags", featured_tags.index, methods=["GET"]),
        Route(f"{v1}/featured_tags", featured_tags.create, methods=["POST"]),
        Route(f"{v1}/featured_tags/suggestions", featured_tags.suggestions),
        Route(f"{v1}/featured_tags/{{id}}", featured_tags.delete, methods=["DELETE"]),
        Route(f"{v1}/scheduled_statuses", scheduled_statuses.index),
        Route(f"{v1}/scheduled_statuses/{{id}}", scheduled_statuses.show, methods=["GET"]),
        Route(f"{v1}/scheduled_statuses/{{id}}", scheduled_statuses.update, methods=["PUT"]),
        Route(f"{v1}/scheduled_statuses/{{id}}", scheduled_statuses.delete, methods=["DELETE"]),
        Route(f"{v1}/push/subscription", push.create, methods=["POST"]),
        Route(f"{v1}/push/subscription", push.show, methods=["GET"]),
        Route(f"{v1}/push/subscription", push.update, methods=["PUT"]),
        Route(f"{v1}/push/subscription", push.delete, methods=["DELETE"]),
    ]
