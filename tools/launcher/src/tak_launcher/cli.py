"""The ``tak`` command: ``up``, ``status``, ``restart``, ``demo``, ``audit verify``."""

from __future__ import annotations

import json
import secrets
from pathlib import Path
from typing import Annotated, Any

import typer

from tak_launcher.control import Refused, verify_audit
from tak_launcher.control import restart as restart_part
from tak_launcher.demo import fill
from tak_launcher.status import gather_status, render
from tak_launcher.suite import (
    DEFAULT_PORTS,
    Stop,
    Suite,
    SuiteConfig,
    read_state,
    stop_on_signals,
)

app = typer.Typer(
    help="Tak: run, inspect and fill the suite on one machine.",
    no_args_is_help=True,
    add_completion=False,
)
audit = typer.Typer(help="Check the audit copy in reporting.", no_args_is_help=True)
app.add_typer(audit, name="audit")
DataDir = Annotated[Path, typer.Option("--data-dir", help="Where the suite keeps its state.")]


@app.command()
def up(
    data_dir: DataDir = Path(".tak"),
    demo: Annotated[bool, typer.Option(help="Fill the suite with demo data once it runs.")] = False,
    district: Annotated[str, typer.Option(help="The district this suite serves.")] = "norrmalm",
    nats_port: int = DEFAULT_PORTS["nats"],
    intake_port: int = DEFAULT_PORTS["intake"],
    placements_port: int = DEFAULT_PORTS["placements"],
    evictions_port: int = DEFAULT_PORTS["evictions"],
    reporting_port: int = DEFAULT_PORTS["reporting"],
    nats_url: Annotated[str | None, typer.Option(envvar="TAK_NATS_URL")] = None,
    database_url: Annotated[str | None, typer.Option(envvar="TAK_DATABASE_URL")] = None,
) -> None:
    """Start NATS, PostgreSQL and the four services; stay in the foreground until Ctrl-C."""
    ports = {
        "nats": nats_port,
        "intake": intake_port,
        "placements": placements_port,
        "evictions": evictions_port,
        "reporting": reporting_port,
    }
    suite = Suite(
        SuiteConfig(
            data_dir.resolve(), ports, district, nats_url=nats_url, database_url=database_url
        )
    )
    with stop_on_signals(suite.signals):
        try:
            state = suite.start()
            _announce(state)
            if demo:
                typer.echo(f"demo data: {fill(state['services'])}")
            suite.watch()
        except Stop as sig:
            typer.echo(f"{sig}: stopping")
        except (RuntimeError, OSError) as exc:
            typer.echo(f"tak up failed: {exc}", err=True)
            raise typer.Exit(1) from None
        finally:
            suite.stop()
            typer.echo("stopped")


def _announce(state: dict[str, object]) -> None:
    typer.echo(f"NATS        {state['nats_url']}")
    for name, url in state["services"].items():  # type: ignore[attr-defined]
        typer.echo(f"{name:<11} {url}   (API docs: {url}/docs)")
    typer.echo("Tak is running. Ctrl-C stops it.", err=False)


@app.command()
def status(
    data_dir: DataDir = Path(".tak"), as_json: Annotated[bool, typer.Option("--json")] = False
) -> None:
    """Every part's PID and restarts, each service's health, stream beside reporting's count.

    Exits 1 when anything is wrong; each alarm is a line starting with ``!!``.
    """
    state = _state(data_dir)
    report = gather_status(state)
    typer.echo(json.dumps(report, indent=2) if as_json else render(report))
    if report["alarms"]:
        raise typer.Exit(1)


@app.command()
def restart(
    part: Annotated[str, typer.Argument(help="A service's name, `nats` or `postgres`.")],
    data_dir: DataDir = Path(".tak"),
    timeout: Annotated[float, typer.Option(help="Seconds to wait until it is healthy.")] = 90.0,
) -> None:
    """Restart one part of the running suite and wait until it is healthy again."""
    _state(data_dir)
    try:
        pid = restart_part(data_dir.resolve(), part, timeout)
    except Refused as exc:
        typer.echo(f"tak restart {part}: {exc}", err=True)
        raise typer.Exit(1) from None
    typer.echo(f"{part} restarted: pid {pid}")


@audit.command("verify")
def audit_verify(
    data_dir: DataDir = Path(".tak"),
    url: Annotated[
        str | None, typer.Option(help="Reporting's base URL, if not this suite's.")
    ] = None,
) -> None:
    """Check that nothing recorded was lost or doubled on its way to reporting; exit 1 if so."""
    try:
        valid, lines = verify_audit(url or _state(data_dir)["services"]["reporting"])
    except Refused as exc:
        typer.echo(f"tak audit verify: {exc}", err=True)
        raise typer.Exit(1) from None
    typer.echo("\n".join(lines))
    if not valid:
        raise typer.Exit(1)


@app.command()
def demo(
    data_dir: DataDir = Path(".tak"),
    seed: Annotated[int | None, typer.Option(help="Same seed, same records.")] = None,
) -> None:
    """Fill a running suite with synthetic demo data through its HTTP APIs."""
    seed = seed if seed is not None else secrets.randbelow(2**31)
    services: dict[str, str] = _state(data_dir)["services"]
    typer.echo(json.dumps(fill(services, seed=seed)))


def _state(data_dir: Path) -> dict[str, Any]:
    try:
        return read_state(data_dir.resolve())
    except FileNotFoundError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(1) from None


def main() -> None:
    app()
