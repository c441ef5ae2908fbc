from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import soundfile

# One emulator for the whole run, started by the first test that asks for `azurite_service`.
from .azurite import fixture_azurite_service  # noqa: F401

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "tests" / "data" / "examples"
MEDIA = ROOT / "tests" / "data" / "media"
SAMPLES = ROOT / "samples"

CALL = "11111111-2222-3333-4444-555555555555"
ALICE = "8:acs:res_0000000a-aaaa"
BOB = "4:+14255550123"
CAROL = "8:orgid:cccc/../x"


def meta(
    index: int = 0,
    *,
    start: str = "2026-01-05T10:00:00.0000000Z",
    duration_ms: float = 2000,
    pauses: list[tuple[str, float]] | None = None,
    participants: list[tuple[str, int | None]] | None = None,
    channel_type: str = "unmixed",
    fmt: str = "wav",
    channels: int = 2,
    rate: int | str = 16000,
    call_id: str = CALL,
    doc: str | None = None,
) -> dict[str, Any]:
    """A chunk metadata document as ACS writes it."""
    people = participants if participants is not None else [(ALICE, 0), (BOB, 1)]
    return {
        "resourceId": "res",
        "callId": call_id,
        "chunkDocumentId": doc or f"0-eus-d1-{index:032x}",
        "chunkIndex": index,
        "chunkStartTime": start,
        "chunkDuration": duration_ms,
        "pauseResumeIntervals": [{"startTime": t, "duration": d} for t, d in (pauses or [])],
        "recordingInfo": {
            "contentType": "audio",
            "channelType": channel_type,
            "format": fmt,
            "audioConfiguration": {"sampleRate": rate, "bitRate": 256000, "channels": channels},
        },
        "participants": [
            {"participantId": p} if c is None else {"participantId": p, "channel": c}
            for p, c in people
        ],
    }


def write_chunk(
    folder: Path,
    document: dict[str, Any],
    *,
    frames: int | None,
    channels: int | None = None,
    json_name: str | None = None,
    media_name: str | None = None,
    rate: int = 16000,
) -> tuple[Path, Path | None]:
    """Write a metadata JSON and (unless ``frames`` is None) a 16-bit WAV whose samples encode
    (channel, frame) so placement can be checked."""
    folder.mkdir(parents=True, exist_ok=True)
    doc = document["chunkDocumentId"]
    jpath = folder / (json_name or f"{doc}.json")
    jpath.write_text(json.dumps(document))
    if frames is None:
        return jpath, None
    n_ch = channels or document["recordingInfo"]["audioConfiguration"]["channels"]
    audio = (np.arange(frames)[:, None] % 1000 + 1000 * np.arange(n_ch)[None, :]).astype(np.int16)
    mpath = folder / (media_name or f"{doc}.wav")
    soundfile.write(mpath, audio, rate, subtype="PCM_16")
    return jpath, mpath


@pytest.fixture
def examples() -> Path:
    return EXAMPLES
