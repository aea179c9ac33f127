"""``python -m tak_intake``: one process with its API, relay and consumers."""

from __future__ import annotations

from tak_intake.bootstrap import create_app
from tak_intake.settings import IntakeSettings
from tak_platform.serve import serve


def main() -> None:
    settings = IntakeSettings()
    serve(create_app(settings), settings)


if __name__ == "__main__":
    main()
