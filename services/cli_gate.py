"""`mobility gate`: a gate on the command line, for demos, field checks and tests.

`simulate` is an offline gate: it reads scanned QR payloads from stdin, one a line, and prints
each decision. Its keys come from a JWK Set file or URL (e.g. the API's /v1/keys); with no
server to talk to, revocations and taps stay in the gate's local store, as at a gate whose
network is down. `demo-pass` issues a pass and prints its QR payload, for a demo without the
traveller app.
"""

from __future__ import annotations

import json
import sys
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated, Any

import typer

app = typer.Typer(no_args_is_help=True, help="Gate tools: an offline gate on stdin, demo passes.")


class _KeysOnly:
    """A gate backend that has keys and nothing else: a gate cut off from the server."""

    def __init__(self, source: str) -> None:
        self.source = source

    def fetch_jwks(self) -> dict[str, Any]:
        if self.source.startswith(("http://", "https://")):
            import httpx

            response = httpx.get(self.source, timeout=10)
            response.raise_for_status()
            document: dict[str, Any] = response.json()
            return document
        loaded: dict[str, Any] = json.loads(Path(self.source).read_text(encoding="utf-8"))
        return loaded

    def fetch_revocations(self, since_version: int | None) -> Any:  # noqa: ARG002 - protocol
        raise ConnectionError("no server: revocations are not synced in a simulation")

    def upload_taps(self, batch: Sequence[Any]) -> Any:  # noqa: ARG002 - protocol
        raise ConnectionError("no server: taps stay queued in the gate's store")


@app.command("simulate")
def simulate(
    gate: Annotated[str, typer.Option("--gate", help="Gate id")],
    jwks: Annotated[str, typer.Option(help="JWK Set: a file, or a URL such as .../v1/keys")],
    store: Annotated[
        Path | None, typer.Option(help="Gate store (default var/gate-ID.sqlite3)")
    ] = None,
    direction: Annotated[str, typer.Option(help="entry or exit")] = "entry",
    operator: str = "*",
    network: str = "*",
    zone: Annotated[list[str] | None, typer.Option(help="Zones this gate is in (repeat)")] = None,
    group: Annotated[str | None, typer.Option(help="Passback group (default: gate id)")] = None,
    language: Annotated[str, typer.Option(help="it or en")] = "it",
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object a line")] = False,
) -> None:
    """Decide each QR payload read from stdin (one a line), offline, and print the decision."""
    from access_control.gate_client import GateConfig, GateStore, OfflineGate
    from mobility.settings import get_settings
    from services.cli import fail

    settings = get_settings()
    if direction not in ("entry", "exit") or language not in ("it", "en"):
        fail("--direction is entry or exit, --language it or en", 2)
    path = store or settings.var_dir / f"gate-{gate}.sqlite3"
    path.parent.mkdir(parents=True, exist_ok=True)
    config = GateConfig(
        gate_id=gate,
        gate_group=group or gate,
        direction=direction,  # type: ignore[arg-type]
        operator=operator,
        network=network,
        zones=tuple(zone or ["*"]),
        issuer=settings.pass_token_issuer,
        audience=settings.pass_token_audience,
    )
    offline_gate = OfflineGate(config, GateStore.open(path))
    try:
        offline_gate.refresh_jwks(_KeysOnly(jwks), datetime.now(UTC))
    except Exception as exc:  # a gate without keys refuses everything: say so and stop
        fail(f"cannot load the JWK Set from {jwks}: {exc}")
    for line in sys.stdin:
        payload = line.strip()
        if not payload:
            continue
        decision = offline_gate.decide(payload, datetime.now(UTC))
        if as_json:
            typer.echo(
                json.dumps(
                    {
                        "tap_id": decision.tap_id,
                        "open": decision.opened,
                        "code": decision.code,
                        "display": decision.display(language),  # type: ignore[arg-type]
                        "pass_id": decision.pass_id,
                        "offline": decision.offline,
                        "degraded": decision.degraded,
                    }
                )
            )
        else:
            verdict = "OPEN" if decision.opened else "DENY"
            typer.echo(f"{verdict}\t{decision.code}\t{decision.display(language)}")  # type: ignore[arg-type]


@app.command("demo-pass")
def demo_pass(
    keys: Annotated[Path, typer.Option(help="The issuer's keyring file (mobility keys generate)")],
    zone: Annotated[list[str] | None, typer.Option(help="Zones covered (repeat)")] = None,
    hours: Annotated[float, typer.Option(min=0.1, help="Validity from now")] = 2,
    single_use: bool = False,
) -> None:
    """Issue a demo pass and print its QR payload (token~proof), valid for 15-30 s."""
    from access_control.keys import load_keyring_file
    from access_control.proof import DeviceKey
    from access_control.qr import format_payload
    from access_control.tokens import PassClaims, issue_pass_token
    from mobility.settings import get_settings

    settings = get_settings()
    now = datetime.now(UTC)
    device = DeviceKey.generate()
    jti = uuid.uuid4().hex
    claims = PassClaims(
        pass_id="demo-" + jti[:8],
        product="demo",
        rider_category="adult",
        operators=("*",),
        networks=("*",),
        zones=tuple(zone or ["*"]),
        valid_from=now - timedelta(minutes=1),
        valid_until=now + timedelta(hours=hours),
        single_use=single_use,
        device_key=device.public_bytes,
    )
    token = issue_pass_token(
        claims,
        load_keyring_file(keys),
        issuer=settings.pass_token_issuer,
        audience=settings.pass_token_audience,
        now=now,
        token_id=jti,
    )
    typer.echo(format_payload(token, device.prove(jti, now)))
