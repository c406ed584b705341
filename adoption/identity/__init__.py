"""Who may do what: API tokens, web accounts and their roles (no Flask)."""
