"""Every stored class has a pinned topic, so moving or renaming a class never breaks old events."""

from __future__ import annotations

import importlib
import pkgutil

import pytest
from eventsourcing.domain import Aggregate, CanMutateAggregate

SERVICES = ("intake", "placements", "evictions")


def aggregates(service: str) -> list[type[Aggregate]]:
    package = importlib.import_module(f"tak_{service}.domain")
    for info in pkgutil.walk_packages(package.__path__, f"{package.__name__}."):
        importlib.import_module(info.name)
    return [cls for cls in _subclasses(Aggregate) if cls.__module__.startswith(f"tak_{service}.")]


def _subclasses(cls: type) -> list[type]:
    found: list[type] = []
    subclasses: list[type] = cls.__subclasses__()
    for sub in subclasses:
        found += [sub, *_subclasses(sub)]
    return found


def stored_classes(agg: type[Aggregate]) -> list[type]:
    events = [
        v
        for v in vars(agg).values()
        if isinstance(v, type) and issubclass(v, CanMutateAggregate) and v.__name__ != "Event"
    ]
    return [agg, *events]


@pytest.mark.parametrize("service", SERVICES)
def test_every_aggregate_and_event_class_pins_its_own_topic(service: str) -> None:
    classes = [cls for agg in aggregates(service) for cls in stored_classes(agg)]
    assert classes, f"tak_{service}.domain defines no aggregate"
    topics = {cls.__qualname__: getattr(cls, "TOPIC", None) for cls in classes}
    unpinned = [name for name, topic in topics.items() if not topic]
    assert not unpinned, f"classes without an explicit TOPIC: {unpinned}"
    shared = [t for t in set(topics.values()) if list(topics.values()).count(t) > 1]
    assert not shared, f"classes that inherit another class's TOPIC: {shared}"
