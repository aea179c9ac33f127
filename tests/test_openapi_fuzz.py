"""schemathesis against every service's OpenAPI, with every check: no 5xx, no status the
document does not name, no answer that fails its schema, bad input refused and good accepted.

Each service runs as its own process (``python -m tak_<service>``) on the session's real
nats-server and PostgreSQL, with a district, stream and database of its own. A record is
registered first and its id offered to the fuzzer most of the time, so the steps on it reach the
domain instead of stopping at a 404. The run is bounded (few examples per operation, a fixed
seed) so that the four take about a minute. The same checks against a running suite: README,
"Test it".
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from uuid import uuid4

import httpx
import pytest

from tak_launcher.servers import free_port
from tak_launcher.testing import service_process

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parent.parent
SCHEMATHESIS = Path(sys.executable).parent / "schemathesis"
MAX_EXAMPLES = 8
NUMBER = "19121212-1212"  # Tolvan Tolvansson, the Tax Agency's test person

SEEDS: dict[str, tuple[str, dict[str, Any], str, str]] = {
    "intake": (
        "/api/persons",
        {
            "name": "Tolvan Tolvansson",
            "personal_identity_number": NUMBER,
            "gender": "female",
            "registered_by": "fuzz",
            "is_test_data": True,
        },
        "person_id",
        "path.person_id",
    ),
    "placements": (
        "/api/apartments",
        {"kind": "trial", "address": "Provgatan 1", "added_by": "fuzz", "is_test_data": True},
        "apartment_id",
        "path.apartment_id",
    ),
    "evictions": (
        "/api/cases",
        {
            "tenant": {"name": "Tolvan Tolvansson", "personal_identity_number": NUMBER},
            "address": "Provgatan 1",
            "landlord_name": "Demo AB",
            "adults": 1,
            "signal": {"kind": "rent_arrears", "received_on": "2026-01-05"},
            "registered_by": "fuzz",
            "is_test_data": True,
        },
        "case_id",
        "path.case_id",
    ),
}
"""What each producer is given first (path, body, the id in its answer, the parameter it fills)."""


@dataclass(frozen=True)
class Running:
    name: str
    url: str


@pytest.fixture(params=["intake", "placements", "evictions", "reporting"])
def service(
    request: pytest.FixtureRequest,
    nats_url: str,
    postgres_url: str,
    make_database: Callable[[str], str],
    tmp_path: Path,
) -> Iterator[Running]:
    """One service as a process on a district, stream and database of this test's own."""
    name, district, port = request.param, f"f{uuid4().hex[:10]}", free_port()
    env = {
        "TAK_NATS_URL": nats_url,
        "TAK_DATABASE_URL": postgres_url,
        "TAK_DATABASE_NAME": urlsplit(make_database(name)).path.lstrip("/"),
        "TAK_DISTRICT": district,
        "TAK_STREAM_NAME": f"F_{district.upper()}",
        "TAK_STREAM_SUBJECTS": f'["tak.{district}.>"]',
        "TAK_SUBJECT_FILTER": f"tak.{district}.>",
        "TAK_HTTP_PORT": str(port),
        "TAK_PSEUDONYM_KEY": "fuzz-test-city-key-0123456789abcdef",
    }
    url = f"http://127.0.0.1:{port}"
    with service_process(name, env, url, tmp_path / f"{name}.log"):
        yield Running(name, url)


def config_with_a_record(service: Running, tmp_path: Path) -> Path:
    """The project's schemathesis.toml, plus the id of a record registered just now."""
    text = (ROOT / "schemathesis.toml").read_text()
    if service.name in SEEDS:
        path, body, field, parameter = SEEDS[service.name]
        answer = httpx.post(f"{service.url}{path}", json=body, timeout=10)
        assert answer.status_code == 201, answer.text
        text += (
            f'\n[dictionaries.records]\nvalues = ["{answer.json()[field]}"]\n'
            f'\n[parameters]\n"{parameter}" = {{ dictionary = "records", probability = 0.8 }}\n'
        )
    config = tmp_path / "schemathesis.toml"
    config.write_text(text)
    return config


def test_every_operation_answers_as_its_openapi_says(service: Running, tmp_path: Path) -> None:
    report = tmp_path / "report.json"
    command = [str(SCHEMATHESIS), "--config-file", str(config_with_a_record(service, tmp_path))]
    command += ["run", f"{service.url}/openapi.json", "--checks", "all"]
    command += ["--max-examples", str(MAX_EXAMPLES), "--seed", "11", "--workers", "1"]
    command += ["--no-shrink", "--report", "json", "--report-json-path", str(report)]
    run = subprocess.run(
        command, cwd=tmp_path, capture_output=True, text=True, timeout=180, check=False
    )
    print(run.stdout[-2500:])
    assert run.returncode == 0, run.stdout[-20_000:] + run.stderr[-3000:]
    assert json.loads(report.read_text())
