"""Orders: buy products (idempotently), confirm the payment, read receipts, refund."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Annotated

from fastapi import APIRouter, Depends, Header, Query, Response, status
from sqlalchemy.orm import Session

from mobility.auth.deps import require_scopes
from mobility.auth.errors import Forbidden
from mobility.auth.principals import Principal, PrincipalKind, Scope
from mobility.deps import SessionDep
from mobility.errors import ValidationFailed
from mobility.idempotency import idempotency_key as idempotency_key_of
from mobility.problems import problem_responses
from mobility.settings import get_settings
from ticketing.accounts.access import ensure_own_account
from ticketing.accounts.errors import AccountNotFound
from ticketing.errors import (
    IdempotencyKeyMissing,
    IdempotencyKeyReused,
    OrderNotFound,
    OrderStateConflict,
    PaymentDeclined,
    PaymentProviderUnavailable,
    ProductNotFound,
    RefundNotAllowed,
)
from ticketing.orders import refunds, service
from ticketing.orders.models import Order
from ticketing.orders.repository import OrderRepository
from ticketing.orders.schemas import (
    ConfirmIn,
    MoneyOut,
    OrderCreate,
    OrderLineOut,
    OrderOut,
    PaymentOut,
    ReceiptOut,
    RefundCreate,
    RefundOut,
)
from ticketing.passes.service import passes_of_order
from ticketing.payments.factory import get_payment_provider
from ticketing.payments.provider import PaymentProvider

router = APIRouter(tags=["orders"])


def _provider() -> PaymentProvider:
    return get_payment_provider()


ProviderDep = Annotated[PaymentProvider, Depends(_provider)]


def _traveller_account(principal: Principal) -> str:
    if principal.kind is not PrincipalKind.TRAVELLER:
        raise Forbidden("orders are placed by travellers, with their own account")
    return principal.subject


def _money(amount: int, currency: str) -> MoneyOut:
    return MoneyOut(amount=amount, currency=currency)


def order_out(session: Session, order: Order, client_secret: str | None = None) -> OrderOut:
    repo = OrderRepository(session)
    payment = repo.payment(order.id)
    rate = Decimal(order.vat_rate_bp) / 100
    return OrderOut(
        id=order.id,
        status=order.status,
        account_id=order.account_id,
        created_at=order.created_at,
        paid_at=order.paid_at,
        lines=[
            OrderLineOut(
                line_no=line.line_no,
                product_id=line.product_id,
                product_name=line.product_name,
                rider_category=line.rider_category_id,
                quantity=line.quantity,
                unit_price=_money(line.unit_amount, order.currency),
                amount=_money(line.amount, order.currency),
                vat=_money(line.vat_amount, order.currency),
                valid_from=line.valid_from,
                pricing_note=line.pricing_note,
            )
            for line in repo.lines(order.id)
        ],
        receipt=ReceiptOut(
            total=_money(order.total_amount, order.currency),
            net=_money(order.total_amount - order.vat_amount, order.currency),
            vat=_money(order.vat_amount, order.currency),
            vat_rate_percent=f"{rate:.2f}",
            refunded=_money(order.refunded_amount, order.currency),
        ),
        payment=None
        if payment is None
        else PaymentOut(
            provider=payment.provider,
            intent_id=payment.intent_id,
            status=payment.status,
            client_secret=client_secret,
        ),
        pass_ids=[p.id for p in passes_of_order(session, order.id)],
    )


def _owned_order(session: Session, principal: Principal, order_id: str) -> Order:
    order = OrderRepository(session).get(order_id)
    if order is None:
        raise OrderNotFound(f"no order '{order_id}'")
    try:
        ensure_own_account(principal, order.account_id)
    except AccountNotFound as exc:  # not yours reads as not found: no probing of order ids
        raise OrderNotFound(f"no order '{order_id}'") from exc
    return order


@router.post(
    "/orders",
    status_code=status.HTTP_201_CREATED,
    response_model=OrderOut,
    responses=problem_responses(
        IdempotencyKeyMissing,
        IdempotencyKeyReused,
        ProductNotFound,
        PaymentProviderUnavailable,
        ValidationFailed,
    ),
)
def create_order(
    body: OrderCreate,
    response: Response,
    session: SessionDep,
    provider: ProviderDep,
    principal: Annotated[Principal, Depends(require_scopes(Scope.ORDERS_WRITE))],
    idempotency_key: Annotated[str | None, Header(alias="Idempotency-Key")] = None,
) -> OrderOut:
    """Order products; a retry with the same Idempotency-Key returns the same order."""
    key = idempotency_key_of(idempotency_key)
    created = service.create_order(
        session,
        account_id=_traveller_account(principal),
        request=body,
        idempotency_key=key,
        provider=provider,
        now=datetime.now(UTC),
        vat_rate_bp=get_settings().vat_rate_bp,
    )
    if created.replayed:
        response.status_code = status.HTTP_200_OK
        response.headers["Idempotent-Replayed"] = "true"
    response.headers["Location"] = f"/v1/orders/{created.order.id}"
    return order_out(session, created.order, created.client_secret)


@router.get("/orders", response_model=list[OrderOut])
def list_orders(
    session: SessionDep,
    principal: Annotated[Principal, Depends(require_scopes(Scope.ORDERS_READ))],
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> list[OrderOut]:
    """The caller's own orders, newest first."""
    account = _traveller_account(principal)
    orders = OrderRepository(session).for_account(account, limit=limit, offset=offset)
    return [order_out(session, order) for order in orders]


@router.get(
    "/orders/{order_id}", response_model=OrderOut, responses=problem_responses(OrderNotFound)
)
def get_order(
    order_id: str,
    session: SessionDep,
    principal: Annotated[Principal, Depends(require_scopes(Scope.ORDERS_READ))],
) -> OrderOut:
    """One of the caller's orders, with its receipt (VAT included) and passes."""
    return order_out(session, _owned_order(session, principal, order_id))


@router.post(
    "/orders/{order_id}/confirm",
    response_model=OrderOut,
    responses=problem_responses(OrderNotFound, PaymentDeclined, PaymentProviderUnavailable),
)
def confirm_order(
    order_id: str,
    body: ConfirmIn,
    session: SessionDep,
    provider: ProviderDep,
    principal: Annotated[Principal, Depends(require_scopes(Scope.ORDERS_WRITE))],
) -> OrderOut:
    """Confirm the payment (sandbox/test cards) or re-check one the app confirmed."""
    order = _owned_order(session, principal, order_id)
    service.confirm_order(
        session,
        order,
        provider=provider,
        payment_method=body.payment_method,
        now=datetime.now(UTC),
    )
    return order_out(session, order)


@router.post(
    "/orders/{order_id}/refunds",
    status_code=status.HTTP_201_CREATED,
    response_model=RefundOut,
    responses=problem_responses(
        IdempotencyKeyMissing, OrderNotFound, RefundNotAllowed, OrderStateConflict
    ),
)
def refund_order(
    order_id: str,
    body: RefundCreate,
    response: Response,
    session: SessionDep,
    provider: ProviderDep,
    principal: Annotated[Principal, Depends(require_scopes(Scope.REFUNDS_ISSUE))],
    idempotency_key: Annotated[str | None, Header(alias="Idempotency-Key")] = None,
) -> RefundOut:
    """Refund all or part of an order; its passes are revoked or shortened at the gates."""
    key = idempotency_key_of(idempotency_key)
    if principal.operator_id is not None and not principal.is_admin:
        raise Forbidden("refunds of integrated orders are issued by the authority's staff")
    service.get_order(session, order_id)  # 404 before anything else
    result = refunds.refund_order(
        session,
        order_id,
        request=body,
        idempotency_key=key,
        requested_by=principal.subject,
        provider=provider,
        now=datetime.now(UTC),
    )
    if result.replayed:
        response.status_code = status.HTTP_200_OK
        response.headers["Idempotent-Replayed"] = "true"
    refund = result.refund
    return RefundOut(
        id=refund.id,
        order_id=refund.order_id,
        amount=_money(refund.amount, refund.currency),
        vat=_money(refund.vat_amount, refund.currency),
        reason=refund.reason,
        created_at=refund.created_at,
        revoked_pass_ids=list(result.revoked),
        shortened_pass_ids=list(result.shortened),
    )
