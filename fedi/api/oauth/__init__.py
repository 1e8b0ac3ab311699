"""OAuth 2: the consent flow, tokens, revocation and discovery."""
