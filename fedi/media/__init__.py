"""Media files: image processing and storage."""
