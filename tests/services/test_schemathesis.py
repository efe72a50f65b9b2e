"""schemathesis against the application's own OpenAPI document, in process over ASGI, on a
migrated database holding the bundled sample data (the Prato feed, the tariff file).

Every operation gets generated requests anonymously and with a credential of a kind its access
declaration allows (an administrator's where allowed, else the first allowed kind's: a
traveller's for orders, a firm's for bookings), so guarded operations are exercised past the
access policy, not only refused by it. The property:
no response is a server error; every 4xx/5xx is `application/problem+json` with type, title
and status; every response conforms to the documented status codes' schemas and media types.
The number of examples per operation is bounded so the run stays within two minutes on two
cores; Hypothesis derandomizes it, so a failure reproduces.
"""

from __future__ import annotations

import itertools
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import CheckContext, not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
)

from gtfs.importer import import_feed
from mobility.db import get_engine
from services.access_policy import ACCESS_POLICY
from tests.conftest import SAMPLE_FEED
from tests.services.roles import Caller, all_callers
from tests.ticketing.shop import Shop

# Examples per operation, caller and mode: valid requests, then requests the schema forbids.
EXAMPLES = {GenerationMode.POSITIVE: 6, GenerationMode.NEGATIVE: 3}
PROBLEM = "application/problem+json"


def problem_json_errors(_ctx: CheckContext, response: Any, case: Any) -> bool | None:
    """Every 4xx/5xx is problem+json with type, title and status (RFC 9457)."""
    if response.status_code < 400:
        return None
    where = f"{case.method} {case.formatted_path}: {response.status_code}"
    content_type = response.headers.get("content-type", [""])
    content_type = content_type[0] if isinstance(content_type, list) else content_type
    assert content_type.startswith(PROBLEM), f"{where} is {content_type}, not {PROBLEM}"
    body = response.json()
    assert {"type", "title", "status"} <= body.keys(), f"{where}: {body}"
    assert body["status"] == response.status_code, f"{where}: status {body['status']}"
    return True


CHECKS = [
    not_a_server_error,
    problem_json_errors,
    response_schema_conformance,
    content_type_conformance,
]


@pytest.fixture
def sample_app(shop: Shop) -> Shop:
    """The shop (tariffs loaded) with the bundled sample feed imported, as on first start."""
    import_feed(get_engine(), SAMPLE_FEED, "prato", name="CAP Prato")
    return shop


def _exercise(operation: Any, headers: dict[str, str], mode: GenerationMode) -> None:
    @settings(
        max_examples=EXAMPLES[mode],
        deadline=None,
        derandomize=True,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(generation_mode=mode))
    def run(case: Any) -> None:
        response = case.call(headers=headers)
        case.validate_response(response, checks=CHECKS, headers=headers)

    run()


def _allowed_caller(method: str, path: str, callers: dict[str, Caller]) -> str:
    """The kind of caller to exercise an operation as: an administrator if the policy lets
    one in, else the first kind it does (in the order of `all_callers`)."""
    access = ACCESS_POLICY.rules[f"{method.upper()} {path}"]
    if access.public or "admin" in access.roles:
        return "admin"
    return next(name for name in callers if name in access.roles)


def test_the_api_holds_to_its_schema(sample_app: Shop) -> None:
    """No generated request, anonymous or with a credential the operation's declaration
    allows, gets a server error, an error that is not problem+json, or a response its
    operation does not document."""
    schema = schemathesis.openapi.from_asgi("/openapi.json", sample_app.client.app)
    callers = all_callers()
    failures: list[str] = []
    exercised_as: set[str] = set()
    operations = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1
        allowed = _allowed_caller(operation.method, operation.path, callers)
        exercised_as.add(allowed)
        pairs = [("anonymous", callers["anonymous"].headers), (allowed, callers[allowed].headers)]
        for (who, headers), mode in itertools.product(pairs, EXAMPLES):
            try:
                _exercise(operation, headers, mode)
            except Unsatisfiable:
                continue
            except Exception as exc:  # one operation's failure must not hide the others'
                failures.append(f"{operation.label} as {who}, {mode.value}:\n{exc}")
    assert operations > 60
    # Travellers' purchases and firms' bookings were exercised past the policy too.
    assert {"admin", "traveller", "logistics"} <= exercised_as
    assert failures == [], "\n\n".join(failures)
