"""`uptake serve`: the web app and API under gunicorn."""

from __future__ import annotations

import click


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--workers", default=2, show_default=True, type=click.IntRange(1, 64))
def serve(host: str, port: int, workers: int) -> None:
    """Serve the web app and API with gunicorn."""
    from api.wsgi import serve as run

    run(host=host, port=port, workers=workers)
