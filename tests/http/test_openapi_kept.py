"""The OpenAPI document is built by a process's first app and kept: later apps serve it whole."""

from __future__ import annotations

from api import UptakeApi, create_app


def test_a_later_app_serves_the_document_a_fresh_build_gives(settings, monkeypatch):
    monkeypatch.setattr(UptakeApi, "_document", None)  # this process builds it again
    built = create_app(settings)
    later = create_app(settings)
    try:
        fresh = built.test_client().get("/api/v1/openapi.json").get_json()
        kept = later.test_client().get("/api/v1/openapi.json").get_json()
        assert fresh["paths"] and kept == fresh
        kept["paths"].clear()  # a reader's copy: changing it changes nothing served
        assert later.test_client().get("/api/v1/openapi.json").get_json() == fresh
        routes = {app: sorted(r.rule for r in app.url_map.iter_rules()) for app in (built, later)}
        assert routes[later] == routes[built]  # every route registered all the same
    finally:
        for app in (built, later):
            app.extensions["uptake"].engine.dispose()
