"""Pure functions between our models and the outside world's JSON (ActivityPub, Mastodon API)."""
