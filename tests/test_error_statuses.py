"""Every error a service can refuse with is of the one family (``tak_platform.errors``) and is
answered with a 4xx: the walk imports every module of every service and of the platform and
checks each subclass of ``TakError`` it finds. Only ``Unavailable`` (a read model catching up)
is a 503, and nothing is a 500."""

from __future__ import annotations

import importlib
import pkgutil
from types import ModuleType

import pytest

from tak_platform.errors import Kind, TakError
from tak_platform.http import STATUS

PACKAGES = ("tak_platform", "tak_intake", "tak_placements", "tak_evictions", "tak_reporting")


def every_module(package: str) -> list[ModuleType]:
    root = importlib.import_module(package)
    names = [
        info.name
        for info in pkgutil.walk_packages(root.__path__, f"{package}.")
        if not info.name.endswith("__main__")
    ]
    return [root, *(importlib.import_module(name) for name in names)]


def every_error() -> list[type[TakError]]:
    for package in PACKAGES:
        every_module(package)
    found: list[type[TakError]] = []
    stack: list[type[TakError]] = [TakError]
    while stack:
        cls = stack.pop()
        found.append(cls)
        stack.extend(cls.__subclasses__())
    return sorted(found, key=lambda c: f"{c.__module__}.{c.__qualname__}")


ERRORS = every_error()


def test_the_walk_finds_each_services_own_errors() -> None:
    names = {cls.__name__ for cls in ERRORS}
    assert {
        "CaseAlreadyClosed",
        "NotYetHappened",
        "WorkListUnavailable",
        "UnknownSituation",
        "ApartmentOccupied",
        "InvalidIdentityNumber",
        "SubjectWeededError",
    } <= names


@pytest.mark.parametrize("error", ERRORS, ids=lambda c: f"{c.__module__}.{c.__qualname__}")
def test_every_error_of_every_service_answers_4xx(error: type[TakError]) -> None:
    status = STATUS[error.kind]
    if error.kind is Kind.UNAVAILABLE:
        assert status == 503
    else:
        assert 400 <= status < 500


@pytest.mark.parametrize(
    ("name", "status"),
    [
        ("SubjectWeededError", 410),
        ("UnknownSituation", 422),
        ("InvalidIdentityNumber", 422),
        ("CaseAlreadyClosed", 409),
        ("ApartmentOccupied", 409),
        ("NothingToResolve", 404),
    ],
)
def test_each_kind_answers_its_status(name: str, status: int) -> None:
    (error,) = [cls for cls in ERRORS if cls.__name__ == name]
    assert STATUS[error.kind] == status
