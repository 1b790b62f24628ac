"""Check that dependencies between the packages of app/ run one way (docs/architecture.md).

Reads every import of every module with `ast` (imports inside functions and TYPE_CHECKING
blocks included) and prints each violation as `path:line: message`; exit status 1 if any.
Also refuses `exec(` or `compile(` outside app/rules/codegen.py: the product has one
evaluator, the generated one.
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ALLOWED: dict[str, set[str]] = {
    "core": set(),
    "workout": {"core"},
    "rules": {"workout", "core"},
    "audit": {"core"},
    "auth": {"audit", "core"},
    "webhooks": {"audit", "core"},
    "content": {"rules", "workout", "audit", "webhooks", "core"},
    "outcomes": {"content", "rules", "workout", "core"},
    "api": {
        "core",
        "workout",
        "rules",
        "content",
        "auth",
        "audit",
        "outcomes",
        "webhooks",
        "web",
        "services",
    },
    "web": {"core"},
}
COMPOSITION_ROOT = {"main", "lifespan", "services", "cli", "openapi_export", "__main__", "__init__"}
GENERATOR = Path("app/rules/codegen.py")


def imported_units(tree: ast.AST) -> Iterator[tuple[int, str]]:
    """(line, first part below `app`) of every `app.*` import in a module."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
            if node.module == "app":
                names = [f"app.{alias.name}" for alias in node.names]
        else:
            continue
        for name in names:
            parts = name.split(".")
            if parts[0] == "app" and len(parts) > 1:
                yield node.lineno, parts[1]


def violations(source: str, path: Path) -> list[str]:
    """The layer rules broken by one module of app/, given its path relative to the repo."""
    parts = path.parts
    unit = parts[1] if len(parts) > 2 else path.stem
    tree = ast.parse(source, str(path))
    found: list[str] = []
    if unit not in COMPOSITION_ROOT:
        allowed = ALLOWED.get(unit)
        if allowed is None:
            return [f"{path}:1: package app.{unit} has no layer rule (add it to ALLOWED)"]
        for line, target in imported_units(tree):
            if target != unit and target not in allowed:
                found.append(f"{path}:{line}: app.{unit} may not import app.{target}")
    if path != GENERATOR:
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id in ("exec", "compile")
            ):
                found.append(f"{path}:{node.lineno}: {node.func.id}() outside {GENERATOR}")
    return found


def main() -> int:
    found: list[str] = []
    for file in sorted((ROOT / "app").rglob("*.py")):
        relative = file.relative_to(ROOT)
        found += violations(file.read_text(encoding="utf-8"), relative)
    for line in found:
        print(line)
    if not found:
        print("layers: every import runs one way")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
