"""``callrec inspect``: output, exit codes, and no tracebacks for bad input."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from callrec.cli import main

from .conftest import BOB, EXAMPLES, SAMPLES, meta, write_chunk


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_inspect_sample_text(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "inspect", str(SAMPLES / "unmixed-call"))
    assert code == 0, err
    assert "call b5a3e2c1-7d44-4f0e-9a8b-2c6d1e0f9a37" in out
    assert "wall clock 12.000 s" in out and "includes_pauses (media)" in out
    assert "4:+14255550123" in out and "warnings: none" in out


def test_inspect_sample_json(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "inspect", str(SAMPLES / "unmixed-call"), "--json")
    assert code == 0
    doc = json.loads(out)
    (rec,) = doc["recordings"]
    assert doc["schema_version"] == 1 and doc["errors"] == [] and doc["problems"] == []
    assert rec["recording_id"] and rec["duration_s"] == 12.0 and rec["channel_type"] == "unmixed"
    assert [c["pause_reading"] for c in rec["chunks"]] == ["includes_pauses", "includes_pauses"]
    assert rec["chunks"][0]["pauses"] == [{"start_s": 3.0, "duration_s": 1.5}]
    assert rec["chunks"][0]["media_duration_s"] == 5.5 and rec["chunks"][1]["start_s"] == 7.0
    customer = next(p for p in rec["participants"] if p["participant_id"] == BOB)
    assert customer["channels"] == {"0": 1, "1": 0}
    assert (
        rec["chunks"][1]["end_reason"] == "SessionEnded"
        and rec["session_end_reason"] == "CallEnded"
    )


def test_metadata_file_alone(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(
        capsys, "inspect", str(EXAMPLES / "acs-metadata-mixed-mp4-2021-docsample.json")
    )
    assert code == 0
    assert "absent" in out and "no media file found" in out and "mixed mp4" in out


def test_broken_tree_exits_1_without_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_chunk(tmp_path / "good", meta(0), frames=32000)
    write_chunk(
        tmp_path / "conflict",
        meta(0, call_id="c2", participants=[("a", 0), ("b", 0)]),
        frames=32000,
    )
    (tmp_path / "broken.json").write_text("{")
    code, out, err = run(capsys, "inspect", str(tmp_path))
    assert code == 1
    assert "Traceback" not in out + err
    assert "both on channel 0" in out and "broken.json" in out and "line 1, column 2" in out
    assert "call 11111111-2222-3333-4444-555555555555" in out  # the good one is still summarised
    code, out, _ = run(capsys, "inspect", str(tmp_path), "--json")
    doc = json.loads(out)
    assert code == 1 and len(doc["recordings"]) == 1
    assert doc["errors"][0]["error"] == "ChannelConflictError"
    assert doc["problems"][0]["kind"] == "unreadable-json"


def test_usage_errors_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "inspect", str(tmp_path / "missing"))[0] == 2
    assert run(capsys, "inspect")[0] == 2
    assert run(capsys, "frobnicate")[0] == 2
    assert run(capsys, "inspect", str(tmp_path), "--pause-reading", "sometimes")[0] == 2
    code, _, err = run(capsys, "inspect", str(tmp_path), "--tolerance-ms", "-1")
    assert code == 2 and "tolerance" in err


def test_forced_reading(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(
        capsys, "inspect", str(SAMPLES / "unmixed-call"), "--json", "--pause-reading", "excludes"
    )
    assert code == 0  # warnings are not errors
    rec = json.loads(out)["recordings"][0]
    assert rec["chunks"][0]["pause_reading"] == "excludes_pauses"
    assert rec["chunks"][0]["pause_reading_source"] == "forced"
    assert any(
        w["code"] == "media-length-mismatch" and w["chunk_index"] == 0 for w in rec["warnings"]
    )
    assert any(w["code"] == "chunks-overlap" for w in rec["warnings"])


def test_empty_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "inspect", str(tmp_path))
    assert code == 0 and "No recordings found" in out


def test_python_dash_m_and_version() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "callrec", "--version"], capture_output=True, text=True
    )
    assert result.returncode == 0 and result.stdout.startswith("callrec ")
    result = subprocess.run(
        [sys.executable, "-m", "callrec", "inspect", str(SAMPLES / "unmixed-call")],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0 and "Recording 1/1" in result.stdout
