"""Webhook subscriptions, for editors' and operators' keys (scope content:write or admin)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Response

from app.api.authorization import ContentWriter
from app.api.deps import ServicesDep, SessionDep
from app.core.errors import problem_responses
from app.webhooks import service
from app.webhooks.schemas import DeliveryPage, Webhook, WebhookCreate, WebhookCreated, WebhookList

router = APIRouter(prefix="/v1/admin/webhooks", tags=["webhooks"])

WebhookId = Annotated[str, Path(max_length=64, description="A webhook's id, `wh_...`.")]
_AUTH = (401, 403, 429, 503)


@router.post(
    "",
    operation_id="create_webhook",
    status_code=201,
    response_model=WebhookCreated,
    responses=problem_responses(*_AUTH, 409, 422),
)
def create_webhook(
    body: WebhookCreate,
    principal: ContentWriter,
    session: SessionDep,
    services: ServicesDep,
    response: Response,
) -> WebhookCreated:
    """Subscribe a URL to content events; the answer shows the signing secret, only this once.

    409 when this replica's WEBHOOK_SECRET_KEY is not the one the last server to start uses
    (no delivery could be signed).
    """
    settings = services.settings
    created = service.create(
        session,
        body,
        actor=principal.name,
        key=service.key_for_new_webhook(session, settings.webhook_secret_key),
        allow_private=settings.webhook_allow_private_targets,
    )
    response.headers["Location"] = f"/v1/admin/webhooks/{created.id}"
    return created


@router.get(
    "",
    operation_id="list_webhooks",
    response_model=WebhookList,
    responses=problem_responses(*_AUTH, 422),
)
def list_webhooks(_writer: ContentWriter, session: SessionDep) -> WebhookList:
    """Every webhook that is not deleted (never their secrets)."""
    return WebhookList(items=service.list_webhooks(session))


@router.get(
    "/{webhook_id}",
    operation_id="get_webhook",
    response_model=Webhook,
    responses=problem_responses(*_AUTH, 404, 422),
)
def get_webhook(webhook_id: WebhookId, _writer: ContentWriter, session: SessionDep) -> Webhook:
    """One webhook (never its secret)."""
    return service.get(session, webhook_id)


@router.delete(
    "/{webhook_id}",
    operation_id="delete_webhook",
    status_code=204,
    response_class=Response,
    responses=problem_responses(*_AUTH, 404, 422),
)
def delete_webhook(
    webhook_id: WebhookId, principal: ContentWriter, session: SessionDep
) -> Response:
    """Stop a webhook; its pending deliveries end as failed, its history stays readable."""
    service.delete(session, webhook_id, actor=principal.name)
    return Response(status_code=204)


@router.get(
    "/{webhook_id}/deliveries",
    operation_id="list_webhook_deliveries",
    response_model=DeliveryPage,
    responses=problem_responses(*_AUTH, 404, 422),
)
def list_webhook_deliveries(
    webhook_id: WebhookId,
    _writer: ContentWriter,
    session: SessionDep,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> DeliveryPage:
    """A webhook's deliveries with every attempt, newest first."""
    return service.deliveries(session, webhook_id, limit=limit, offset=offset)
