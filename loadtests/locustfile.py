"""Load test users: travellers reading departures, gates validating passes.

Run against a server on this machine only (127.0.0.1), e.g.:

    LOADTEST_STOPS=prato:1412,prato:0956 \\
    LOADTEST_GATE_ID=G1 LOADTEST_GATE_KEY=mob_... LOADTEST_KEYRING=var/signing-keys.json \\
    .venv/bin/locust -f loadtests/locustfile.py --host http://127.0.0.1:8000 \\
        --headless -u 50 -r 10 -t 60s

Gate users need a gate and its API key (POST /v1/gates answers with the key once) and the
issuer's keyring file, to issue passes the way the ticket office would; each request carries
a fresh device proof, as the traveller's app shows one every 15 s. Without those variables
only traveller users run.
"""

from __future__ import annotations

import os
import random
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

from locust import HttpUser, between, task

STOPS = [s for s in os.environ.get("LOADTEST_STOPS", "prato:1412").split(",") if s]
GATE_ID = os.environ.get("LOADTEST_GATE_ID", "")
GATE_KEY = os.environ.get("LOADTEST_GATE_KEY", "")
KEYRING = os.environ.get("LOADTEST_KEYRING", "")
PASSES_PER_GATE_USER = 50


class Traveller(HttpUser):
    """The app: stops around the user, then a departures board."""

    wait_time = between(0.5, 2.0)

    @task(3)
    def departures(self) -> None:
        stop = random.choice(STOPS)
        self.client.get(f"/v1/stops/{stop}/departures", name="/v1/stops/{ref}/departures")

    @task(1)
    def stops_near(self) -> None:
        lat = 43.88 + random.uniform(-0.02, 0.02)
        lon = 11.09 + random.uniform(-0.02, 0.02)
        self.client.get(f"/v1/stops?near={lat:.5f},{lon:.5f}&radius_m=500", name="/v1/stops?near")


class Gate(HttpUser):
    """A gate controller validating passes online, one scan every 0.2-1 s."""

    wait_time = between(0.2, 1.0)
    weight = 1 if GATE_ID and GATE_KEY and KEYRING else 0

    def on_start(self) -> None:
        from access_control.keys import load_keyring_file
        from access_control.proof import DeviceKey
        from access_control.tokens import PassClaims, issue_pass_token
        from mobility.settings import get_settings

        settings = get_settings()
        ring = load_keyring_file(Path(KEYRING))
        now = datetime.now(UTC)
        self.passes = []
        for _ in range(PASSES_PER_GATE_USER):
            device, jti = DeviceKey.generate(), uuid.uuid4().hex
            claims = PassClaims(
                pass_id="load-" + jti[:12],
                product="day",
                rider_category="adult",
                operators=("*",),
                networks=("*",),
                zones=("*",),
                valid_from=now - timedelta(minutes=1),
                valid_until=now + timedelta(hours=12),
                single_use=False,
                device_key=device.public_bytes,
            )
            token = issue_pass_token(
                claims,
                ring,
                issuer=settings.pass_token_issuer,
                audience=settings.pass_token_audience,
                now=now,
                token_id=jti,
            )
            self.passes.append((token, jti, device))

    @task
    def validate(self) -> None:
        from access_control.qr import format_payload

        token, jti, device = random.choice(self.passes)
        payload = format_payload(token, device.prove(jti, datetime.now(UTC)))
        self.client.post(
            f"/v1/gates/{GATE_ID}/validate",
            json={"payload": payload},
            headers={"Authorization": f"ApiKey {GATE_KEY}"},
            name="/v1/gates/{id}/validate",
        )
