"""mypy skips the aws_cdk modules nobody imports (pyproject.toml says why): every aws_cdk module the
type-checked code imports must be on the list it follows, or its calls would go unchecked (Any)."""

from __future__ import annotations

import ast
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _imported_cdk_modules(config: dict[str, object]) -> set[str]:
    found: set[str] = set()
    for folder in config["files"]:  # type: ignore[attr-defined]
        for path in (ROOT / folder).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(), str(path))):
                if isinstance(node, ast.Import):
                    found |= {alias.name for alias in node.names if alias.name.split(".")[0] == "aws_cdk"}
                elif isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "aws_cdk":
                    found.add(node.module or "")
                    # `from aws_cdk import aws_s3 as s3` imports a module; `import Duration` a name of the root
                    found |= {f"aws_cdk.{alias.name}" for alias in node.names if alias.name.startswith("aws_")}
    return found


def test_every_imported_cdk_module_is_followed_by_mypy() -> None:
    mypy = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["mypy"]
    modes = {module: override.get("follow_imports") for override in mypy["overrides"] for module in override["module"]}
    assert modes["aws_cdk.*"] == "skip"
    followed = {module for module, mode in modes.items() if module.startswith("aws_cdk") and mode == "normal"}
    imported = _imported_cdk_modules(mypy)
    assert "aws_cdk.aws_lambda" in imported and "aws_cdk" in imported
    assert imported <= followed, f"add to the followed list in pyproject.toml: {sorted(imported - followed)}"
    assert followed <= imported, f"no longer imported, take off the list: {sorted(followed - imported)}"
