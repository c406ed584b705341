"""gunicorn entry point: `uptake serve` runs the app factory in each worker."""

from __future__ import annotations

from gunicorn.app.base import BaseApplication

from api import create_app
from api.auth import OPERATOR_ENVIRON_KEY


class _Gunicorn(BaseApplication):
    def __init__(self, options: dict) -> None:
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self):
        return _without_operator(create_app())


def _without_operator(app):
    """The served app: a request's environ never carries the CLI operator's key (only the
    in-process `api.cli.operator` sets it), whatever a server or proxy in front might do."""

    def served(environ, start_response):
        environ.pop(OPERATOR_ENVIRON_KEY, None)
        return app(environ, start_response)

    return served


def serve(*, host: str, port: int, workers: int) -> None:
    _Gunicorn(
        {"bind": f"{host}:{port}", "workers": workers, "accesslog": "-", "timeout": 120}
    ).run()
