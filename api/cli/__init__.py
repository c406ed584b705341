"""The `uptake` command line: one module per command group."""
