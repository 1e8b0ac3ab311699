"""Business operations: explicit arguments in, models out, FediError on refusal."""
