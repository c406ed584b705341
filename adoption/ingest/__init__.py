"""Getting events in: the one event validator, batch ingest, quarantine, registry."""
