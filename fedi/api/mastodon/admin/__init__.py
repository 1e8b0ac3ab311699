"""Mastodon's admin API subset that moderation apps use: accounts, reports, domain blocks and
allows. Each endpoint needs an `admin:*` scope and a moderator role or above (domains: admin)."""
