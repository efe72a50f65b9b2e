"""Real server processes for fault tests: a private redis-server that a test may stop and start
(never the shared one on 6379, which other runs use), and API processes under uvicorn."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Mapping
from pathlib import Path

import httpx
import redis as redis_lib

from tests.conftest import service_unavailable

ROOT = Path(__file__).resolve().parents[2]
# How long a process may take to come up: a bound for the wait loop, not a measured property.
START_BUDGET_S = 180.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class PrivateRedis:
    """A redis-server of this test alone, with an append-only file like production's, so that
    a stop and start keeps its data (as a restarted production Redis does)."""

    def __init__(self, directory: Path) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            service_unavailable("redis-server (to run a private Redis)")
        self.binary = str(binary)
        self.directory = directory
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                self.binary,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "yes",
                "--dir",
                str(self.directory),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        client = redis_lib.Redis.from_url(self.url, socket_connect_timeout=0.5)
        deadline = time.monotonic() + START_BUDGET_S
        while time.monotonic() < deadline:
            try:
                if client.ping():
                    return
            except redis_lib.RedisError:
                time.sleep(0.05)
        raise RuntimeError(f"private redis-server on port {self.port} did not start")

    def stop(self) -> None:
        """SIGTERM, as an orchestrator stops it: Redis flushes its append-only file and exits."""
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=30)
        self.process = None


class ApiProcess:
    """`uvicorn services.asgi:app` on a free port of 127.0.0.1 with the given environment."""

    def __init__(self, env: Mapping[str, str], log_file: Path) -> None:
        self.port = free_port()
        self.log_file = log_file
        self._log = log_file.open("wb")
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "services.asgi:app",
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--no-access-log",
                "--log-level",
                "warning",
            ],
            cwd=ROOT,
            env={**os.environ, **env},
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )
        self.client = httpx.Client(base_url=f"http://127.0.0.1:{self.port}", timeout=60)

    def wait_ready(self) -> None:
        deadline = time.monotonic() + START_BUDGET_S
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                break
            try:
                if self.client.get("/readyz").status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(
            f"API process on port {self.port} not ready:\n{self.log_file.read_text()[-3000:]}"
        )

    def stop(self) -> None:
        self.client.close()
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._log.close()
