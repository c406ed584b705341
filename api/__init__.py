"""The Flask app factory: settings, database, OpenAPI, blueprints and error handlers.

Every request is one unit of work (`api.database`): the view's writes are committed once when it
returns and rolled back when it raises; handlers never commit.
"""

from __future__ import annotations

import copy
import logging
from dataclasses import dataclass
from typing import ClassVar

from flask import Flask
from flask_smorest import Api
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from adoption.config import Settings
from adoption.db import make_engine, make_sessionmaker
from adoption.ingest.validation import MAX_BODY_BYTES
from api import database, errors, i18n, security
from api.schemas.errors import ErrorSchema
from api.schemas.events import EventBatchSchema, EventSchema

API_PREFIX = "/api/v1"
# Room for gzip framing above the decompressed limit; the decompressed size is checked again.
MAX_REQUEST_BYTES = MAX_BODY_BYTES + 64 * 1024


@dataclass
class Uptake:
    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]


class UptakeFlask(Flask):
    """Flask, running every view in the request's unit of work (`api.database`)."""

    def dispatch_request(self):
        return database.in_unit_of_work(super().dispatch_request)


class UptakeApi(Api):
    """flask-smorest, answering its own errors (e.g. 422 from webargs) in our JSON shape and
    documenting that shape (`{"error": {...}}`) as every error response of the OpenAPI document."""

    ERROR_SCHEMA = ErrorSchema
    # The OpenAPI document is the same for every app of a process: the routes and schemas are
    # code. Building it is most of create_app's time (~40 ms of ~75), so the process's first app
    # keeps its document and later apps (each test's, each CLI command's) register their routes
    # alone and serve that document.
    _document: ClassVar[dict | None] = None

    def handle_http_exception(self, error):
        return errors.handle_http(error)

    @property
    def documented(self) -> bool:
        """Whether this process's document is kept already (later apps skip building it)."""
        return UptakeApi._document is not None

    def register_blueprint(self, blp, *, parameters=None, **options):
        if not self.documented:
            super().register_blueprint(blp, parameters=parameters, **options)
            return
        name = options.get("name", blp.name)
        self._app.extensions["flask-smorest"]["blp_name_to_api"][name] = self
        self._app.register_blueprint(blp, **options)

    def document_schemas(self, **schemas) -> None:
        """Schemas the document names that no route's does (unless the document is kept)."""
        if not self.documented:
            for name, schema in schemas.items():
                self.spec.components.schema(name, schema=schema)

    def keep_document(self) -> None:
        """After every blueprint: keep the first app's document, or serve the one kept."""
        if UptakeApi._document is None:
            UptakeApi._document = self.spec.to_dict()
        else:
            self.spec = _KeptDocument(self.spec.title, UptakeApi._document)


class _KeptDocument:
    """In place of a later app's APISpec: the process's document, a copy each time it is read."""

    def __init__(self, title: str, document: dict) -> None:
        self.title = title
        self._document = document

    def to_dict(self) -> dict:
        return copy.deepcopy(self._document)


def create_app(settings: Settings | None = None) -> Flask:
    settings = settings or Settings.from_env()
    app = UptakeFlask(__name__, instance_path=str(settings.instance_path.resolve()))
    app.config.update(
        SECRET_KEY=settings.secret_key,
        MAX_CONTENT_LENGTH=MAX_REQUEST_BYTES,
        API_TITLE="Uptake",
        API_VERSION="v1",
        OPENAPI_VERSION="3.0.3",
        OPENAPI_URL_PREFIX=API_PREFIX,
        OPENAPI_JSON_PATH="openapi.json",
        API_SPEC_OPTIONS={
            "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
            "security": [{"bearer": []}],
            "info": {"description": "Is the new system really used? See docs/api.md."},
        },
    )
    engine = make_engine(settings.database_url)
    app.extensions["uptake"] = Uptake(settings, engine, make_sessionmaker(engine))
    app.teardown_appcontext(database.close_session)
    security.configure(app, settings)  # cookie flags, proxies, headers on every response
    i18n.init_app(app)  # English and Simplified Chinese: the locale of each request
    _register(app)
    logging.basicConfig(level=logging.INFO)
    if settings.scheduler:  # in every worker: the run-once lock makes each job run once
        from api.jobs import start_in_background

        sessions = app.extensions["uptake"].sessions
        app.extensions["uptake.scheduler"] = start_in_background(settings, sessions)
    return app


def _register(app: Flask) -> None:
    from api import web
    from api.http import (
        accounts,
        adoption,
        cards,
        champions,
        displays,
        events,
        health,
        jobs,
        kudos,
        leaderboards,
        masterdata,
        notifications,
        pilots,
        points,
        privacy,
        quarantine,
        receivers,
        reports,
        targets,
        waves,
    )

    api = UptakeApi(app)
    api.document_schemas(Event=EventSchema, EventBatch=EventBatchSchema)
    for module in (events, masterdata, quarantine, adoption, waves, leaderboards, jobs, champions):
        api.register_blueprint(module.bp, url_prefix=API_PREFIX)
    for module in (pilots, accounts, privacy, points, kudos, displays, notifications, reports):
        api.register_blueprint(module.bp, url_prefix=API_PREFIX)
    api.register_blueprint(targets.bp, url_prefix=API_PREFIX)
    api.register_blueprint(cards.bp, url_prefix=API_PREFIX)
    api.keep_document()
    app.register_blueprint(health.bp)
    app.register_blueprint(receivers.bp)  # Segment's and PostHog's paths, at the root
    app.register_blueprint(web.bp)
    app.register_blueprint(web.display_bp)  # /display/<token>: the store TV, no login
    errors.register(app)
