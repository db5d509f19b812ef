"""Photos of the work (before/after), stored on disk by content hash."""
