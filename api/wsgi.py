"""gunicorn entry point: `uptake serve` runs the app factory in each worker."""

from __future__ import annotations

from gunicorn.app.base import BaseApplication

from api import create_app


class _Gunicorn(BaseApplication):
    def __init__(self, options: dict) -> None:
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self):
        return create_app()


def serve(*, host: str, port: int, workers: int) -> None:
    _Gunicorn(
        {"bind": f"{host}:{port}", "workers": workers, "accesslog": "-", "timeout": 120}
    ).run()
