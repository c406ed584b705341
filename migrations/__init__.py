"""Alembic environment and versions: the only way the schema changes."""


def import_all_models() -> None:
    """Every package's tables on the one metadata: Alembic and the tests see the whole schema."""
    import adoption.identity.models
    import adoption.jobs.models
    import adoption.models
    import adoption.notify.models  # noqa: F401
    import pilots.models  # noqa: F401
    import rewards.models  # noqa: F401
