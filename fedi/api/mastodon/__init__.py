"""The Mastodon client API, one module per resource."""
