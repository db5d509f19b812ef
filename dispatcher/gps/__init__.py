"""GPS ingest: fixes kept live at once, written to the track in batches, re-plans coalesced."""
