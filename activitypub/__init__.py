"""ActivityPub protocol core: signatures, WebFinger, vocabulary, inbox/outbox helpers, delivery."""
