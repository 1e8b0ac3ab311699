"""Moving an instance to bigger pieces: the database to PostgreSQL, media to a bucket."""
