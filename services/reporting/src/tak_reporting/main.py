"""``python -m tak_reporting``: the reporting process (API and consumer)."""

from __future__ import annotations

from tak_platform.serve import serve
from tak_reporting.bootstrap import create_app
from tak_reporting.settings import ReportingSettings


def main() -> None:
    settings = ReportingSettings()
    serve(create_app(settings), settings)


if __name__ == "__main__":
    main()
