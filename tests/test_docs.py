"""The docs in docs/ keep up with the code: every endpoint and command is documented, and the
README links only to files in the repository.

A failure lists exactly what is missing, written as it should appear in the doc.
"""

from __future__ import annotations

import re
from pathlib import Path

import click
import pytest

from api.cli.main import main as uptake

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
PROBES = {"/healthz", "/readyz"}
# `GET /api/v1/sites/{site_id}` as a heading or in a table, in backticks.
DOCUMENTED_ENDPOINT = re.compile(r"`(GET|POST|PUT|PATCH|DELETE) (/[^`\s?]*)")
MARKDOWN_LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)")


def doc_path(rule: str) -> str:
    """Flask's `/champions/<month>` or `/features/<path:action>` → `/champions/{month}`."""
    return re.sub(r"<(?:[a-z]+:)?([A-Za-z_]+)>", r"{\1}", rule)


def served_endpoints(app) -> set[str]:
    return {
        f"{method} {doc_path(rule.rule)}"
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/api/v1/") or rule.rule in PROBES
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }


def documented_endpoints(text: str) -> set[str]:
    return {f"{method} {path}" for method, path in DOCUMENTED_ENDPOINT.findall(text)}


def command_paths(group: click.Group, prefix: tuple[str, ...] = ("uptake",)) -> set[str]:
    paths = set()
    for name, command in group.commands.items():
        path = (*prefix, name)
        if isinstance(command, click.Group):
            paths |= command_paths(command, path)
        else:
            paths.add(" ".join(path))
    return paths


def test_every_endpoint_is_in_the_api_reference(app):
    documented = documented_endpoints((DOCS / "api.md").read_text())
    missing = sorted(served_endpoints(app) - documented)
    assert not missing, "docs/api.md does not document (add a `METHOD /path` line for each):\n" + (
        "\n".join(f"  `{m}`" for m in missing)
    )


def test_the_api_reference_documents_no_endpoint_that_is_not_served(app):
    stale = sorted(documented_endpoints((DOCS / "api.md").read_text()) - served_endpoints(app))
    stale = [s for s in stale if s.split()[1].startswith("/api/v1/") or s.split()[1] in PROBES]
    assert not stale, "docs/api.md documents endpoints the app does not serve:\n" + "\n".join(
        f"  `{s}`" for s in stale
    )


def test_every_command_is_in_the_cli_reference():
    text = (DOCS / "cli.md").read_text()
    missing = sorted(p for p in command_paths(uptake) if f"`{p}" not in text)
    assert not missing, "docs/cli.md does not document (add a `uptake …` heading for each):\n" + (
        "\n".join(f"  `{m}`" for m in missing)
    )


def anchors(page: Path) -> set[str]:
    """GitHub's heading anchors: lower case, punctuation dropped, spaces → hyphens."""
    headings = re.findall(r"^#+ (.+)$", page.read_text(), flags=re.MULTILINE)
    return {re.sub(r"[^\w\- ]", "", h.strip().lower()).replace(" ", "-") for h in headings}


@pytest.mark.parametrize("page", ["README.md", *(f"docs/{p.name}" for p in DOCS.glob("*.md"))])
def test_links_stay_inside_the_repository(page):
    """A person who clones Uptake has the repository and nothing beside it."""
    source = ROOT / page
    broken = []
    for target in MARKDOWN_LINK.findall(source.read_text()):
        if re.match(r"^[a-z]+://|^mailto:|^#", target):
            continue
        file, _, anchor = target.partition("#")
        resolved = (source.parent / file).resolve()
        if (
            ".." in Path(file).parts
            or not resolved.is_relative_to(ROOT)
            or not resolved.exists()
            or (anchor and resolved.suffix == ".md" and anchor not in anchors(resolved))
        ):
            broken.append(target)
    assert not broken, f"{page} links outside the repository or to missing files/anchors: {broken}"


def test_readme_names_nothing_outside_the_repository():
    assert "../" not in (ROOT / "README.md").read_text()
    assert "shared/" not in (ROOT / "README.md").read_text()
