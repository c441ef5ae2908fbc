"""What the command line says about odd PATHs, output folders and option values."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from callrec import cli
from callrec.cli import EXIT_OK, EXIT_USAGE
from callrec.output.report import load_report

from .conftest import SAMPLES

UNMIXED_WAV = "0-weu-d3-7a9b1c3d5e7f9a1b3c5d7e9f1a3b5c7d.wav"


def test_a_media_file_as_path_processes_its_recording(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    media = SAMPLES / "unmixed-call" / UNMIXED_WAV
    assert cli.main(["process", str(media), "--out", str(tmp_path), "-q"]) == EXIT_OK
    assert "1 recording(s)" in capsys.readouterr().out
    (path,) = tmp_path.glob("*/report.json")
    report = load_report(path)
    assert UNMIXED_WAV in {Path(c.media_file or "").name for c in report.chunks}
    assert len(report.chunks) == 2 and report.recording_id is not None  # the event came too


def test_a_media_file_without_its_metadata_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    shutil.copy(SAMPLES / "unmixed-call" / UNMIXED_WAV, tmp_path / UNMIXED_WAV)
    for command in ("process", "inspect"):
        extra = ["--out", str(tmp_path / "out")] if command == "process" else []
        assert cli.main([command, str(tmp_path / UNMIXED_WAV), *extra]) == EXIT_USAGE
        err = capsys.readouterr().err
        assert "no chunk metadata beside this media file names it" in err
        assert UNMIXED_WAV in err
    assert not (tmp_path / "out").exists()


def test_a_path_with_nothing_in_it_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "empty").mkdir()
    assert cli.main(["process", str(tmp_path / "empty"), "--out", str(tmp_path / "o")]) == EXIT_OK
    assert "No recordings found under" in capsys.readouterr().out


def test_the_output_folder_inside_the_input_tree_is_never_input(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    tree = tmp_path / "calls"
    shutil.copytree(SAMPLES, tree)
    for run in range(2):
        code = cli.main(["process", str(tree), "--out", str(tree / "out"), "-q", "--force"])
        assert code == EXIT_OK, run
        said = capsys.readouterr().out
        assert "3 recording(s)" in said and "not used" not in said


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--threshold-dbfs", "5"], "expected -120 to 0, got 5"),
        (["--threshold-dbfs", "nan"], "expected -120 to 0, got nan"),
        (["--threshold-dbfs", "loud"], "expected a number, got 'loud'"),
        (["--max-threshold-dbfs", "-200"], "expected -120 to 0, got -200"),
        (["--threshold-dbfs", "-20", "--max-threshold-dbfs", "-40"], "must not be below"),
        (["--jobs", "0"], "expected at least 1, got 0"),
        (["--jobs", "two"], "expected a whole number, got 'two'"),
    ],
)
def test_option_values_are_checked_before_anything_runs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    out = tmp_path / "out"
    assert cli.main(["process", str(SAMPLES), "--out", str(out), *argv]) == EXIT_USAGE
    assert message in capsys.readouterr().err
    assert not out.exists()


def test_tolerance_must_not_be_negative(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["inspect", str(SAMPLES), "--tolerance-ms", "-1"]) == EXIT_USAGE
    assert "expected 0 to" in capsys.readouterr().err


def test_a_threshold_above_the_default_cap_is_honoured(tmp_path: Path) -> None:
    code = cli.main(
        [
            "process",
            str(SAMPLES / "unmixed-call"),
            "--out",
            str(tmp_path),
            "-q",
            "--threshold-dbfs",
            "-25",
        ]
    )
    assert code == EXIT_OK
    (path,) = tmp_path.glob("*/report.json")
    report = load_report(path)
    assert report.provenance.options["activity"] == {
        "max_threshold_dbfs": -25.0,
        "threshold_dbfs": -25.0,
    }
    default = tmp_path / "default"
    assert cli.main(["process", str(SAMPLES / "unmixed-call"), "--out", str(default), "-q"]) == 0
    (path,) = default.glob("*/report.json")
    quieter = load_report(path)
    # A threshold 25 dB higher finds less speech, never more.
    for loud, usual in zip(report.participants, quieter.participants, strict=True):
        assert loud.talk_time_s < usual.talk_time_s


def test_a_gap_longer_than_max_gap_s_fails_unless_allowed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from .conftest import meta, write_chunk

    folder = tmp_path / "in"
    write_chunk(folder, meta(0, duration_ms=1000), frames=16000)
    write_chunk(
        folder, meta(1, start="2026-01-05T10:01:00.0000000Z", duration_ms=1000), frames=16000
    )
    # 59 s of silence on 2 s of audio: more than --max-gap-s 10 and more than twice the audio.
    strict = ["--max-gap-s", "10"]
    assert cli.main(["process", str(folder), "--out", str(tmp_path / "a"), "-q", *strict]) == 1
    assert "RecordingTooLargeError" in capsys.readouterr().out
    assert not list((tmp_path / "a").glob("*/participants"))  # nothing was written first
    allowed = ["--max-gap-s", "100"]
    assert cli.main(["process", str(folder), "--out", str(tmp_path / "b"), "-q", *allowed]) == 0
    (path,) = (tmp_path / "b").glob("*/report.json")
    assert load_report(path).duration_s == pytest.approx(61.0)


def test_out_the_same_folder_as_path(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    tree = tmp_path / "calls"
    shutil.copytree(SAMPLES / "mixed-call-wav", tree)
    for run in range(2):  # the second run must not read the first one's tracks as input
        assert cli.main(["process", str(tree), "--out", str(tree), "-q", "--force"]) == EXIT_OK
        said = capsys.readouterr().out
        assert "1 recording(s)" in said and "not used" not in said, run


def test_a_folder_that_cannot_be_listed_is_named(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import os

    import callrec.acs.discovery as discovery

    shutil.copytree(SAMPLES / "mixed-call-wav", tmp_path / "ok")
    real_walk = os.walk

    def walk(top, onerror=None):  # type: ignore[no-untyped-def]
        # What os.walk reports for a folder it may not enter (tests run as root, who may).
        assert onerror is not None
        onerror(PermissionError(13, "Permission denied", str(Path(top) / "locked")))
        yield from real_walk(top, onerror=onerror)

    monkeypatch.setattr(discovery.os, "walk", walk)
    assert cli.main(["inspect", str(tmp_path)]) == 1
    said = capsys.readouterr()
    assert "locked" in said.out and "Permission denied" in said.out
    assert "Traceback" not in said.err


def test_a_path_that_cannot_be_read_is_a_usage_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    locked = tmp_path / "locked" / "calls"
    real_exists = Path.exists

    def exists(self: Path, *args: object, **kwargs: object) -> bool:
        if self == locked:
            raise PermissionError(13, "Permission denied", str(self))
        return real_exists(self)

    monkeypatch.setattr(Path, "exists", exists)
    assert cli.main(["inspect", str(locked)]) == EXIT_USAGE
    said = capsys.readouterr().err
    assert "cannot be read: Permission denied" in said and "Traceback" not in said
