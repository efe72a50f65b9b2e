"""Gate validation throughput, offline: our whole check against the raw Ed25519 verify rate.

    .venv/bin/python benchmarks/gate_validation.py [--iterations N] [--repeat R] [--online N]

On one core, in this process, with a realistic weekly pass (two operators, one network, three
zones, device-bound), it measures verifications per second of:
- `gate check`: `parse_payload` + `check_presentation` with a `JwksKeySet` built from the JWKS
  JSON, i.e. the token (header checks, PyJWT signature/iss/aud, claims, window) and the proof;
- `verify_pass_token`: the token alone;
- `PyJWT decode`: `jwt.decode` of the same token with the same key, no checks of ours;
- `raw Ed25519 verify`: `cryptography`'s verify of one 64-byte signature over the token's
  signing input, the floor of any implementation. A gate check needs two (token and proof), so
  its ideal is half that rate; the printed ratios show our overhead above the cryptography.
It also prints the token, proof and QR sizes, and (`--online N`, default 400) the p50/p99 latency
of online validation through the API. It prints, never asserts.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import cryptography
import jwt
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from access_control.jwks import JwksKeySet, b64url_decode
from access_control.keys import KeyRing, generate_key
from access_control.proof import DeviceKey, check_presentation
from access_control.qr import format_payload, parse_payload, qr_version, render_png, render_svg
from access_control.tokens import PassClaims, issue_pass_token, verify_pass_token

NOW = datetime(2025, 6, 2, 8, 0, 7, tzinfo=UTC)
ISSUER, AUDIENCE = "ltc", "gate"


def rate(call: Callable[[], object], iterations: int, repeat: int) -> tuple[float, float]:
    """Best and median calls per second over `repeat` runs of `iterations` calls."""
    rates = []
    for _ in range(repeat):
        start = time.perf_counter()
        for _ in range(iterations):
            call()
        rates.append(iterations / (time.perf_counter() - start))
    return max(rates), statistics.median(rates)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--iterations", type=int, default=5000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument(
        "--online", type=int, default=400, help="validate requests through the API (0: skip)"
    )
    args = parser.parse_args()

    ring = KeyRing([generate_key("2025a", not_before=NOW - timedelta(days=30))])
    device = DeviceKey.generate()
    claims = PassClaims(
        pass_id="P7K2M9Q4XA",
        product="SETT7",
        rider_category="ADU",
        operators=("ATL", "CTT"),
        networks=("LITO",),
        zones=("Z1", "Z2", "Z3"),
        valid_from=NOW - timedelta(hours=1),
        valid_until=NOW + timedelta(days=7),
        single_use=False,
        device_key=device.public_bytes,
    )
    token = issue_pass_token(claims, ring, issuer=ISSUER, audience=AUDIENCE, now=NOW)
    jti = jwt.decode(token, options={"verify_signature": False})["jti"]
    proof = device.prove(jti, NOW)
    payload = format_payload(token, proof)
    keys = JwksKeySet.from_json(json.dumps(ring.jwks(NOW)))  # exactly what a gate holds
    public_key = keys.verification_key("2025a", NOW).public_key
    head, body, signature = token.split(".")
    signing_input, raw_signature = f"{head}.{body}".encode(), b64url_decode(signature)

    def gate_check() -> object:
        parsed = parse_payload(payload)
        return check_presentation(
            parsed.token, parsed.proof, keys, audience=AUDIENCE, issuer=ISSUER, now=NOW
        )

    def token_only() -> object:
        return verify_pass_token(token, keys, audience=AUDIENCE, issuer=ISSUER, now=NOW)

    def pyjwt_only() -> object:
        return jwt.decode(
            token,
            public_key,
            algorithms=["EdDSA"],
            audience=AUDIENCE,
            options={"verify_exp": False, "verify_nbf": False, "verify_iat": False},
        )

    if not isinstance(public_key, Ed25519PublicKey):
        raise SystemExit("the benchmark ring must hold an Ed25519 key")
    ed25519_key = public_key

    def raw_verify() -> object:
        ed25519_key.verify(raw_signature, signing_input)
        return None

    print(f"machine: {platform.machine()} {platform.processor() or ''}".rstrip())
    print(
        f"python {platform.python_version()}, cryptography {cryptography.__version__}, "
        f"PyJWT {jwt.__version__}; {args.repeat} x {args.iterations} calls each, one core"
    )
    print()
    print("sizes (realistic weekly pass, EdDSA, device-bound):")
    print(
        f"  token           {len(token):4d} chars  (header {len(head)}, payload {len(body)}, "
        f"signature {len(signature)})"
    )
    print(f"  proof           {len(proof):4d} chars")
    print(f"  QR payload      {len(payload):4d} chars  (token~proof)")
    version = qr_version(payload)
    print(f"  QR version      {version:4d}        ({17 + 4 * version} modules a side, level M)")
    print(f"  PNG (scale 4)   {len(render_png(payload)):4d} bytes")
    print(f"  SVG (scale 4)   {len(render_svg(payload)):4d} bytes")
    print()

    results = {
        "gate check (token + proof)": rate(gate_check, args.iterations, args.repeat),
        "verify_pass_token (token only)": rate(token_only, args.iterations, args.repeat),
        "PyJWT decode (token only)": rate(pyjwt_only, args.iterations, args.repeat),
        "raw Ed25519 verify (1 signature)": rate(raw_verify, args.iterations, args.repeat),
    }
    raw_best = results["raw Ed25519 verify (1 signature)"][0]
    signatures = {"gate check (token + proof)": 2}
    print(
        f"{'offline verification':34s} {'best/s':>9s} {'median/s':>9s} {'us/call':>8s} "
        f"{'vs ideal':>8s}"
    )
    for name, (best, median) in results.items():
        ideal = raw_best / signatures.get(name, 1)  # what the signatures alone would allow
        print(f"{name:34s} {best:9.0f} {median:9.0f} {1e6 / best:8.1f} {best / ideal:8.2f}")
    print()
    print("'vs ideal' = best rate / (raw Ed25519 rate / signatures verified): 1.00 would mean")
    print("no cost beyond the signatures themselves.")
    if args.online:
        print()
        online_latency(args.online)


def online_latency(requests: int) -> None:
    """p50/p99 of POST /v1/gates/{id}/validate through the whole app (FastAPI TestClient).

    A scratch SQLite database in a temporary directory, migrated by Alembic; Redis from
    REDIS_URL (the in-process substitute when unset). Multi-use passes so every request runs
    the whole entry path (revocation, coverage, passback SET NX) and stores its tap; each pass
    is presented once, then exits, so passback never short-circuits a later request.
    """
    import os
    import tempfile
    from pathlib import Path

    from fastapi.testclient import TestClient

    from access_control.keys import write_keyring_file
    from mobility.auth.access_tokens import issue_access_token
    from mobility.auth.principals import Principal, PrincipalKind, Scope
    from mobility.db import make_engine
    from mobility.migrate import upgrade
    from mobility.settings import get_settings
    from services.app import create_app

    with tempfile.TemporaryDirectory() as folder:
        now = datetime.now(UTC)
        ring = KeyRing([generate_key("bench", not_before=now - timedelta(days=1))])
        write_keyring_file(Path(folder) / "keys.json", ring)
        url = f"sqlite:///{folder}/bench.sqlite3"
        os.environ.update(
            DATABASE_URL=url,
            SIGNING_KEY_FILE=f"{folder}/keys.json",
            JWT_SECRET="benchmark-only-" + "x" * 40,
            LOAD_SAMPLE_DATA="false",
            PASS_TOKEN_ISSUER=ISSUER,
            PASS_TOKEN_AUDIENCE=AUDIENCE,
            REDIS_KEY_PREFIX=f"bench:{os.getpid()}:",
        )
        get_settings.cache_clear()
        upgrade(make_engine(url))
        admin = Principal(
            subject="bench", kind=PrincipalKind.ADMIN, scopes=frozenset({Scope.ADMIN})
        )
        auth = {"Authorization": f"Bearer {issue_access_token(admin)}"}
        with TestClient(create_app()) as client:
            keys: dict[str, str] = {}
            for gate_id, direction in (("B-IN", "entry"), ("B-OUT", "exit")):
                created = client.post(
                    "/v1/gates",
                    headers=auth,
                    json={
                        "id": gate_id,
                        "operator_id": "ATL",
                        "name": gate_id,
                        "location_kind": "terminal",
                        "location_ref": "bench",
                        "direction": direction,
                        "gate_group": "bench",
                        "network": "LITO",
                        "zones": ["Z1"],
                    },
                )
                created.raise_for_status()
                keys[gate_id] = created.json()["api_key"]
            device = DeviceKey.generate()
            claims = PassClaims(
                pass_id="BENCH1",
                product="SETT7",
                rider_category="ADU",
                operators=("ATL",),
                networks=("LITO",),
                zones=("Z1",),
                valid_from=now - timedelta(hours=1),
                valid_until=now + timedelta(days=1),
                single_use=False,
                device_key=device.public_bytes,
            )
            token = issue_pass_token(claims, ring, issuer=ISSUER, audience=AUDIENCE, now=now)
            jti = jwt.decode(token, options={"verify_signature": False})["jti"]
            timings: list[float] = []
            server: list[float] = []  # the app's own time, from its Server-Timing header
            warmup = 20  # first requests fill caches and connection pools: not measured
            for index in range(requests + warmup):
                gate_id = "B-IN" if index % 2 == 0 else "B-OUT"
                body = {"payload": format_payload(token, device.prove(jti, datetime.now(UTC)))}
                start = time.perf_counter()
                response = client.post(
                    f"/v1/gates/{gate_id}/validate", json=body, headers={"X-API-Key": keys[gate_id]}
                )
                if index >= warmup:
                    timings.append(time.perf_counter() - start)
                    server.append(_server_ms(response.headers.get("server-timing", "")) / 1e3)
                if not response.json().get("open"):
                    raise SystemExit(f"request {index} refused: {response.text}")
        redis_kind = "Redis " + ("at REDIS_URL" if os.environ.get("REDIS_URL") else "substitute")
        print(f"online validation through the API (TestClient, SQLite, {redis_kind}):")
        for label, values in (("client", timings), ("server", server)):
            p50, p99 = _percentiles(values)
            print(
                f"  {requests} requests, {label} time   p50 {p50 * 1e3:7.2f} ms   "
                f"p99 {p99 * 1e3:7.2f} ms"
            )


def _percentiles(values: list[float]) -> tuple[float, float]:
    ordered = sorted(values)
    return statistics.median(ordered), ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]


def _server_ms(header: str) -> float:
    """The `app;dur=<ms>` entry of a Server-Timing header (0 if absent)."""
    for entry in header.split(","):
        name, _, params = entry.strip().partition(";")
        if name == "app" and params.startswith("dur="):
            return float(params[4:])
    return 0.0


if __name__ == "__main__":
    main()
