"""gunicorn settings of the production shape: uvicorn workers serving `services.asgi:app`.

    gunicorn -c deploy/gunicorn.conf.py services.asgi:app

Environment: GUNICORN_BIND (0.0.0.0:8000), WEB_CONCURRENCY (workers, 2), FORWARDED_ALLOW_IPS
(proxies whose X-Forwarded-For is believed: the gateway's address; the auth rate limits count
per client address), PROMETHEUS_MULTIPROC_DIR (one metrics view over every worker; cleared here
at start, since files of a previous run would be summed in).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

from gunicorn.glogging import Logger

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
worker_class = "uvicorn_worker.UvicornWorker"
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
# Scenario maps and imports take seconds, never minutes; a worker silent this long is stuck.
timeout = 120
graceful_timeout = 30
# Longer than any proxy's or client's idle timeout (nginx upstream 60 s): otherwise the server
# closes an idle connection just as the client reuses it, and that request fails with a reset.
keepalive = 75
# gunicorn's control socket (one per user by default) is not used; two servers would share it.
control_socket_disable = True
# The application writes the access lines (with request id and route), not gunicorn.
accesslog = None


class ApplicationLogger(Logger):
    """gunicorn's own lines go through the application's handlers (LOG_FORMAT), from the
    first one the master writes."""

    def setup(self, cfg: Any) -> None:
        super().setup(cfg)
        from services.logging_setup import configure_logging

        configure_logging()


logger_class = ApplicationLogger


def on_starting(_server: Any) -> None:
    directory = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if directory:
        shutil.rmtree(directory, ignore_errors=True)
        Path(directory).mkdir(parents=True, exist_ok=True)


def child_exit(_server: Any, worker: Any) -> None:
    # A dead worker's live gauges must not be summed in; its counters stay (they happened).
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
