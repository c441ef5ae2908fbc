"""Make the committed sample recordings in this folder.

Needs numpy, scipy, soundfile and the ``espeak-ng`` program (Debian: ``apt-get install espeak-ng``).
The outputs are committed, so neither the tests nor a user need espeak-ng; rerun this only to
change the samples. Output is deterministic for a given espeak-ng version.

``unmixed-call/`` is one unmixed recording of two chunks, laid out as SDK samples save them
(``<documentId>.json`` beside ``<documentId>.wav``) with the Event Grid event beside them:

- chunk 0: 7.000 s on the wall clock, paused from 3.000 s for 1.500 s (so 5.500 s of media);
  the agent is on channel 0 and the customer on channel 1;
- chunk 1: starts where chunk 0 ends, 5.000 s; the channels have moved: the customer is on
  channel 0, the agent on 1, and a supervisor who joined is on 2 and talks over the agent.

``record-response/`` holds a Graph ``commsNotifications`` payload with three ``recordOperation``
results and the audio of two: an answer in speech after 1.2 s of silence that ends with the caller
pressing ``#`` (subcode 8514), an answer with no speech (8509), and a cancelled operation (8508)
that has no audio. The access token is a made-up stand-in.

``mixed-call-wav/`` is a mixed recording (one mono 16-bit WAV per chunk) of one chunk with a
pause; ``mixed-call-mp3/`` a mixed MP3 recording of two chunks with a gap between them. Their
metadata lists participants without channels, as mixed recordings do.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
from datetime import datetime, timedelta, timezone
from pathlib import Path

import numpy as np
import soundfile
from scipy.signal import resample_poly

RATE = 16_000
HERE = Path(__file__).resolve().parent
RESOURCE = "6c3f3e0a-8f2e-4a65-9c1d-3b1a2d9e7f10"
CALL_ID = "b5a3e2c1-7d44-4f0e-9a8b-2c6d1e0f9a37"
RECORDING_ID = "eyJQbGF0Zm9ybUVuZHBvaW50SWQiOiJzYW1wbGUtcmVjb3JkaW5nIn0"
AGENT = f"8:acs:{RESOURCE}_0000001a-2b3c-4d5e-6f70-8192a3b4c5d6"
CUSTOMER = "4:+14255550123"
SUPERVISOR = "8:orgid:3f2a1b0c-9d8e-4f7a-8b6c-5d4e3f2a1b0c"
T0 = datetime(2026, 3, 2, 14, 5, 9, 123456, tzinfo=timezone.utc)
DOCS = ["0-weu-d3-5f0c7a1e9b2d4c6e8a0b1c2d3e4f5a6b", "0-weu-d3-7a9b1c3d5e7f9a1b3c5d7e9f1a3b5c7d"]

# (media seconds, text, espeak voice) per channel; media time excludes the pause.
CHUNK0 = {
    0: [
        (0.30, "Thank you for calling, how can I help?", "en-us+m3"),
        (3.70, "Let me check that for you.", "en-us+m3"),
    ],
    1: [(2.10, "Hi, my order has not arrived.", "en-gb+f3"), (4.60, "Sure.", "en-gb+f3")],
}
CHUNK1 = {
    0: [(0.20, "Is it on its way?", "en-gb+f3")],
    1: [(1.10, "Yes, it ships tomorrow morning.", "en-us+m3")],
    2: [(2.20, "I can confirm that, it is on the list.", "en+m5")],
}


def speak(text: str, voice: str) -> np.ndarray:
    if shutil.which("espeak-ng") is None:
        raise SystemExit("make_samples.py needs espeak-ng: apt-get install espeak-ng")
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "say.wav"
        subprocess.run(["espeak-ng", "-v", voice, "-s", "165", "-w", str(out), text], check=True)
        audio, rate = soundfile.read(out, dtype="float64")
    return resample_poly(audio, RATE, rate)


def render(lines: dict[int, list[tuple[float, str, str]]], seconds: float, seed: int) -> np.ndarray:
    frames = round(seconds * RATE)
    rng = np.random.default_rng(seed)
    out = rng.normal(0.0, 10 ** (-62 / 20), size=(frames, max(lines) + 1))  # room noise
    for channel, items in lines.items():
        for at, text, voice in items:
            speech = speak(text, voice)
            speech *= 10 ** (-9 / 20) / np.max(np.abs(speech))
            start = round(at * RATE)
            stop = min(frames, start + len(speech))
            out[start:stop, channel] += speech[: stop - start]
    return np.round(np.clip(out, -1, 1 - 2**-15) * 32768).astype(np.int16)


def stamp(t: datetime) -> str:
    # Real files carry 7 fractional digits.
    return t.strftime("%Y-%m-%dT%H:%M:%S.%f") + "0Z"


def metadata(
    index: int,
    start: datetime,
    duration_ms: int,
    pauses: list[tuple[datetime, int]],
    participants: list[tuple[str, int | None]],
    channels: int,
    *,
    call_id: str = CALL_ID,
    document_id: str | None = None,
    fmt: str = "wav",
) -> dict[str, object]:
    return {
        "resourceId": RESOURCE,
        "callId": call_id,
        "chunkDocumentId": document_id or DOCS[index],
        "chunkIndex": index,
        "chunkStartTime": stamp(start),
        "chunkDuration": duration_ms,
        "pauseResumeIntervals": [{"startTime": stamp(t), "duration": d} for t, d in pauses],
        "recordingInfo": {
            "contentType": "audio",
            "channelType": "unmixed"
            if participants and participants[0][1] is not None
            else "mixed",
            "format": fmt,
            "audioConfiguration": {
                "sampleRate": RATE,
                "bitRate": (256000 if fmt == "wav" else 32000) * channels,
                "channels": channels,
            },
        },
        "participants": [
            {"participantId": p} if c is None else {"participantId": p, "channel": c}
            for p, c in participants
        ],
    }


def event(folder: Path) -> dict[str, object]:
    base = "https://storage.asm.skype.com/v1/objects"
    return {
        "id": "1f0a9b7e-3c5d-4e6f-8a9b-0c1d2e3f4a5b",
        "topic": f"/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/calls/providers/Microsoft.Communication/communicationServices/{RESOURCE}",
        "subject": f"/recording/call/{CALL_ID}/serverCallId/aHR0cHM6Ly9hcGkuZmxpZ2h0cHJveHkuc2t5cGUuY29t/recordingId/{RECORDING_ID}",
        "data": {
            "recordingStorageInfo": {
                "recordingChunks": [
                    {
                        "documentId": doc,
                        "index": i,
                        "endReason": "ChunkMaximumTimeExceeded" if i == 0 else "SessionEnded",
                        "contentLocation": f"{base}/{doc}/content/audio",
                        "metadataLocation": f"{base}/{doc}/content/acsmetadata",
                        "deleteLocation": f"{base}/{doc}",
                    }
                    for i, doc in enumerate(DOCS)
                ]
            },
            "recordingStartTime": stamp(T0),
            "recordingDurationMs": 12000,
            "sessionEndReason": "CallEnded",
            "recordingContentType": "Audio",
            "recordingChannelType": "Unmixed",
            "recordingFormatType": "Wav",
        },
        "eventType": "Microsoft.Communication.RecordingFileStatusUpdated",
        "dataVersion": "1.0",
        "metadataVersion": "1",
        "eventTime": stamp(T0 + timedelta(seconds=95)),
    }


def make_unmixed(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    chunks = [
        (T0, 7000, [(T0 + timedelta(seconds=3), 1500)], [(AGENT, 0), (CUSTOMER, 1)], CHUNK0, 5.5),
        (
            T0 + timedelta(seconds=7),
            5000,
            [],
            [(CUSTOMER, 0), (AGENT, 1), (SUPERVISOR, 2)],
            CHUNK1,
            5.0,
        ),
    ]
    for index, (start, duration, pauses, people, lines, media_s) in enumerate(chunks):
        audio = render(lines, media_s, seed=index)
        soundfile.write(folder / f"{DOCS[index]}.wav", audio, RATE, subtype="PCM_16")
        meta = metadata(index, start, duration, pauses, people, audio.shape[1])
        (folder / f"{DOCS[index]}.json").write_text(json.dumps(meta, indent=2) + "\n")
    (folder / "recording-file-status-updated.json").write_text(
        json.dumps([event(folder)], indent=2) + "\n"
    )


# Mixed recordings: every voice on the one channel. (media seconds, text, voice) per chunk.
MIXED_LINES = [
    [
        (0.25, "Good morning, you are through to billing.", "en-us+m3"),
        (2.60, "Hello, I was charged twice this month.", "en-gb+f3"),
        (5.00, "I see both payments, I will refund one now.", "en-us+m3"),
    ],
    [
        (0.30, "The refund is on its way.", "en-us+m3"),
        (2.40, "Thank you very much, goodbye.", "en-gb+f3"),
    ],
]


def make_mixed(folder: Path, fmt: str, call_id: str, docs: list[str]) -> None:
    """A mixed recording: one chunk with a pause (WAV), or two chunks with a gap (MP3)."""
    folder.mkdir(parents=True, exist_ok=True)
    people: list[tuple[str, int | None]] = [(AGENT, None), (CUSTOMER, None)]
    if fmt == "wav":
        chunks = [(T0, 9500, [(T0 + timedelta(seconds=4.5), 1500)], MIXED_LINES[0], 8.0)]
    else:
        chunks = [
            (T0, 8000, [], MIXED_LINES[0], 8.0),
            (T0 + timedelta(seconds=10), 4500, [], MIXED_LINES[1], 4.5),
        ]
    for index, (start, duration, pauses, lines, media_s) in enumerate(chunks):
        audio = render({0: lines}, media_s, seed=10 + index)
        name = folder / f"{docs[index]}.{fmt}"
        if fmt == "wav":
            soundfile.write(name, audio, RATE, subtype="PCM_16")
        else:
            soundfile.write(name, audio, RATE, format="MP3", subtype="MPEG_LAYER_III")
        meta = metadata(
            index,
            start,
            duration,
            pauses,
            people,
            1,
            call_id=call_id,
            document_id=docs[index],
            fmt=fmt,
        )
        (folder / f"{docs[index]}.json").write_text(json.dumps(meta, indent=2) + "\n")


RESPONSE_TOKEN = "eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.c2FtcGxlLW9ubHk.bm90LWEtcmVhbC10b2tlbg"
RESPONSE_CALL = "57DAB8B1894C409AB240BD8BEAE78896"


def dtmf(key: str, seconds: float, level_dbfs: float = -12.0) -> np.ndarray:
    rows, cols = (697, 770, 852, 941), (1209, 1336, 1477, 1633)
    layout = ["123A", "456B", "789C", "*0#D"]
    r = next(i for i, line in enumerate(layout) if key in line)
    c = layout[r].index(key)
    t = np.arange(round(seconds * RATE)) / RATE
    amp = 10 ** (level_dbfs / 20)
    return amp * (np.sin(2 * np.pi * rows[r] * t) + np.sin(2 * np.pi * cols[c] * t)) / 2


def operation(
    op_id: str, status: str, code: int, subcode: int, message: str, location: str
) -> dict[str, object]:
    path = f"/communications/calls/{RESPONSE_CALL}/operations/{op_id.replace('-', '').upper()}"
    return {
        "@odata.type": "#microsoft.graph.commsNotification",
        "changeType": "deleted",
        "resourceUrl": path,
        "resourceData": {
            "@odata.type": "#microsoft.graph.recordOperation",
            "@odata.id": path,
            "@odata.etag": 'W/"54451"',
            "id": op_id,
            "clientContext": "d45324c1-fcb5-430a-902c-f20af696537c",
            "status": status,
            "resultInfo": {
                "@odata.type": "#microsoft.graph.resultInfo",
                "code": code,
                "subcode": subcode,
                "message": message,
            },
            "recordingLocation": location,
            "recordingAccessToken": RESPONSE_TOKEN,
        },
    }


def make_responses(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(21)
    noise = 10 ** (-62 / 20)
    # An answer: 1.2 s of line noise, the caller speaking, a short pause, then "#" to stop.
    speech = speak("I would like to pay my bill, please.", "en-gb+f3")
    speech *= 10 ** (-9 / 20) / np.max(np.abs(speech))
    parts = [
        np.zeros(round(1.2 * RATE)),
        speech,
        np.zeros(round(0.35 * RATE)),
        dtmf("#", 0.18),
        np.zeros(round(0.12 * RATE)),
    ]
    answer = np.concatenate(parts)
    answer += rng.normal(0.0, noise, len(answer))
    located = "17e3b46c-f61d-4f4d-9635-c626ef18e6ad"
    soundfile.write(
        folder / f"{located}.wav", np.round(answer * 32767).astype(np.int16), RATE, subtype="PCM_16"
    )
    # No answer: 5 s of line noise, the recording stopped by the silence timer.
    quiet_id = "4b9d2e61-0c7f-4a8e-9d35-1f2a6b7c8d90"
    silence = rng.normal(0.0, noise, 5 * RATE)
    soundfile.write(
        folder / f"{quiet_id}.wav",
        np.round(silence * 32767).astype(np.int16),
        RATE,
        subtype="PCM_16",
    )
    payload = {
        "@odata.type": "#microsoft.graph.commsNotifications",
        "value": [
            operation(
                "0fe0623f-d628-42ed-b4bd-8ac290072cc5",
                "completed",
                200,
                8514,
                "Action completed, stop tone detected.",
                f"https://file.location/{located}",
            ),
            operation(
                quiet_id,
                "completed",
                200,
                8509,
                "Action completed, max silence timeout reached.",
                "https://file.location/9a1c7e55-2d4b-4f0a-8e6c-3b5d7f9e1a2c",
            ),
            operation(
                "c3e8a1f0-5b7d-4e2a-9c6f-0d1b3a5c7e9f",
                "failed",
                400,
                8508,
                "Action falied, the operation was cancelled.",
                "https://file.location/00000000-0000-0000-0000-000000000000",
            ),
        ],
    }
    (folder / "notifications.json").write_text(json.dumps(payload, indent=2) + "\n")


if __name__ == "__main__":
    make_responses(HERE / "record-response")
    make_unmixed(HERE / "unmixed-call")
    make_mixed(
        HERE / "mixed-call-wav",
        "wav",
        "0c2d4e6f-8a1b-4c3d-9e5f-7a9b1c3d5e7f",
        ["0-eus-d1-1b3d5f7a9c1e3a5c7e9a1c3e5a7c9e1b"],
    )
    make_mixed(
        HERE / "mixed-call-mp3",
        "mp3",
        "9e8d7c6b-5a4f-4e3d-8c2b-1a0f9e8d7c6b",
        ["0-eus-d2-2c4e6a8c0e2a4c6e8a0c2e4a6c8e0a2c", "0-eus-d2-3d5f7b9d1f3b5d7f9b1d3f5b7d9f1b3d"],
    )
    print(f"wrote samples under {HERE}")
