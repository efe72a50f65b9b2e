"""The access policy of the whole API: for every operation, who may call it. One place.

Each key is an operation as the OpenAPI document names it (`"METHOD /path"`); each value is
`public()` or `roles(...)` (see mobility/auth/policy.py). The application enforces it before any
route's own checks (401 for anonymous callers, 403 `role-forbidden` for other kinds) and
publishes it as `x-access` on each operation. tests/services/test_role_matrix.py walks every
operation of `create_app()` with a credential of each kind and fails on an operation that has
no line here, so a new route is declared when it is added; until it is, the application answers
it 403 `undeclared-operation` to everyone (deny by default). Declare only the kinds a route is
for: a kind the route itself would always refuse does not belong in its line.

Scopes (what a credential may do) and ownership (whose data it is) are checked by the routes;
this says which kinds of caller an endpoint is for at all.
"""

from __future__ import annotations

from mobility.auth.policy import Access, AccessPolicy, public, roles
from mobility.auth.principals import PrincipalKind

TRAVELLER = PrincipalKind.TRAVELLER
PLANNER = PrincipalKind.PLANNER
GATE = PrincipalKind.GATE
LOGISTICS = PrincipalKind.LOGISTICS
STAFF = PrincipalKind.OPERATOR_STAFF
ADMIN = PrincipalKind.ADMIN
INTEGRATION = PrincipalKind.INTEGRATION

_PUBLIC = public()
# Back office of the authority and of the operators.
_BACK_OFFICE = roles(STAFF, ADMIN)
# A traveller's own things, which customer service may also read.
_TRAVELLER_OR_BACK_OFFICE = roles(TRAVELLER, STAFF, ADMIN)
# Operators' staff read their own operator's share (the routes filter); the authority's
# accounting system reads the books with an integration key issued clearing:read (the routes
# check the scope, so a detector's or feed importer's key reads nothing here).
_FINANCE = roles(STAFF, ADMIN, INTEGRATION)
_TRAFFIC_READERS = roles(PLANNER, ADMIN)
_COUNT_READERS = roles(PLANNER, INTEGRATION, ADMIN)
_ORGANISATION_MEMBERS = roles(LOGISTICS, STAFF, ADMIN)

RULES: dict[str, Access] = {
    # Operations: liveness and readiness, for probes.
    "GET /healthz": _PUBLIC,
    "GET /readyz": _PUBLIC,
    # Prometheus scrapes with METRICS_TOKEN, which the route checks itself (no principal).
    "GET /metrics": _PUBLIC,
    # Open transit data (GTFS) and the pass-signing public keys gates verify with.
    "GET /v1/feeds": _PUBLIC,
    "GET /v1/stops": _PUBLIC,
    "GET /v1/stops/{ref}": _PUBLIC,
    "GET /v1/stops/{ref}/departures": _PUBLIC,
    "GET /v1/routes": _PUBLIC,
    "GET /v1/trips/{ref}": _PUBLIC,
    "GET /v1/keys": _PUBLIC,
    # Journey planning: anyone; a traveller's credential adds the passes that cover each trip.
    "GET /v1/journeys": _PUBLIC,
    # The authority's catalogue and fare quotes are public; congestion bands are planners'.
    "GET /v1/catalogue/operators": _PUBLIC,
    "GET /v1/catalogue/zones": _PUBLIC,
    "GET /v1/catalogue/rider-categories": _PUBLIC,
    "GET /v1/catalogue/products": _PUBLIC,
    "GET /v1/catalogue/products/{product_id}": _PUBLIC,
    "GET /v1/catalogue/tariffs": _PUBLIC,
    "GET /v1/catalogue/congestion-bands": _PUBLIC,
    "PUT /v1/catalogue/congestion-bands": roles(PLANNER, ADMIN),
    "POST /v1/fares/quote": _PUBLIC,
    "POST /v1/fares/group-quote": _PUBLIC,
    "POST /v1/fares/eco-quote": _PUBLIC,
    # Traveller accounts: the login flow is public (and rate-limited by the routes).
    "POST /v1/auth/register": _PUBLIC,
    "POST /v1/auth/token": _PUBLIC,
    "POST /v1/auth/logout": _PUBLIC,
    # The caller's own traveller account: nobody else has one to read here (customer service
    # reads accounts by id below).
    "GET /v1/me": roles(TRAVELLER),
    "GET /v1/me/best-fare": roles(TRAVELLER),
    "GET /v1/accounts/{account_id}": _TRAVELLER_OR_BACK_OFFICE,
    "GET /v1/accounts/{account_id}/eligibility": _TRAVELLER_OR_BACK_OFFICE,
    "POST /v1/accounts/{account_id}/eligibility": _TRAVELLER_OR_BACK_OFFICE,
    "POST /v1/accounts/{account_id}/eligibility/{rider_category}/verify": _BACK_OFFICE,
    "GET /v1/eligibility-claims": _BACK_OFFICE,
    # Purchases: travellers buy for themselves, within the purchase rate limit.
    "POST /v1/orders": roles(TRAVELLER, rate_limit="purchase"),
    "GET /v1/orders": roles(TRAVELLER),
    "GET /v1/orders/{order_id}": _TRAVELLER_OR_BACK_OFFICE,
    "POST /v1/orders/{order_id}/confirm": roles(TRAVELLER, rate_limit="purchase"),
    # Refunds of integrated orders are the authority's (its administrators): the route refuses
    # every credential bound to an operator, which operators' staff always are.
    "POST /v1/orders/{order_id}/refunds": roles(ADMIN),
    # Payment providers call in; each event's signature is its authentication.
    "POST /v1/payments/webhooks/{provider_name}": _PUBLIC,
    # Passes: the traveller's, which customer service may read; the signed token and its QR
    # code are a travel credential, for the holder alone (staff may read a pass, not carry it).
    "GET /v1/passes": _TRAVELLER_OR_BACK_OFFICE,
    "GET /v1/passes/{pass_id}": _TRAVELLER_OR_BACK_OFFICE,
    "GET /v1/passes/{pass_id}/token": roles(TRAVELLER),
    "GET /v1/passes/{pass_id}/qr": roles(TRAVELLER),
    "POST /v1/passes/{pass_id}/revoke": _BACK_OFFICE,
    "POST /v1/passes/{pass_id}/restore": _BACK_OFFICE,
    # Gates: registered by operator staff; validation and sync by the gate controllers.
    "POST /v1/gates": _BACK_OFFICE,
    "GET /v1/gates/{gate_id}": roles(GATE, STAFF, ADMIN),
    "POST /v1/gates/{gate_id}/validate": roles(GATE, ADMIN),
    "GET /v1/gates/{gate_id}/revocations": roles(GATE, ADMIN),
    "POST /v1/gates/{gate_id}/taps": roles(GATE, ADMIN),
    # Money: the authority's books (its administrators and accounting system; not operators'
    # staff) and the operators' revenue shares (staff see their own operator's).
    "GET /v1/ledger/trial-balance": roles(ADMIN, INTEGRATION),
    "GET /v1/ledger/accounts/{code}": _FINANCE,
    "GET /v1/clearing": _FINANCE,
    # Clearing runs post every operator's share and report all of them: the authority's own
    # (administrators, its accounting system's key with clearing:post or clearing:read; a key
    # bound to one operator is refused by the routes, as it is the trial balance).
    "POST /v1/clearing/runs": roles(ADMIN, INTEGRATION),
    "GET /v1/clearing/runs": roles(ADMIN, INTEGRATION),
    "GET /v1/clearing/runs/{run_id}": roles(ADMIN, INTEGRATION),
    # Traffic: road networks (also for logistics firms' routing), counts, scenarios.
    "GET /v1/traffic/networks": roles(PLANNER, LOGISTICS, ADMIN),
    "GET /v1/traffic/networks/{network_id}": roles(PLANNER, LOGISTICS, ADMIN),
    "GET /v1/traffic/networks/{network_id}/links.geojson": roles(PLANNER, LOGISTICS, ADMIN),
    # Detectors and count contractors' systems push counts. Not planners: the counts are the
    # evidence their models are calibrated against (a manual campaign is imported by
    # operations, `mobility traffic counts import`), so who models does not write observations.
    "POST /v1/traffic/counts": roles(INTEGRATION, ADMIN),
    # Aggregated counts also feed other systems (a traffic centre's integration, traffic:read).
    "GET /v1/traffic/counts/hourly": _COUNT_READERS,
    "GET /v1/traffic/counts/15min": _COUNT_READERS,
    "GET /v1/traffic/counts/batches/{batch_id}": _COUNT_READERS,
    "POST /v1/scenarios": roles(PLANNER, ADMIN),
    "GET /v1/scenarios/compare": _TRAFFIC_READERS,
    "GET /v1/scenarios/compare.png": _TRAFFIC_READERS,
    "GET /v1/scenarios/{scenario_id}": _TRAFFIC_READERS,
    "GET /v1/scenarios/{scenario_id}/links": _TRAFFIC_READERS,
    "GET /v1/scenarios/{scenario_id}/map": _TRAFFIC_READERS,
    "GET /v1/scenarios/{scenario_id}/map.png": _TRAFFIC_READERS,
    "GET /v1/scenarios/{scenario_id}/map.html": _TRAFFIC_READERS,
    "GET /v1/scenarios/{scenario_id}/convergence.png": _TRAFFIC_READERS,
    # Congestion levels published from scenarios, and what fares make of them.
    "POST /v1/scenarios/{scenario_id}/publish": roles(PLANNER, ADMIN),
    "GET /v1/traffic/congestion": _TRAFFIC_READERS,
    "GET /v1/scenarios/{scenario_id}/congestion": _TRAFFIC_READERS,
    "GET /v1/traffic/fare-zone-map": _TRAFFIC_READERS,
    "PUT /v1/traffic/fare-zone-map": roles(PLANNER, ADMIN),
    "PUT /v1/traffic/periods/{code}/band": roles(PLANNER, ADMIN),
    # Intermodal freight routes; bookings belong to the caller's organisation (the routes check).
    "POST /v1/freight/routes": roles(LOGISTICS, PLANNER, ADMIN),
    "POST /v1/freight/bookings": roles(LOGISTICS),
    "GET /v1/freight/bookings/{booking_id}": roles(LOGISTICS),
    "DELETE /v1/freight/bookings/{booking_id}": roles(LOGISTICS),
    # Fleet plans and gate slots belong to the caller's organisation (the routes check).
    "POST /v1/freight/fleet-plans": roles(LOGISTICS, ADMIN),
    "GET /v1/freight/fleet-plans": roles(LOGISTICS, ADMIN),
    "GET /v1/freight/fleet-plans/{plan_id}": roles(LOGISTICS, ADMIN),
    "GET /v1/freight/terminals/{code}/slots": roles(LOGISTICS, ADMIN),
    "POST /v1/freight/gate-slots": roles(LOGISTICS, ADMIN),
    "GET /v1/freight/gate-slots": roles(LOGISTICS, ADMIN),
    "GET /v1/freight/gate-slots/{booking_id}": roles(LOGISTICS, ADMIN),
    "DELETE /v1/freight/gate-slots/{booking_id}": roles(LOGISTICS, ADMIN),
    # Organisations (logistics firms, operators) and their members.
    "POST /v1/organisations": roles(ADMIN),
    "GET /v1/organisations": roles(ADMIN),
    "GET /v1/organisations/{organisation_id}": _ORGANISATION_MEMBERS,
    "GET /v1/organisations/{organisation_id}/members": _ORGANISATION_MEMBERS,
    "POST /v1/organisations/{organisation_id}/members": _ORGANISATION_MEMBERS,
    "DELETE /v1/organisations/{organisation_id}/members/{subject}": _ORGANISATION_MEMBERS,
}

ACCESS_POLICY = AccessPolicy(RULES)
