"""The layering of STYLE.md: domain packages never import the web layer, rewards never pilots."""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("adoption", "pilots", "rewards", "api")
DOMAIN = ("adoption", "pilots", "rewards")
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"


def lint_imports(cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"],
        cwd=cwd,
        env={"PYTHONPATH": str(cwd), "PATH": str(LINT_IMPORTS.parent)},
        capture_output=True,
        text=True,
        timeout=120,
    )


def forbidden_imports() -> dict[str, set[str]]:
    """Source package → the modules its `forbidden` contracts forbid."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
    forbidden: dict[str, set[str]] = {}
    for contract in config["contracts"]:
        if contract["type"] == "forbidden":
            for source in contract["source_modules"]:
                forbidden.setdefault(source, set()).update(contract["forbidden_modules"])
    return forbidden


def test_import_contracts_are_kept():
    result = lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("package", DOMAIN)
def test_domain_package_may_not_import_flask_or_api(package):
    assert {"flask", "api"} <= forbidden_imports().get(package, set())


def test_rewards_may_not_import_pilots():
    assert "pilots" in forbidden_imports().get("rewards", set())


def test_front_doors_are_independent_of_each_other():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
    independent = [c["modules"] for c in config["contracts"] if c["type"] == "independence"]
    assert ["api.http", "api.web", "api.cli"] in independent


def test_contracts_cover_every_package_and_see_external_imports():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
    assert set(PACKAGES) <= set(config["root_packages"])
    assert config["include_external_packages"] is True  # else "flask" could not be forbidden


def test_a_planted_flask_import_in_the_domain_breaks_the_contracts(tmp_path):
    for package in PACKAGES:
        shutil.copytree(ROOT / package, tmp_path / package, ignore=shutil.ignore_patterns("*.pyc"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    (tmp_path / "rewards" / "planted.py").write_text("import flask\nimport pilots\n")
    result = lint_imports(tmp_path)
    assert result.returncode != 0
    assert "rewards.planted -> flask" in result.stdout
    assert "rewards.planted -> pilots" in result.stdout


MAX_FUNCTION_LINES = 40


def long_functions(folder: Path, limit: int = MAX_FUNCTION_LINES) -> list[str]:
    """`path:line name (n lines)` for every function under `folder` longer than `limit` lines."""
    found = []
    for path in sorted(folder.rglob("*.py")):
        tree = ast.parse(path.read_text(), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                length = node.end_lineno - node.lineno + 1
                if length > limit:
                    where = path.relative_to(ROOT)
                    found.append(f"{where}:{node.lineno} {node.name} ({length} lines)")
    return found


def test_no_function_in_api_is_longer_than_40_lines():
    assert long_functions(ROOT / "api") == []
