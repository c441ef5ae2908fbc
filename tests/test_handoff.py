"""The hand-off: manifest.jsonl, clips, stereo.wav, speech.uem, the batch segments.csv, and the
report as a DataFrame and a pyannote Annotation, checked against the tracks they point into."""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import soundfile

import callrec
from callrec import cli
from callrec.output.handoff import saturated_sum, stereo_sides
from callrec.timebase import to_samples

from .conftest import SAMPLES, meta
from .signals import sequence, to_int16

UNMIXED = SAMPLES / "unmixed-call"
RATE = 16_000
AGENT, SUPERVISOR, CUSTOMER = "8:acs:agent_0001", "8:orgid:super/visor", "4:+14255550100"


def _run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> int:
    status = cli.main(["process", *argv, "--quiet"])
    capsys.readouterr()
    return status


def _folder(out: Path) -> Path:
    (folder,) = [p for p in out.iterdir() if p.is_dir()]
    return folder


def _manifest(folder: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in (folder / "manifest.jsonl").read_text().splitlines()]


def _samples(path: Path) -> np.ndarray:
    data, _ = soundfile.read(path, dtype="int16", always_2d=True)
    return data


def _between(track: np.ndarray, start_s: float, end_s: float) -> np.ndarray:
    return track[to_samples(start_s, RATE) : to_samples(end_s, RATE)]


def _loud_call(folder: Path) -> Path:
    """Two agents and a customer on three channels; the agents loud enough together that their
    sum saturates, each speaking at known times."""
    document = meta(
        duration_ms=6000, channels=3, participants=[(AGENT, 0), (SUPERVISOR, 1), (CUSTOMER, 2)]
    )
    audio = np.stack(
        [
            to_int16(sequence([(-120, 0.5), (-3, 2.0), (-120, 3.5)], RATE)),
            to_int16(sequence([(-120, 1.0), (-2, 2.0), (-120, 3.0)], RATE)),
            to_int16(sequence([(-120, 4.0), (-12, 1.5), (-120, 0.5)], RATE)),
        ],
        axis=1,
    )
    folder.mkdir(parents=True)
    (folder / "call.json").write_text(json.dumps(document))
    soundfile.write(folder / "call.wav", audio, RATE, subtype="PCM_16")
    return folder


@pytest.mark.parametrize("layout", ["aligned", "compact"])
def test_each_manifest_line_is_the_participants_speech(
    layout: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    aligned_out, out = tmp_path / "aligned", tmp_path / layout
    assert _run([str(UNMIXED), "--out", str(aligned_out)], capsys) == cli.EXIT_OK
    assert _run([str(UNMIXED), "--out", str(out), "--layout", layout], capsys) == cli.EXIT_OK
    folder, reference = _folder(out), _folder(aligned_out)
    report = callrec.load_report(folder / "report.json")
    lines = _manifest(folder)
    assert len(lines) == sum(len(p.speech_segments) for p in report.participants) > 3
    assert [(x["start_s"], x["speaker"]) for x in lines] == sorted(
        (x["start_s"], x["speaker"]) for x in lines
    )
    speakers = report.speakers()
    for line in lines:
        assert line["recording"] == folder.name
        assert line["speaker"] == speakers[line["participant_id"]]
        audio = _samples(folder / line["audio_filepath"])
        said = _between(audio, line["offset"], line["offset"] + line["duration"])
        # The aligned track is the wall clock: the utterance there, sample for sample.
        track = _samples(reference / "participants" / f"{line['speaker']}.wav")
        assert np.array_equal(said, _between(track, line["start_s"], line["end_s"]))
        assert len(said) == to_samples(line["end_s"], RATE) - to_samples(line["start_s"], RATE)
        assert line["start_time"] == report.instant(line["start_s"])


def test_clips_are_the_track_slices_and_the_manifest_points_into_them(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    argv = [str(UNMIXED), "--out", str(out), "--clips", "--clip-padding-s", "0.3"]
    assert _run(argv, capsys) == cli.EXIT_OK
    folder = _folder(out)
    report = callrec.load_report(folder / "report.json")
    padding = to_samples(0.3, RATE)
    for participant in report.participants:
        assert participant.file is not None
        track = _samples(folder / participant.file)
        assert len(participant.clips) == len(participant.speech_segments)
        for clip, (start, end) in zip(
            participant.clips, participant.track_speech_segments, strict=True
        ):
            assert np.array_equal(
                _samples(folder / clip.file), _between(track, clip.start_s, clip.end_s)
            )
            assert to_samples(clip.start_s, RATE) == max(0, to_samples(start, RATE) - padding)
            assert to_samples(clip.end_s, RATE) == min(len(track), to_samples(end, RATE) + padding)
    for line in _manifest(folder):
        assert line["audio_filepath"].startswith(f"clips/{line['speaker']}/")
        clip = _samples(folder / line["audio_filepath"])
        track = _samples(folder / "participants" / f"{line['speaker']}.wav")
        said = _between(clip, line["offset"], line["offset"] + line["duration"])
        assert np.array_equal(said, _between(track, line["start_s"], line["end_s"]))
    # A run without --clips removes them: only what the new report lists stays.
    assert _run([str(UNMIXED), "--out", str(out)], capsys) == cli.EXIT_OK
    assert not list(folder.glob("clips/*/*.wav"))
    assert _manifest(folder)[0]["audio_filepath"].startswith("participants/")


def test_stereo_sums_agents_left_and_phone_numbers_right_saturated(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = _loud_call(tmp_path / "in")
    assert _run([str(source), "--out", str(tmp_path / "out"), "--stereo"], capsys) == cli.EXIT_OK
    folder = _folder(tmp_path / "out")
    report = callrec.load_report(folder / "report.json")
    assert report.stereo is not None
    assert report.stereo.left == [AGENT, SUPERVISOR] and report.stereo.right == [CUSTOMER]
    tracks = {p.participant_id: _samples(folder / str(p.file))[:, 0] for p in report.participants}
    stereo = _samples(folder / "stereo.wav")
    wide = tracks[AGENT].astype(np.int64) + tracks[SUPERVISOR]
    assert np.array_equal(stereo[:, 0], np.clip(wide, -32768, 32767))
    assert np.array_equal(stereo[:, 1], tracks[CUSTOMER])
    assert (np.abs(wide) > 32767).any() and (np.abs(stereo[:, 0]) == 32767).any()  # it saturated

    chosen = ["--stereo", "--stereo-left", CUSTOMER]
    assert _run([str(source), "--out", str(tmp_path / "chosen"), *chosen], capsys) == cli.EXIT_OK
    mirrored = _samples(_folder(tmp_path / "chosen") / "stereo.wav")
    assert np.array_equal(mirrored[:, ::-1], stereo)


def test_stereo_options_that_cannot_be_met(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = _loud_call(tmp_path / "in")
    assert _run([str(source), "--out", str(tmp_path / "a"), "--stereo-left", AGENT], capsys) == 2
    unknown = ["--stereo", "--stereo-left", "8:acs:nobody"]
    assert _run([str(source), "--out", str(tmp_path / "b"), *unknown], capsys) == cli.EXIT_FAILED
    errors = json.loads((tmp_path / "b" / "errors.json").read_text())
    assert "8:acs:nobody" in errors["failed"][0]["message"]
    assert _run([str(source), "--out", str(tmp_path / "c"), "--clip-padding-s", "61"], capsys) == 2
    # A mixed recording has one track: no stereo file, and the report says why.
    mixed = SAMPLES / "mixed-call-wav"
    assert _run([str(mixed), "--out", str(tmp_path / "d"), "--stereo"], capsys) == cli.EXIT_OK
    report = callrec.load_report(_folder(tmp_path / "d") / "report.json")
    assert report.stereo is None and [w.code for w in report.warnings] == ["no-stereo"]


def test_saturated_sum_and_sides_known_answers() -> None:
    loud = np.array([30000, -30000, 100], np.int16)
    assert saturated_sum([loud, loud], np.dtype(np.int16)).tolist() == [32767, -32768, 200]
    floats = np.array([0.75, -0.75, 0.25], np.float32)
    assert saturated_sum([floats, floats], np.dtype(np.float32)).tolist() == [1.0, -1.0, 0.5]
    assert saturated_sum([], np.dtype(np.int16)).size == 0
    assert stereo_sides([AGENT, CUSTOMER, SUPERVISOR]) == ([AGENT, SUPERVISOR], [CUSTOMER], [])
    assert stereo_sides([AGENT, CUSTOMER], [CUSTOMER]) == ([CUSTOMER], [AGENT], [])
    assert stereo_sides([AGENT, SUPERVISOR])[:2] == ([AGENT], [SUPERVISOR])
    assert stereo_sides([CUSTOMER])[:2] == ([CUSTOMER], [])
    left, right, notes = stereo_sides([AGENT, CUSTOMER], [CUSTOMER, "8:acs:gone"])
    assert (left, right) == ([CUSTOMER], [AGENT]) and "8:acs:gone" in notes[0]
    with pytest.raises(ValueError, match="nobody"):
        stereo_sides([AGENT], ["nobody"])


def test_the_batch_table_has_every_segment_of_every_recording(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import pandas as pd

    inputs = tmp_path / "in"
    shutil.copytree(SAMPLES, inputs, ignore=shutil.ignore_patterns("record-response", "*.py"))
    out = tmp_path / "out"
    assert _run([str(inputs), "--out", str(out)], capsys) == cli.EXIT_OK
    table = pd.read_csv(out / "segments.csv")
    reports = {p.parent.name: callrec.load_report(p) for p in out.glob("*/report.json")}
    expected = [
        (name, label, start, end)
        for name, report in reports.items()
        for label, track in report.tracks()
        for start, end in track.speech_segments
    ]
    assert len(table) == len(expected) > 10
    got = sorted(
        zip(table.recording, table.participant_id, table.start_s, table.end_s, strict=True)
    )
    assert got == sorted((n, label, round(s, 3), round(e, 3)) for n, label, s, e in expected)
    assert list(table.columns) == [
        "recording", "call_id", "recording_id", "participant_id", "speaker", "start_s", "end_s",
        "start_time",
    ]  # fmt: skip
    # The per-recording CSV's speaker column is the RTTM's speaker: the join key.
    for name in reports:
        with open(out / name / "segments.csv", newline="") as f:
            speakers = {row["speaker"] for row in csv.DictReader(f)}
        rttm = {line.split()[7] for line in (out / name / "speech.rttm").read_text().splitlines()}
        assert speakers == rttm
    # A re-run that skips everything still writes the table of the run.
    before = (out / "segments.csv").read_text()
    assert _run([str(inputs), "--out", str(out)], capsys) == cli.EXIT_OK
    assert (out / "segments.csv").read_text() == before


def test_scorers_and_pandas_load_what_is_written(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    database = pytest.importorskip("pyannote.database.util", reason="needs Python 3.11+")
    import pandas as pd

    silent = tmp_path / "in" / "silent"
    document = meta(duration_ms=3000, call_id="22222222-3333-4444-5555-666666666666")
    silent.mkdir(parents=True)
    (silent / "call.json").write_text(json.dumps(document))
    soundfile.write(silent / "call.wav", np.zeros((3 * RATE, 2), np.int16), RATE)
    shutil.copytree(UNMIXED, tmp_path / "in" / "unmixed")
    out = tmp_path / "out"
    assert _run([str(tmp_path / "in"), "--out", str(out)], capsys) == cli.EXIT_OK
    for folder in (p for p in out.iterdir() if p.is_dir()):
        report = callrec.load_report(folder / "report.json")
        rttm = database.load_rttm(folder / "speech.rttm")
        uem = database.load_uem(folder / "speech.uem")
        assert list(uem) == [folder.name]
        assert uem[folder.name].extent().duration == pytest.approx(report.duration_s, abs=1e-3)
        segments = pd.read_csv(folder / "segments.csv")
        assert len(segments) == sum(len(t.speech_segments) for _, t in report.tracks())
        if len(segments):
            annotation = rttm[folder.name]
            assert annotation.label_duration(segments.speaker[0]) == pytest.approx(
                segments[segments.speaker == segments.speaker[0]].duration_s.sum(), abs=0.01
            )
        else:  # nobody spoke: the RTTM has nothing, the UEM still names the recording
            assert folder.name not in rttm


def test_the_report_as_a_data_frame_and_an_annotation(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pytest.importorskip("pyannote.core", reason="needs Python 3.11+")
    assert _run([str(UNMIXED), "--out", str(tmp_path)], capsys) == cli.EXIT_OK
    report = callrec.load_report(_folder(tmp_path) / "report.json")
    frame = report.segments_frame()
    spans = sorted(
        (p.participant_id, s, e) for p in report.participants for s, e in p.speech_segments
    )
    assert sorted(zip(frame.participant_id, frame.start_s, frame.end_s, strict=True)) == spans
    assert str(frame.start_time.dt.tz) == "UTC"
    assert frame.start_time.iloc[0].isoformat().startswith(report.start_time.isoformat()[:10])
    annotation = report.to_annotation()
    assert annotation.uri == report.call_id
    for participant in report.participants:
        expected = sum(e - s for s, e in participant.speech_segments)
        assert annotation.label_duration(participant.participant_id) == pytest.approx(expected)
    assert len(list(annotation.itertracks())) == len(frame)


def test_a_quiet_known_signal_gives_one_manifest_line_per_burst(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Known truth: two bursts of tone on the agent's channel, one on the customer's."""
    document = meta(duration_ms=8000, participants=[(AGENT, 0), (CUSTOMER, 1)])
    agent = sequence([(-120, 1.0), (-20, 1.5), (-120, 1.5), (-20, 1.0), (-120, 3.0)], RATE)
    customer = sequence([(-120, 5.5), (-20, 1.25), (-120, 1.25)], RATE)
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "c.json").write_text(json.dumps(document))
    soundfile.write(folder / "c.wav", np.stack([to_int16(agent), to_int16(customer)], 1), RATE)
    assert _run([str(folder), "--out", str(tmp_path / "out")], capsys) == cli.EXIT_OK
    lines = _manifest(_folder(tmp_path / "out"))
    assert [x["participant_id"] for x in lines] == [AGENT, AGENT, CUSTOMER]
    for line, (start, end) in zip(lines, [(1.0, 2.5), (4.0, 5.0), (5.5, 6.75)], strict=True):
        assert line["start_s"] == pytest.approx(start, abs=0.05)
        assert line["end_s"] == pytest.approx(end, abs=0.05)


def test_stereo_of_a_call_without_phone_numbers_and_a_partial_left_side(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "plain"
    source.mkdir()
    pair = np.stack(
        [to_int16(sequence([(-10, 2.0)], RATE)), to_int16(sequence([(-20, 2.0)], RATE))], 1
    )
    soundfile.write(source / "call.wav", pair, RATE, subtype="PCM_16")
    speakers = ["--speakers", "agent,customer", "--stereo"]
    assert _run([str(source), "--out", str(tmp_path / "a"), *speakers], capsys) == cli.EXIT_OK
    report = callrec.load_report(_folder(tmp_path / "a") / "report.json")
    assert report.stereo is not None and (report.stereo.left, report.stereo.right) == (
        ["agent"],
        ["customer"],
    )
    assert "stereo-sides" in [w.code for w in report.warnings]
    assert np.array_equal(_samples(_folder(tmp_path / "a") / "stereo.wav"), pair)
    # Agents named for a whole batch: each call takes the ones it has, and says which it lacks.
    chosen = [*speakers, "--stereo-left", "customer", "--stereo-left", "8:acs:elsewhere"]
    assert _run([str(source), "--out", str(tmp_path / "b"), *chosen], capsys) == cli.EXIT_OK
    report = callrec.load_report(_folder(tmp_path / "b") / "report.json")
    assert report.stereo is not None and report.stereo.left == ["customer"]
    assert any("8:acs:elsewhere" in w.message for w in report.warnings if w.code == "stereo-sides")


def test_a_stereo_choice_that_cannot_be_met_fails_before_anything_is_written(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = _loud_call(tmp_path / "in")
    out = tmp_path / "out"
    assert _run([str(source), "--out", str(out), "--clips"], capsys) == cli.EXIT_OK
    folder = _folder(out)
    before = {p: p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}
    nobody = ["--stereo", "--stereo-left", "8:acs:nobody"]
    assert _run([str(source), "--out", str(out), *nobody], capsys) == cli.EXIT_FAILED
    assert {p: p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()} == before
    compact = ["--stereo", "--layout", "compact"]
    assert _run([str(source), "--out", str(tmp_path / "c"), *compact], capsys) == cli.EXIT_USAGE
    padding = ["--clip-padding-s", "0.5"]
    assert _run([str(source), "--out", str(tmp_path / "d"), *padding], capsys) == cli.EXIT_USAGE


def test_audio_an_interrupted_run_left_is_removed_and_never_taken_for_input(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "calls"
    source.mkdir()
    pair = np.stack([to_int16(sequence([(-10, 2.0)], RATE))] * 2, 1)
    soundfile.write(source / "call.wav", pair, RATE, subtype="PCM_16")
    plain = ["--speakers", "agent,customer"]
    out = source / "out"  # inside PATH: a later run over PATH must not take it for calls
    assert _run([str(source), "--out", str(out), *plain, "--clips", "--stereo"], capsys) == 0
    folder = _folder(out)
    assert list(folder.glob("clips/*/*.wav")) and (folder / "stereo.wav").exists()
    (folder / "report.json").unlink()  # as a run killed after writing its audio leaves it
    # Its audio is no call (listed as unused media, as an earlier run's tracks always are).
    elsewhere = tmp_path / "elsewhere"
    assert _run([str(source), "--out", str(elsewhere), *plain], capsys) == cli.EXIT_FAILED
    assert [p.name for p in elsewhere.iterdir() if p.is_dir()] == ["call"]
    assert _run([str(source), "--out", str(out), *plain], capsys) == cli.EXIT_OK
    assert not (folder / "clips").exists() and not (folder / "stereo.wav").exists()
    assert sorted(p.name for p in folder.glob("participants/*.wav")) == [
        "agent.wav",
        "customer.wav",
    ]
