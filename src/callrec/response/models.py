"""Microsoft Graph ``commsNotifications`` that carry a ``recordOperation`` (``recordResponse``).

``recordingAccessToken`` is a bearer credential. It is held as a :class:`pydantic.SecretStr`: its
repr, str and every serialisation show ``**********``; only
``op.recording_access_token.get_secret_value()`` gives it back, for the download request.
``recordingLocation`` may be signed (a SAS query string): the repr and str of every model show it
reduced to scheme, host and path, and mask any other field named like a credential
(``RecordingAccessToken``, ``accessToken`` in ``model_extra``; see :class:`~callrec.payloads.fields.ApiModel`).
"""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Annotated, Any

from pydantic import Discriminator, Field, SecretStr, Tag, field_serializer

from ..payloads.fields import ApiModel, open_enum
from ..payloads.reading import check_document, read_json, require_object, validate_model
from ..safety.redaction import SECRET_MASK, redact_url

__all__ = [
    "SUBCODE_REASONS",
    "CommsNotification",
    "CommsNotifications",
    "CompletionReason",
    "OperationStatus",
    "RecordOperation",
    "ResultInfo",
    "load_notifications",
    "parse_notifications",
]


class OperationStatus(str, Enum):
    NOT_STARTED = "notStarted"
    RUNNING = "running"
    COMPLETED = "completed"
    FAILED = "failed"


class CompletionReason(str, Enum):
    """Why a ``recordResponse`` ended: Graph's ``completionReason`` vocabulary (beta), plus one
    name for subcode 8588, which that vocabulary lacks."""

    OPERATION_CANCELED = "operationCanceled"
    STOP_TONE_DETECTED = "stopToneDetected"
    MAX_RECORD_DURATION_REACHED = "maxRecordDurationReached"
    INITIAL_SILENCE_TIMEOUT = "initialSilenceTimeout"
    MAX_SILENCE_TIMEOUT = "maxSilenceTimeout"
    PLAY_PROMPT_FAILED = "playPromptFailed"
    PLAY_BEEP_FAILED = "playBeepFailed"
    MEDIA_RECEIVE_TIMEOUT = "mediaReceiveTimeout"
    RECORD_COMPLETED_MEDIA_RECEIVE_TIMEOUT = "recordCompletedMediaReceiveTimeout"
    UNSPECIFIED_ERROR = "unspecifiedError"
    NONE = "none"


SUBCODE_REASONS: dict[int, CompletionReason] = {
    8508: CompletionReason.OPERATION_CANCELED,
    8509: CompletionReason.MAX_SILENCE_TIMEOUT,
    8510: CompletionReason.INITIAL_SILENCE_TIMEOUT,
    8511: CompletionReason.PLAY_PROMPT_FAILED,
    8512: CompletionReason.PLAY_BEEP_FAILED,
    8513: CompletionReason.MEDIA_RECEIVE_TIMEOUT,
    8514: CompletionReason.STOP_TONE_DETECTED,
    8515: CompletionReason.MAX_RECORD_DURATION_REACHED,
    8588: CompletionReason.RECORD_COMPLETED_MEDIA_RECEIVE_TIMEOUT,
}
"""``resultInfo.subcode`` → completion reason, as Graph documents the result subcodes."""


class ResultInfo(ApiModel):
    code: int | None = None
    subcode: int | None = None
    message: str | None = None


class RecordOperation(ApiModel):
    """A ``recordOperation`` resource (the ``resourceData`` of a notification)."""

    odata_type: str | None = Field(default=None, alias="@odata.type")
    odata_id: str | None = Field(default=None, alias="@odata.id")
    id: str | None = None
    client_context: str | None = None
    status: Annotated[OperationStatus | str | None, open_enum(OperationStatus)] = None
    result_info: ResultInfo | None = None
    recording_location: str | None = None
    recording_access_token: SecretStr | None = None
    completion_reason_value: Annotated[
        CompletionReason | str | None, open_enum(CompletionReason)
    ] = Field(default=None, alias="completionReason")

    @field_serializer("recording_access_token", when_used="always")
    def _mask(self, value: SecretStr | None) -> str | None:
        return None if value is None else SECRET_MASK

    @property
    def completion_reason(self) -> CompletionReason | str | None:
        """``completionReason`` when the payload has it, else the name of ``resultInfo.subcode``."""
        if self.completion_reason_value is not None:
            return self.completion_reason_value
        subcode = self.result_info.subcode if self.result_info is not None else None
        return SUBCODE_REASONS.get(subcode) if subcode is not None else None

    @property
    def recording_name(self) -> str | None:
        """The last path segment of ``recordingLocation``: what a downloaded file is often named.

        Never anything of its query string, fragment or ``;params``: it names output files.
        """
        if not self.recording_location:
            return None
        tail = redact_url(self.recording_location).rstrip("/").rsplit("/", 1)[-1]
        return tail or None


_OPERATION = "<recordOperation>"
_OTHER = "<other resource>"


def _resource_kind(data: Any) -> str:
    if isinstance(data, RecordOperation):
        return _OPERATION
    if not isinstance(data, dict):
        return _OTHER
    kind = str(data.get("@odata.type", ""))
    if kind:
        return _OPERATION if kind.lower().endswith("recordoperation") else _OTHER
    looks_like = "recordingLocation" in data or "recordingAccessToken" in data
    return _OPERATION if looks_like else _OTHER


class CommsNotification(ApiModel):
    """One ``commsNotification``. ``resource_data`` is a :class:`RecordOperation` when its
    ``@odata.type`` says so (or it looks like one), else the raw dict."""

    odata_type: str | None = Field(default=None, alias="@odata.type")
    change_type: str | None = None
    resource_url: str | None = None
    resource: str | None = Field(
        default=None, description="Older payloads' name for ``resourceUrl``."
    )
    resource_data: (
        Annotated[
            Annotated[RecordOperation, Tag(_OPERATION)] | Annotated[dict[str, Any], Tag(_OTHER)],
            Discriminator(_resource_kind),
        ]
        | None
    ) = None

    @property
    def record_operation(self) -> RecordOperation | None:
        return self.resource_data if isinstance(self.resource_data, RecordOperation) else None


class CommsNotifications(ApiModel):
    """A ``commsNotifications`` payload: notifications batched in ``value``."""

    odata_type: str | None = Field(default=None, alias="@odata.type")
    value: tuple[CommsNotification, ...] = ()

    @property
    def record_operations(self) -> tuple[RecordOperation, ...]:
        return tuple(n.record_operation for n in self.value if n.record_operation is not None)


def parse_notifications(data: Any, *, file: str | Path | None = None) -> CommsNotifications:
    """A Graph notification payload: ``commsNotifications`` (``value`` array), a single
    ``commsNotification``, a bare ``recordOperation``, or an array of notifications.

    Its errors never quote a value, only its JSON type: any field of a notification may hold a
    token or a signed location.
    """
    check_document(data, file=file)
    if isinstance(data, list):
        data = {"value": data}
    require_object(data, file=file, what="a Graph commsNotifications payload")
    if "value" not in data:
        data = {"value": [data if "resourceData" in data else {"resourceData": data}]}
    return validate_model(CommsNotifications, data, file=file, show_values=False)


def load_notifications(path: str | Path) -> CommsNotifications:
    """Read a saved Graph notification file."""
    return parse_notifications(read_json(path), file=path)
