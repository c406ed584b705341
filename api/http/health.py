"""Liveness and readiness probes; no token needed."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from adoption import schema

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    return jsonify({"status": "ok"})


@bp.get("/readyz")
def readyz():
    """Ready when the database answers and its schema is at the migrations' head."""
    engine = current_app.extensions["uptake"].engine
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        current = schema.current_revision(engine)
    except SQLAlchemyError as exc:
        return _not_ready(
            "database_unreachable", f"The database did not answer: {type(exc).__name__}."
        )
    head = schema.head_revision()
    if current != head:
        return _not_ready(
            "migrations_pending",
            f"The schema is at {current}, the code expects {head}: run `uptake db upgrade`.",
        )
    return jsonify({"status": "ready", "revision": current})


def _not_ready(reason: str, message: str):
    body = {"error": {"code": "unavailable", "message": message, "details": {"reason": reason}}}
    response = jsonify(body)
    response.status_code = 503
    response.headers["Retry-After"] = "5"
    return response
