"""What a report says about a ``recordOperation`` itself: its status, completion reason, result
and resource path, each as a report may hold it.

The access token never leaves :class:`~callrec.response.models.RecordOperation`'s ``SecretStr``:
nothing here reads it. The recording location and resource path are reported as scheme, host
and path only (:func:`~callrec.safety.redaction.redact_url`: no user name, query, fragment or
``;params``), and any URL in the payload's free text is reduced the same way.
"""

from __future__ import annotations

from typing import TypedDict

from ..safety.redaction import redact_text, redact_url
from .models import CommsNotification, CompletionReason, OperationStatus, RecordOperation

__all__ = ["OperationFields", "has_failed", "operation_fields", "reason_of", "resource_url"]


def reason_of(op: RecordOperation) -> str | None:
    """The completion reason as text (``completionReason``, else the name of the subcode)."""
    reason = op.completion_reason
    return reason.value if isinstance(reason, CompletionReason) else reason


def _status(op: RecordOperation) -> str | None:
    return op.status.value if isinstance(op.status, OperationStatus) else op.status


def has_failed(op: RecordOperation) -> bool:
    """Whether the operation says it failed: then there is no answer to judge."""
    return _status(op) == OperationStatus.FAILED.value


def resource_url(op: RecordOperation, notification: CommsNotification | None) -> str | None:
    """The operation's resource path: the notification's ``resourceUrl``, the older
    ``resource``, or the operation's own ``@odata.id``."""
    candidates: list[str | None] = [op.odata_id]
    if notification is not None:
        candidates[:0] = [notification.resource_url, notification.resource]
    for value in candidates:
        if value and value.strip():
            return redact_url(value)
    return None


def _text(value: str | None) -> str | None:
    """A payload's free text as a report may hold it: any URL in it reduced."""
    return redact_text(value) if value else value


class OperationFields(TypedDict):
    """The fields of a :class:`~callrec.response.report.ResponseReport` that come from the
    operation alone: typed, so that the report built from them is checked field by field."""

    operation_id: str | None
    resource_url: str | None
    client_context: str | None
    status: str | None
    code: int | None
    subcode: int | None
    message: str | None
    completion_reason: str | None
    recording_location: str | None


def operation_fields(op: RecordOperation, resource: str | None) -> OperationFields:
    """What the report takes from the operation; ``resource`` is its :func:`resource_url`."""
    info = op.result_info
    return OperationFields(
        operation_id=_text(op.id),
        resource_url=resource,
        client_context=_text(op.client_context),
        status=_text(_status(op)),
        code=info.code if info else None,
        subcode=info.subcode if info else None,
        message=_text(info.message) if info else None,
        completion_reason=_text(reason_of(op)),
        recording_location=redact_url(op.recording_location) if op.recording_location else None,
    )
