"""An accessibility audit of the pages, for a note: axe-core (axe-playwright-python) on every page
of every role at a desktop (1366 px) and a phone (390 px) width, and whether the page scrolls
sideways on the phone. Not a test: it prints what it finds (the browser tests fail on it).

    .venv/bin/python bench/a11y.py --url http://127.0.0.1:5055 [--json /tmp/a11y.json] \
        [--shots /tmp/shots]   # and a full-page PNG of each view

Needs a running `uptake serve` on the demo (over plain HTTP: UPTAKE_COOKIE_SECURE=off) with the
demo's logins (admin / demo-admin, …) and Debian's Chromium (/usr/bin/chromium). Prints, per
page view, the violations by impact, then every rule with its impact, page views and elements.
"""

from __future__ import annotations

import argparse
import json
from collections import Counter, defaultdict
from datetime import UTC, date, datetime
from pathlib import Path

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, sync_playwright

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"]
WIDTHS = {"desktop": (1366, 900), "phone": (390, 844)}
IMPACTS = ("critical", "serious", "moderate", "minor")


def last_month() -> str:
    today = datetime.now(UTC).date()
    first = date(today.year, today.month, 1)
    previous = date(first.year - (first.month == 1), (first.month - 2) % 12 + 1, 1)
    return previous.strftime("%Y-%m")


def pages() -> dict[str, list[str]]:
    """The pages each demo login reads (its home page first)."""
    month = last_month()
    board = "/sites/S001/leaderboard"
    return {
        "employee": ["/me", board, "/points/rules", "/cards", "/account/password"],
        "manager": [board, "/stores/leaderboard", "/points/rules", "/cards"],
        "hr": ["/champions", f"/champions/{month}", board, "/stores/leaderboard"],
        "rollout": ["/pilots", "/pilots/readiness", "/pilots/targets/1", "/pilots/waves/1"],
        "admin": [
            "/admin/quarantine",
            "/admin/quarantine/1",
            "/admin/features",
            "/admin/features?tab=unmapped",
            "/pilots",
            "/champions",
            board,
        ],
    }


def log_in(page: Page, base: str, user: str) -> None:
    page.goto(f"{base}/login")
    page.fill("input[name=username]", user)
    page.fill("input[name=password]", f"demo-{user}")
    page.click("main form button[type=submit]")
    page.wait_for_load_state()
    if "/login" in page.url:
        raise SystemExit(f"could not sign in as {user}: {page.inner_text('main')[:200]}")


def audit(page: Page, axe: Axe) -> dict:
    """The page's violations (rule → impact and element count) and its sideways overflow."""
    results = axe.run(page).response
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    return {
        "violations": {
            v["id"]: {"impact": v["impact"], "nodes": len(v["nodes"])}
            for v in results["violations"]
        },
        "overflow_px": max(0, int(overflow)),
    }


def run(base: str, shots: Path | None = None) -> list[dict]:
    axe = Axe()
    found = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page()
        found.append({"role": "anonymous", "path": "/login", "width": "desktop"})
        page.goto(f"{base}/login")
        found[-1].update(audit(page, axe))
        for role, paths in pages().items():
            for width, (w, h) in WIDTHS.items():
                context = browser.new_context(viewport={"width": w, "height": h})
                view = context.new_page()
                log_in(view, base, role)
                for path in paths:
                    response = view.goto(f"{base}{path}")
                    if "/login" in view.url:
                        raise SystemExit(f"{role} was signed out at {path}")
                    row = {"role": role, "path": path, "width": width, "status": response.status}
                    found.append(row | audit(view, axe))
                    if shots is not None:
                        name = f"{role}-{width}{path}".replace("/", "_").replace("?", "_")
                        view.screenshot(path=str(shots / f"{name}.png"), full_page=True)
                context.close()
        browser.close()
    return found


def report(found: list[dict]) -> None:
    print(f"{'role':9} {'page':26} {'width':7} {'sideways':>8}  " + " ".join(IMPACTS))
    rules: dict[str, dict] = defaultdict(lambda: {"impact": "", "views": 0, "nodes": 0})
    for row in found:
        impacts = Counter()
        for rule, v in row["violations"].items():
            impacts[v["impact"]] += 1
            rules[rule].update(impact=v["impact"])
            rules[rule]["views"] += 1
            rules[rule]["nodes"] += v["nodes"]
        counts = " ".join(f"{impacts[i]:>{len(i)}}" for i in IMPACTS)
        where = f"{row['role']:9} {row['path'][:26]:26} {row['width']:7}"
        print(f"{where} {row['overflow_px']:>6}px  {counts}")
    print(f"\n{len(found)} page views; rules violated:")
    for rule, v in sorted(rules.items(), key=lambda kv: (IMPACTS.index(kv[1]["impact"]), kv[0])):
        print(f"  {rule:34} {v['impact']:9} {v['views']:>3} views {v['nodes']:>5} elements")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--url", default="http://127.0.0.1:5055")
    parser.add_argument("--json", help="also write every finding to this file")
    parser.add_argument("--shots", type=Path, help="also save a full-page PNG of each view here")
    args = parser.parse_args()
    if args.shots:
        args.shots.mkdir(parents=True, exist_ok=True)
    found = run(args.url.rstrip("/"), args.shots)
    report(found)
    if args.json:
        with open(args.json, "w", encoding="utf-8") as file:
            json.dump(found, file, indent=1)


if __name__ == "__main__":
    main()
