"""A day's folder with good recordings among hostile files: through the command line, every
good recording is processed, every bad file or recording is named, exit 1, and no secret is
written anywhere."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from callrec import cli
from callrec.cli import EXIT_FAILED

from .conftest import MEDIA, SAMPLES, meta, write_chunk

SIGNATURE = "Zm9yYmlkZGVuLXNpZ25hdHVyZQ"
SAS = f"sig={SIGNATURE}%3D%3D"
PASSWORD = "pw-4f9a"


def _day(root: Path) -> dict[str, str]:
    """The tree; returns each hostile thing's name -> where it must be named."""
    shutil.copytree(SAMPLES / "unmixed-call", root / "good-unmixed")
    shutil.copytree(SAMPLES / "mixed-call-mp3", root / "good-mp3")
    bad: dict[str, str] = {}
    # Numbers out of range.
    write_chunk(root / "infinite", {**meta(0, call_id="inf"), "chunkDuration": 1e309}, frames=1600)
    bad["infinite"] = "problems"
    # JSON that is not a document, or not an object, or too deep.
    (root / "junk").mkdir()
    (root / "junk" / "deep.json").write_text("[" * 100_000 + "]" * 100_000)
    (root / "junk" / "string.json").write_text('"just a string"')
    if hasattr(os, "mkfifo"):
        os.mkfifo(root / "junk" / "pipe.json")
    bad["junk"] = "problems"
    # Media whose MP4 boxes lie about their sizes.
    document = meta(0, call_id="boxes", channel_type="mixed", fmt="mp4", channels=1)
    document["participants"] = [{"participantId": "8:acs:someone"}]
    document["chunkDuration"] = 1500
    (root / "boxes").mkdir()
    (root / "boxes" / f"{document['chunkDocumentId']}.json").write_text(json.dumps(document))
    data = bytearray((MEDIA / "tone-16k-1.5s.mp4").read_bytes())
    moov = data.index(b"moov") - 4
    data[moov : moov + 4] = (3).to_bytes(4, "big")  # a box smaller than its own header
    (root / "boxes" / f"{document['chunkDocumentId']}.mp4").write_bytes(bytes(data))
    bad["boxes"] = "incomplete"
    # A call id that is the name of a file the run writes.
    write_chunk(root / "reserved", meta(0, call_id="errors.json"), frames=32000)
    # A notification that fails validation, carrying a SAS signature.
    (root / "graph").mkdir()
    (root / "graph" / "notification.json").write_text(
        json.dumps(
            {
                "value": {
                    "resourceData": [
                        {
                            "recordingLocation": f"https://user:{PASSWORD}@x.blob.core.windows.net/a?{SAS}"
                        }
                    ]
                }
            }
        )
    )
    return bad


def test_a_hostile_day(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = _day(tmp_path / "day")
    out = tmp_path / "out"
    code = cli.main(["process", str(tmp_path / "day"), "--out", str(out), "-j", "2", "-q"])
    said = capsys.readouterr()
    assert code == EXIT_FAILED
    assert "Traceback" not in said.err
    errors = json.loads((out / "errors.json").read_text())
    named = {
        "problems": " ".join(p["file"] for p in errors["problems"]),
        "failed": " ".join(" ".join(f["input_files"]) for f in errors["failed"]),
        "incomplete": " ".join(i["folder"] for i in errors["incomplete"]),
    }
    for where, kind in bad.items():
        if kind == "incomplete":
            assert "boxes" in named["incomplete"], errors["incomplete"]
        else:
            assert f"/{where}/" in named[kind], (where, errors[kind])
    reports = {json.loads(p.read_text())["call_id"] for p in out.glob("*/report.json")}
    assert {
        "b5a3e2c1-7d44-4f0e-9a8b-2c6d1e0f9a37",
        "9e8d7c6b-5a4f-4e3d-8c2b-1a0f9e8d7c6b",
    } <= reports
    assert "errors.json" in reports  # its folder got another name, and errors.json was written
    everything = said.out + said.err
    for path in out.rglob("*"):
        if path.is_file() and path.suffix in (".json", ".csv", ".rttm"):
            everything += path.read_text()
    assert SIGNATURE not in everything and PASSWORD not in everything


def test_the_hostile_notification_through_callrec_response(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`callrec process` does not read notifications; `callrec response` does: it names the
    file it cannot use, and writes and prints nothing secret."""
    _day(tmp_path / "day")
    notification = tmp_path / "day" / "graph" / "notification.json"
    out = tmp_path / "responses"
    for given in (notification, notification.parent):
        code = cli.main(["response", str(given), "--out", str(out)])
        said = capsys.readouterr()
        everything = (
            said.out + said.err + "".join(p.read_text() for p in out.rglob("*.json") if p.is_file())
        )
        assert SIGNATURE not in everything and PASSWORD not in everything
        if given == notification:  # named on the command line: said to be no notification
            assert code == EXIT_FAILED and str(notification) in said.err
