"""Screenshots for a note: /pilots in English and Chinese, and the optimisation report's PDF in
both, its first pages as PNGs. Not a test: it asserts nothing beyond getting each document.

    .venv/bin/python bench/screenshots.py                    # http://127.0.0.1:5055, rollout
    .venv/bin/python bench/screenshots.py --url http://127.0.0.1:5000 --out /tmp/shots \\
        --user rollout --password demo-rollout --from 2026-11-01 --to 2026-11-28

Needs a running `uptake serve` (over plain HTTP: UPTAKE_COOKIE_SECURE=off) with an account that
reads /pilots and the report (a rollout lead; the demo's is rollout / demo-rollout), Debian's
Chromium (/usr/bin/chromium) and, to rasterise the PDFs, poppler's `pdftoppm` (without it only
the PDFs are saved). Chinese text needs a CJK font (`fc-list :lang=zh`; fonts-noto-cjk).

The language of each shot is the browser's (Accept-Language). An account that has chosen a
language follows its choice whatever the browser says, so the script clears the choice for
the run (PUT /api/v1/account/locale) and puts it back afterwards. Writes, in --out:
pilots-en.png, pilots-zh.png, report-en.pdf, report-zh.pdf and report-<lang>-p<n>.png.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from playwright.sync_api import BrowserContext, sync_playwright

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"]
LANGS = {"en": "en", "zh": "zh-CN"}  # file suffix → the browser's locale (Accept-Language)
VIEWPORT = {"width": 1280, "height": 900}
TIMEOUT_MS = 60_000


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            context = browser.new_context(base_url=args.url, viewport=VIEWPORT, locale="en")
            context.set_default_timeout(TIMEOUT_MS)
            token = sign_in(context, args.user, args.password)
            chosen = account_locale(context, token, read=True)
            if chosen is not None:
                account_locale(context, token, None)
            failed = 0
            try:
                for suffix, locale in LANGS.items():
                    shot = args.out / f"pilots-{suffix}.png"
                    failed += not pilots_png(browser, args.url, context, locale, shot)
                    pdf = report_pdf(context, locale, args, args.out / f"report-{suffix}.pdf")
                    rasterise(pdf, args.pages, args.out / f"report-{suffix}")
            finally:
                if chosen is not None:
                    account_locale(context, token, chosen)
        finally:
            browser.close()
    return 1 if failed else 0


def parse(argv: list[str] | None) -> argparse.Namespace:
    to = datetime.now(UTC).date() - timedelta(days=2)  # a day that has ended at every site
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--url", default="http://127.0.0.1:5055")
    p.add_argument("--user", default="rollout")
    p.add_argument("--password", default="demo-rollout")
    p.add_argument("--out", type=Path, default=Path("/tmp/shots"))
    p.add_argument("--from", dest="from_", type=date.fromisoformat, default=to - timedelta(27))
    p.add_argument("--to", type=date.fromisoformat, default=to)
    p.add_argument("--pages", type=int, default=2, help="PDF pages to rasterise (default 2)")
    return p.parse_args(argv)


def sign_in(context: BrowserContext, user: str, password: str) -> str:
    """Signs in through the login form; the session's CSRF token."""
    page = context.new_page()
    page.goto("/login")
    page.fill("input[name=username]", user)
    page.fill("input[name=password]", password)
    with page.expect_navigation():
        page.click("main form button[type=submit]")
    if "/login" in page.url:
        sys.exit(f"sign-in as {user} failed: {page.inner_text('main')[:300]}")
    token = page.get_attribute("input[name=csrf_token]", "value")
    page.close()
    return token


def account_locale(
    context: BrowserContext, token: str, locale: str | None = None, *, read: bool = False
) -> str | None:
    """The account's own language (`read`), or sets it; None: it follows the browser."""
    if read:
        response = context.request.get("/api/v1/account/locale")
    else:
        headers = {"X-CSRF-Token": token}
        response = context.request.put(
            "/api/v1/account/locale", data={"locale": locale}, headers=headers
        )
    if not response.ok:
        sys.exit(f"/api/v1/account/locale: {response.status} {response.text()[:300]}")
    return response.json()["locale"]


def pilots_png(browser, base_url: str, signed_in: BrowserContext, locale: str, path: Path) -> bool:
    """/pilots, full page, in a context speaking `locale` with the signed-in session's cookies."""
    context = browser.new_context(
        base_url=base_url,
        viewport=VIEWPORT,
        locale=locale,
        storage_state=signed_in.storage_state(),
    )
    context.set_default_timeout(TIMEOUT_MS)
    try:
        page = context.new_page()
        response = page.goto("/pilots", wait_until="networkidle")
        if response is None or response.status != 200 or "/login" in page.url:
            print(f"/pilots ({locale}): {response and response.status} at {page.url}; no shot")
            return False
        page.screenshot(path=path, full_page=True)
    finally:
        context.close()
    print(f"wrote {path}")
    return True


def report_pdf(context: BrowserContext, locale: str, args: argparse.Namespace, path: Path):
    """GET /api/v1/reports/optimisation?format=pdf with the session, in `locale`."""
    params = {"from": args.from_.isoformat(), "to": args.to.isoformat(), "format": "pdf"}
    response = context.request.get(
        "/api/v1/reports/optimisation",
        params=params,
        headers={"Accept-Language": locale},
        timeout=180_000,
    )
    body = response.body()
    if not response.ok or not body.startswith(b"%PDF"):
        sys.exit(f"report ({locale}): {response.status} {body[:300]!r}")
    path.write_bytes(body)
    print(f"wrote {path} ({len(body):,} bytes)")
    return path


def rasterise(pdf: Path, pages: int, prefix: Path) -> None:
    """Pages 1..`pages` of `pdf` as <prefix>-p<n>.png (pdftoppm, 110 dpi); a note without it."""
    pdftoppm = shutil.which("pdftoppm")
    if pdftoppm is None:
        print("pdftoppm is missing (apt-get install -y poppler-utils): only the PDF is saved")
        return
    for n in range(1, pages + 1):
        out = prefix.with_name(f"{prefix.name}-p{n}")
        done = subprocess.run(
            [pdftoppm, "-png", "-r", "110", "-f", str(n), "-l", str(n), "-singlefile", pdf, out],
            capture_output=True,
            text=True,
        )
        if done.returncode != 0:  # fewer pages than asked: pdftoppm says so
            print(f"page {n} of {pdf}: {done.stderr.strip()}")
            break
        print(f"wrote {out}.png")


if __name__ == "__main__":
    sys.exit(main())
