"""Every outbox topic some package enqueues has a handler once `services.wiring.install()` has run
(what the API, the CLI and the worker each do at start), on the queue meant for it: a topic
without one would sit undelivered in every process, its messages retried by the relay forever."""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

from mobility.jobs import Queue
from mobility.outbox import queue_of, registered_topics
from services.wiring import install

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("mobility", "gtfs", "routing", "ticketing", "access_control", "services")
# Minutes of work each: their own queue, time limit and retries.
LONG_TOPICS = {"traffic.scenario.run", "freight.fleet_plan.run", "ticketing.clearing.run"}


def enqueued_topics() -> dict[str, str]:
    """Each topic passed to `enqueue(session, TOPIC, ...)` in our packages, by where it is."""
    found: dict[str, str] = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            calls = [
                node
                for node in ast.walk(tree)
                if isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id == "enqueue"
                and len(node.args) >= 2
            ]
            if not calls:
                continue
            module = importlib.import_module(".".join(path.relative_to(ROOT).with_suffix("").parts))
            for call in calls:
                topic = call.args[1]
                assert isinstance(topic, ast.Name), f"{path}: enqueue with a computed topic"
                found[getattr(module, topic.id)] = f"{path.relative_to(ROOT)}:{call.lineno}"
    return found


def test_every_enqueued_topic_has_a_handler_on_its_queue() -> None:
    """A handler for each topic enqueued anywhere; long work (scenario runs, fleet plans,
    clearing runs) on the long queue, the rest on the default one."""
    install()
    topics = enqueued_topics()
    assert len(topics) >= 6, topics
    missing = {t: where for t, where in topics.items() if t not in registered_topics()}
    assert missing == {}
    assert LONG_TOPICS <= set(topics)
    for topic in topics:
        assert queue_of(topic) is (Queue.LONG if topic in LONG_TOPICS else Queue.DEFAULT), topic
