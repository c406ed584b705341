"""Job plumbing: the run-once lock and the record of every scheduled run."""
