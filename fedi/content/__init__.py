"""Text and HTML of statuses and profiles."""
