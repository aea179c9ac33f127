"""No service imports another; contracts are data only; the platform knows no service."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SERVICES = ("intake", "placements", "evictions", "reporting")
PACKAGES = {f"tak_{s}": ROOT / "services" / s for s in SERVICES} | {
    "tak_contracts": ROOT / "shared" / "contracts",
    "tak_platform": ROOT / "shared" / "platform",
}
ALLOWED = {f"tak_{s}": {f"tak_{s}", "tak_contracts", "tak_platform"} for s in SERVICES} | {
    "tak_contracts": {"tak_contracts"},
    "tak_platform": {"tak_platform", "tak_contracts"},
}


def tak_imports(folder: Path, root: Path = ROOT) -> set[tuple[str, str]]:
    """``(file, top-level tak_* module)`` for every import in the folder's Python files."""
    found: set[tuple[str, str]] = set()
    for path in folder.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            names = (
                [a.name for a in node.names]
                if isinstance(node, ast.Import)
                else [node.module]
                if isinstance(node, ast.ImportFrom) and node.module
                else []
            )
            found |= {
                (str(path.relative_to(root)), n.split(".")[0])
                for n in names
                if n.startswith("tak_")
            }
    return found


@pytest.mark.parametrize("package", sorted(PACKAGES))
def test_package_imports_only_what_it_may(package: str) -> None:
    wrong = sorted(
        f"{file} imports {module}"
        for file, module in tak_imports(PACKAGES[package])
        if module not in ALLOWED[package]
    )
    assert not wrong, "a package reaches into another it must not know:\n" + "\n".join(wrong)


def test_the_check_catches_a_service_importing_another(tmp_path: Path) -> None:
    (tmp_path / "bad.py").write_text("from tak_placements.domain import Apartment\n")
    assert ("bad.py", "tak_placements") in tak_imports(tmp_path, root=tmp_path)
