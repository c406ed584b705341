"""Browser tests: the real app behind a WSGI server, Debian's Chromium driven by Playwright.

One small simulated chain (the `uptake demo` code path: 6 sites, 5 weeks, then the points,
snapshots and badges jobs, and two readiness rules) is seeded per run into a SQLite file and
served by werkzeug on 127.0.0.1 and a free port from a background thread. Each test gets its
own browser context (its own cookies) and leaves a full-page screenshot in
test-artifacts/screenshots/<test name>.png. Without /usr/bin/chromium the tests are skipped.
"""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from click.testing import CliRunner
from playwright.sync_api import Page, sync_playwright
from werkzeug.serving import make_server

from adoption.config import Settings
from api import create_app
from api.cli.main import main
from tests.browser.helpers import DESKTOP, SCREENSHOTS

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
DEMO = ["demo", "--seed", "7", "--sites", "6", "--weeks", "5"]
SEED_COMMANDS = (
    ["db", "upgrade"],
    DEMO,
    ["jobs", "run", "points"],
    ["jobs", "run", "snapshots"],
    ["jobs", "run", "badges"],
    ["pilots", "rules", "add", "--metric", "adoption_rate", "--min", "0.8", "--weeks", "2"],
    ["pilots", "rules", "add", "--metric", "error_rate", "--max", "0.05", "--weeks", "1",
     "--scope", "previous_wave"],
)  # fmt: skip
TIMEOUT_MS = 15_000


@pytest.fixture(scope="session")
def demo_settings(tmp_path_factory) -> Settings:
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is missing: apt-get install -y chromium (.ci/run does)")
    base = tmp_path_factory.mktemp("browser")
    env = {
        "UPTAKE_DATABASE_URL": f"sqlite:///{base / 'uptake.sqlite3'}",
        "UPTAKE_INSTANCE_PATH": str(base / "instance"),
        "UPTAKE_SECRET_KEY": "browser-tests",
        "UPTAKE_SCHEDULER": "off",
        "UPTAKE_COOKIE_SECURE": "off",  # plain http://127.0.0.1, as `uptake serve` gives the demo
    }
    runner = CliRunner()
    for args in SEED_COMMANDS:
        result = runner.invoke(main, args, env=env, catch_exceptions=False)
        assert result.exit_code == 0, f"uptake {' '.join(args)}: {result.output}"
    return Settings.from_env(env)


@pytest.fixture(scope="session")
def base_url(demo_settings):
    app = create_app(demo_settings)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="browser-tests-wsgi", daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=10)
    app.extensions["uptake"].engine.dispose()


@pytest.fixture(scope="session")
def browser(base_url):
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        yield chromium
        chromium.close()


@pytest.fixture
def new_page(browser, base_url, request):
    """`new_page(viewport=DESKTOP)`: a page in a fresh context (no cookies); every page opened
    gets a full-page screenshot when the test ends (the first named after the test)."""
    contexts, pages = [], []

    def make(viewport: dict = DESKTOP) -> Page:
        context = browser.new_context(base_url=base_url, viewport=viewport, accept_downloads=True)
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        page = context.new_page()
        pages.append(page)
        return page

    yield make
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for i, page in enumerate(pages):
        suffix = "" if i == 0 else f"-{i + 1}"
        page.screenshot(path=SCREENSHOTS / f"{request.node.name}{suffix}.png", full_page=True)
    for context in contexts:
        context.close()
