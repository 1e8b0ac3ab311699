"""Background jobs on huey: the engine schedules and retries; our tables hold the truth."""
