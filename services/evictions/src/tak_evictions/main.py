"""``python -m tak_evictions``: one process with its API, relay and consumers."""

from __future__ import annotations

from tak_evictions.bootstrap import create_app
from tak_evictions.settings import EvictionsSettings
from tak_platform.serve import serve


def main() -> None:
    settings = EvictionsSettings()
    serve(create_app(settings), settings)


if __name__ == "__main__":
    main()
