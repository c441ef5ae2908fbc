"""One rule for lost audio: a chunk whose media is missing, empty, unreadable, truncated or
undecodable is processed as digital silence over its span; the recording is *incomplete*, listed
in errors.json with the reason, counted apart in the summary, and the exit status is 3."""

from __future__ import annotations

import json
import shutil
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
import soundfile

from callrec import cli
from callrec.cli import EXIT_INCOMPLETE, EXIT_OK

from .conftest import ALICE, BOB, MEDIA, SAMPLES, meta
from .test_process import RATE, Truth, report_of, track_file

CHUNK0_MEDIA_FRAMES = int(2.5 * RATE)


def _chunk0(folder: Path) -> Path:
    return min(folder.glob("*.wav"))  # chunk 0's document id sorts first


def _missing(path: Path) -> None:
    path.unlink()


def _empty(path: Path) -> None:
    path.write_bytes(b"")


def _not_audio(path: Path) -> None:
    path.write_bytes(b"<html>403 Forbidden</html>" * 100)  # what a failed download may hold


def _truncated(path: Path) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: 44 + 4 * RATE])  # the header, then 1.0 s of 2-channel audio


# kind -> (how to break chunk 0's media, frames of it that survive, words in the reason)
BREAKS: dict[str, tuple[Callable[[Path], None], int, str]] = {
    "missing": (_missing, 0, "no media file"),
    "empty": (_empty, 0, "zero bytes"),
    "not audio": (_not_audio, 0, "not a readable"),
    "truncated": (_truncated, RATE, "truncated: read 16000 of the 40000 frames"),
}


@pytest.mark.parametrize("kind", BREAKS)
def test_lost_chunk_media_is_silence_and_the_recording_incomplete(
    kind: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    truth = Truth(tmp_path / "in")
    brk, survives, reason = BREAKS[kind]
    brk(_chunk0(tmp_path / "in"))
    out = tmp_path / "out"
    code = cli.main(["process", str(tmp_path / "in"), "--out", str(out), "-j", "1", "-q"])
    assert code == EXIT_INCOMPLETE
    summary = capsys.readouterr().out
    assert "1 processed" in summary and "0 failed" in summary and "1 incomplete" in summary
    assert reason in summary
    errors = json.loads((out / "errors.json").read_text())
    assert errors["failed"] == []
    (incomplete,) = errors["incomplete"]
    assert reason in " ".join(incomplete["missing_audio"])
    report = report_of(out)
    for person in (ALICE, BOB):
        track, _ = soundfile.read(track_file(out, report, person), dtype="int16")
        expected = truth.tracks[person].copy()
        # Chunk 0 plays on the wall clock at [0, 1 s) and [1.5 s, 3 s); what survived of its
        # media stays, the rest is digital silence; chunk 1 is untouched.
        lost = np.zeros(len(expected), bool)
        lost[: 3 * RATE] = True
        lost[: min(survives, RATE)] = False
        if survives > RATE:
            lost[int(1.5 * RATE) : int(1.5 * RATE) + survives - RATE] = False
        expected[lost] = 0
        np.testing.assert_array_equal(track, expected)
    # A re-run skips the recording, and still says it is incomplete.
    again = cli.main(["process", str(tmp_path / "in"), "--out", str(out), "-j", "1", "-q"])
    assert again == EXIT_INCOMPLETE
    assert "1 already done" in capsys.readouterr().out


def test_a_chunk_the_event_names_but_never_arrived(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "in"
    shutil.copytree(SAMPLES / "unmixed-call", folder)
    for path in folder.glob("0-weu-d3-5f0c7a1e9b2d4c6e8a0b1c2d3e4f5a6b.*"):  # chunk 0's files
        path.unlink()
    code = cli.main(["process", str(folder), "--out", str(tmp_path / "out"), "-q"])
    assert code == EXIT_INCOMPLETE
    (incomplete,) = json.loads((tmp_path / "out" / "errors.json").read_text())["incomplete"]
    assert any("chunk 0 is missing" in reason for reason in incomplete["missing_audio"])


def test_complete_recordings_exit_0(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["process", str(SAMPLES), "--out", str(tmp_path), "-q"]) == EXIT_OK
    assert "0 incomplete" in capsys.readouterr().out
    assert json.loads((tmp_path / "errors.json").read_text())["incomplete"] == []


def test_a_damaged_mp3_keeps_what_precedes_the_damage_and_the_decoder_stays_quiet(
    tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "in"
    shutil.copytree(SAMPLES / "mixed-call-mp3", folder)
    first = min(folder.glob("*.mp3"))
    data = bytearray(first.read_bytes())
    middle = len(data) // 2
    data[middle : middle + 4000] = (
        np.random.default_rng(7).integers(0, 256, 4000, np.uint8).tobytes()
    )
    first.write_bytes(bytes(data))
    frames = soundfile.info(str(SAMPLES / "mixed-call-mp3" / first.name)).frames

    code = cli.main(["process", str(folder), "--out", str(tmp_path / "out"), "-j", "1", "-q"])
    assert code == EXIT_INCOMPLETE
    said = capfd.readouterr()
    # libmpg123 writes "Illegal Audio-MPEG-Header ... resync" to descriptor 2 by itself.
    assert "MPEG" not in said.err and "resync" not in said.err and said.err == ""
    report = report_of(tmp_path / "out")
    codes = {w.code: w.message for w in report.warnings}
    assert "resync" in codes["decoder-messages"] or "MPEG" in codes["decoder-messages"]
    read = int(codes["truncated-media"].split("read ")[1].split(" ")[0])
    # Everything before the damage (about half the file) decodes; a failed block read used to
    # throw all of it away.
    assert frames * 0.3 < read < frames
    mix, _ = soundfile.read(tmp_path / "out" / report_folder_name(tmp_path / "out") / "mixed.wav")
    assert np.abs(mix[: int(read * 0.9)]).max() > 0.01


def report_folder_name(out: Path) -> str:
    (path,) = out.glob("*/report.json")
    return path.parent.name


def test_mp4_without_its_decoder_is_lost_audio_naming_the_extra(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    document = meta(0, channel_type="mixed", fmt="mp4", channels=1, participants=[(ALICE, None)])
    document["chunkDuration"] = 1500
    (folder / f"{document['chunkDocumentId']}.json").write_text(json.dumps(document))
    shutil.copy(MEDIA / "tone-16k-1.5s.mp4", folder / f"{document['chunkDocumentId']}.mp4")
    monkeypatch.setitem(sys.modules, "av", None)  # installed without callrec[mp4]
    code = cli.main(["process", str(folder), "--out", str(tmp_path / "out"), "-j", "1", "-q"])
    assert code == EXIT_INCOMPLETE
    assert "callrec[mp4]" in capsys.readouterr().out
    report = report_of(tmp_path / "out")
    assert [w.code for w in report.warnings if w.code == "media-undecodable"]
