"""`fedi setup`: the interactive (or scripted) first run that writes config.toml."""
