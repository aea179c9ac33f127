"""``python -m tak_placements``: one process with its API, relay and consumers."""

from __future__ import annotations

from tak_placements.bootstrap import create_app
from tak_placements.settings import PlacementsSettings
from tak_platform.serve import serve


def main() -> None:
    settings = PlacementsSettings()
    serve(create_app(settings), settings)


if __name__ == "__main__":
    main()
