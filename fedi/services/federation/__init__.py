"""The fediverse side of fedi: what we send (outbox, delivery), what we accept (inbox) and how
we learn about remote actors and posts (remote)."""
