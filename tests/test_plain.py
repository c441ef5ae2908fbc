"""Plain multi-channel recordings: media files without ACS metadata, one speaker per channel.

A known-truth two-channel call, written as a plain file, goes through the real command
(``callrec process FILE --speakers agent,customer``)::

    seconds   0    0.5      1.5 1.8     2.7 3.0      4.0 4.3         5.5  6.0
    agent          [A1       )          [A2       )
    customer                    [C1     )           [C2          )

Each burst is band-limited noise at a talking level switched on and off on exact samples, over
room noise far below the speech threshold: the tracks must be the channels sample for sample, and
the speech where the bursts are.
"""

from __future__ import annotations

import json
import os
import re
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import soundfile

from callrec import cli
from callrec.acs.plain import (
    DEFAULT_START_TIME,
    PlainOptions,
    parse_speakers,
    parse_start_time,
)
from callrec.audio.reader import read_audio
from callrec.batch import discover, open_recording, process
from callrec.errors import ChannelConflictError, EmptyMediaError, UsageError
from callrec.output.options import ProcessOptions
from callrec.output.report import Report, load_report
from callrec.safety.naming import safe_name

from .conftest import ALICE, BOB, MEDIA, meta, write_chunk
from .signals import band_noise, sine, to_int16

RATE = 16_000
LENGTH_S = 6.0
SPEECH_DBFS = -26.0
NOISE_DBFS = -65.0
EDGE_S = 0.020  # how far a reported speech edge may be from the truth (lossless input)
SAID = {
    "agent": [(0.5, 1.5), (3.0, 4.0)],
    "customer": [(1.8, 2.7), (4.3, 5.5)],
}
SPEAKERS = "agent,customer"
START = "2024-05-01T09:30:00+02:00"

Interval = tuple[float, float]


def channel(said: list[Interval], rng: np.random.Generator) -> np.ndarray:
    """One speaker's microphone, float (full scale 1.0)."""
    x = rng.standard_normal(round(LENGTH_S * RATE)) * 10 ** (NOISE_DBFS / 20)
    for a, b in said:
        i, j = round(a * RATE), round(b * RATE)
        x[i:j] += band_noise((j - i) / RATE, RATE, SPEECH_DBFS, rng)
    return x


def call_audio(seed: int = 7, channels: int = 2) -> np.ndarray:
    """``(frames, channels)`` int16: agent, customer, then room noise on any further channel."""
    rng = np.random.default_rng(seed)
    said = [SAID["agent"], SAID["customer"], *([[]] * (channels - 2))]
    return to_int16(np.stack([channel(s, rng) for s in said[:channels]], axis=1))


def write_call(path: Path, *, seed: int = 7, channels: int = 2) -> np.ndarray:
    """A plain file of the call (WAV or FLAC, 16-bit, by its suffix); its samples."""
    path.parent.mkdir(parents=True, exist_ok=True)
    audio = call_audio(seed, channels)
    soundfile.write(path, audio, RATE, subtype="PCM_16")
    return audio


def run(*argv: str) -> int:
    return cli.main(["process", *argv, "--jobs", "1", "--quiet"])


def reports(out: Path) -> dict[str, Report]:
    """Recording folder name -> its report."""
    return {path.parent.name: load_report(path) for path in sorted(out.glob("*/report.json"))}


def errors_of(out: Path) -> dict[str, Any]:
    document: dict[str, Any] = json.loads((out / "errors.json").read_text())
    return document


def check_speech(report: Report, tolerance_s: float = EDGE_S) -> None:
    """Every speaker's segments within ``tolerance_s`` of what they said."""
    people = {p.participant_id: p for p in report.participants}
    assert list(people) == list(SAID)
    for name, truth in SAID.items():
        found = people[name].speech_segments
        assert len(found) == len(truth), (name, found)
        for (a, b), (ta, tb) in zip(found, truth, strict=True):
            assert abs(a - ta) <= tolerance_s and abs(b - tb) <= tolerance_s, (name, found)


# --- one file, known truth --------------------------------------------------------------------


@pytest.mark.parametrize("suffix", [".wav", ".flac"])
def test_a_two_channel_file_gives_its_channels_as_tracks_and_the_true_speech(
    tmp_path: Path, suffix: str
) -> None:
    media = tmp_path / "in" / f"call{suffix}"
    audio = write_call(media)
    out = tmp_path / "out"
    assert run(str(media), "--out", str(out), "--speakers", SPEAKERS, "--start-time", START) == 0

    report = reports(out)["call"]  # the recording is named after the file
    assert report.call_id == "call"
    assert report.start_time == datetime(2024, 5, 1, 7, 30, tzinfo=timezone.utc)
    assert report.channel_type == "unmixed" and report.sample_rate == RATE
    assert report.format == suffix.lstrip(".")  # ACS names no FLAC: the file's own container
    assert report.duration_s == pytest.approx(LENGTH_S)
    assert report.warnings == []  # nothing assumed: the start time was given
    for index, person in enumerate(report.participants):
        assert person.channels == {0: index}
        assert person.file is not None
        track, rate = soundfile.read(out / "call" / person.file, dtype="int16")
        assert rate == RATE and soundfile.info(out / "call" / person.file).subtype == "PCM_16"
        np.testing.assert_array_equal(track, audio[:, index])  # bit for bit
        assert person.loudness_lufs is not None and person.peak_dbfs is not None
    check_speech(report)

    talks = {t.participant_id: t for t in report.conversation.participants}
    truth_talk = {name: sum(b - a for a, b in said) for name, said in SAID.items()}
    for name, seconds in truth_talk.items():
        assert talks[name].talk_time_s == pytest.approx(seconds, abs=4 * EDGE_S)
        assert talks[name].turns == 2 and talks[name].interruptions == 0
    assert report.conversation.overlap_s == pytest.approx(0.0, abs=EDGE_S)
    rows = (out / "call" / "segments.csv").read_text().splitlines()
    assert [row.split(",")[0] for row in rows[1:]] == ["agent", "customer", "agent", "customer"]
    assert {
        line.split()[7] for line in (out / "call" / "speech.rttm").read_text().splitlines()
    } == {
        "agent",
        "customer",
    }


def test_levels_and_loudness_of_known_sines(tmp_path: Path) -> None:
    """A 1 kHz sine of peak A reads 20 log10(A) dBFS peak, 20 log10(A) - 3.01 dBFS RMS and
    about 20 log10(A) - 3.01 LUFS (BS.1770, measured as mono)."""
    levels = {"agent": -20.0, "customer": -32.0}
    audio = np.stack([sine(level, 3.0, RATE) for level in levels.values()], axis=1)
    media = tmp_path / "in" / "tones.flac"
    media.parent.mkdir()
    soundfile.write(media, to_int16(audio), RATE, subtype="PCM_16")
    assert run(str(media), "--out", str(tmp_path / "out"), "--speakers", SPEAKERS) == 0
    report = reports(tmp_path / "out")["tones"]
    for person in report.participants:
        level = levels[person.participant_id]
        assert person.peak_dbfs == pytest.approx(level, abs=0.01)
        assert person.rms_dbfs == pytest.approx(level - 3.01, abs=0.01)
        assert person.loudness_lufs == pytest.approx(level - 3.01, abs=0.1)


def test_without_a_start_time_the_default_is_used_and_said(tmp_path: Path) -> None:
    media = tmp_path / "call.wav"
    write_call(media)
    recording = open_recording(media, plain=PlainOptions(("agent", "customer")))
    assert recording.start == DEFAULT_START_TIME == datetime(2000, 1, 1, tzinfo=timezone.utc)
    (assumed,) = recording.warnings
    assert assumed.code == "start-time-assumed" and assumed.file == media
    assert "2000-01-01T00:00:00" in assumed.message
    assert recording.participants == ("agent", "customer")
    assert [c.channel_map.participants for c in recording.chunks] == [{0: "agent", 1: "customer"}]


def test_mp3_is_decoded_and_its_speech_found(tmp_path: Path) -> None:
    audio = call_audio()
    media = tmp_path / "in" / "call.mp3"
    media.parent.mkdir()
    soundfile.write(media, audio.astype(np.float32) / 32768, RATE, format="MP3")
    assert run(str(media), "--out", str(tmp_path / "out"), "--speakers", SPEAKERS) == 0
    report = reports(tmp_path / "out")["call"]
    assert report.format == "mp3" and report.duration_s == pytest.approx(LENGTH_S, abs=0.05)
    decoded, _ = read_audio(media)
    for index, person in enumerate(report.participants):
        assert person.file is not None
        track, rate = soundfile.read(tmp_path / "out" / "call" / person.file, dtype="float32")
        assert rate == RATE
        # The decoder's float output differs in the last bits between block sizes.
        np.testing.assert_allclose(track, decoded[: len(track), index], rtol=0, atol=1e-6)
    check_speech(report, tolerance_s=0.05)  # a lossy codec smears the edges a little


def test_mp4_tracks_are_its_decoded_channels(tmp_path: Path) -> None:
    media = tmp_path / "in" / "stereo.mp4"
    media.parent.mkdir()
    media.write_bytes((MEDIA / "stereo-16k-1.5s.mp4").read_bytes())
    assert run(str(media), "--out", str(tmp_path / "out"), "--speakers", "left,right") == 0
    report = reports(tmp_path / "out")["stereo"]
    assert report.format == "mp4" and report.duration_s == pytest.approx(1.5)
    decoded, _ = read_audio(media)
    assert [p.participant_id for p in report.participants] == ["left", "right"]
    for index, person in enumerate(report.participants):
        assert person.file is not None
        track, _ = soundfile.read(tmp_path / "out" / "stereo" / person.file, dtype="float32")
        np.testing.assert_array_equal(track, decoded[:, index])


# --- folders ------------------------------------------------------------------------------------


def test_a_folder_of_plain_files_each_one_recording_and_a_wrong_one_fails_alone(
    tmp_path: Path,
) -> None:
    tree = tmp_path / "in"
    good = {
        "a": write_call(tree / "a.wav", seed=1),
        "b": write_call(tree / "b.flac", seed=2),
        "c": write_call(tree / "day2" / "c.wav", seed=3),
    }
    write_call(tree / "three.wav", channels=3)
    mono = tree / "mono.wav"
    soundfile.write(mono, call_audio()[:, :1], RATE, subtype="PCM_16")
    (tree / "empty.wav").write_bytes(b"")
    out = tmp_path / "out"
    assert run(str(tree), "--out", str(out), "--speakers", SPEAKERS) == 1

    done = reports(out)
    assert sorted(done) == ["a", "b", "c"]
    for name, audio in good.items():
        check_speech(done[name])
        for index, person in enumerate(done[name].participants):
            assert person.file is not None
            track, _ = soundfile.read(out / name / person.file, dtype="int16")
            np.testing.assert_array_equal(track, audio[:, index])
    failed = {entry["folder"]: entry for entry in errors_of(out)["failed"]}
    assert sorted(failed) == ["empty", "mono", "three"]
    for name, channels in (("three", 3), ("mono", 1)):
        assert failed[name]["error"] == "ChannelConflictError"
        assert failed[name]["file"] == str(tree / f"{name}.wav")
        assert f"has {channels} channel" in failed[name]["message"]
        assert "2 speakers are named (agent, customer)" in failed[name]["message"]
    assert failed["empty"]["error"] == "EmptyMediaError"
    assert failed["empty"]["file"] == str(tree / "empty.wav")
    assert errors_of(out)["problems"] == []


def test_files_with_the_same_stem_get_folders_of_their_own(tmp_path: Path) -> None:
    tree = tmp_path / "in"
    write_call(tree / "call.wav", seed=1)
    write_call(tree / "call.flac", seed=2)
    write_call(tree / "other" / "call.wav", seed=3)
    write_call(tree / "my call #2.wav", seed=4)
    out = tmp_path / "out"
    assert run(str(tree), "--out", str(out), "--speakers", SPEAKERS) == 0
    done = reports(out)
    assert sorted(done) == sorted(
        ["call--call.wav", "call--call.flac", "call--call.wav--2", safe_name("my call #2")]
    )
    assert done[safe_name("my call #2")].call_id == "my call #2"
    media = {r.chunks[0].media_file for r in done.values()}
    assert len(media) == 4


def test_a_mixed_folder_acs_recordings_stay_acs_and_plain_files_need_speakers(
    tmp_path: Path,
) -> None:
    tree = tmp_path / "in"
    write_chunk(tree / "acs", meta(0, participants=[(ALICE, 0), (BOB, 1)]), frames=32_000)
    write_call(tree / "plain" / "twilio.wav")
    # Without --speakers: the ACS recording is processed, the plain file is not used.
    out = tmp_path / "without"
    assert run(str(tree), "--out", str(out)) == 1
    assert [r.call_id for r in reports(out).values()] == [meta()["callId"]]
    (problem,) = errors_of(out)["problems"]
    assert problem["kind"] == "media-without-metadata"
    assert problem["file"] == str(tree / "plain" / "twilio.wav")
    # With --speakers: the chunk keeps its metadata's participants; the plain file gets them.
    out = tmp_path / "with"
    assert run(str(tree), "--out", str(out), "--speakers", SPEAKERS) == 0
    done = {r.call_id: r for r in reports(out).values()}
    assert sorted(done) == sorted([meta()["callId"], "twilio"])
    assert [p.participant_id for p in done[meta()["callId"]].participants] == [ALICE, BOB]
    assert [p.participant_id for p in done["twilio"].participants] == ["agent", "customer"]
    assert errors_of(out)["problems"] == []


def test_tracks_of_an_earlier_run_inside_path_are_not_plain_recordings(tmp_path: Path) -> None:
    tree = tmp_path / "in"
    write_call(tree / "call.wav")
    assert run(str(tree), "--out", str(tree / "first"), "--speakers", "agent,customer") == 0
    # Mono tracks and one speaker: they would fit, but they are outputs, not calls.
    (tree / "first" / "call" / "participants" / "extra.flac").write_bytes(b"")
    second = tmp_path / "second"
    assert run(str(tree), "--out", str(second), "--speakers", "agent,customer") == 1
    assert list(reports(second)) == ["call"]
    unused = sorted(Path(p["file"]).name for p in errors_of(second)["problems"])
    assert unused == ["agent.wav", "customer.wav"]  # as without --speakers
    found = discover(tree, plain=PlainOptions(("caller",)), exclude=[second])
    assert [r.call_id for r in found.recordings] == ["call"]


def test_a_media_file_that_has_metadata_is_an_acs_recording_even_with_speakers(
    tmp_path: Path,
) -> None:
    _, media = write_chunk(tmp_path / "in", meta(0), frames=16_000)
    assert media is not None
    recording = open_recording(media, plain=PlainOptions(("agent", "customer")))
    assert recording.call_id == meta()["callId"]
    assert recording.participants == (ALICE, BOB)
    found = discover(tmp_path / "in", plain=PlainOptions(("agent", "customer")))
    assert [r.plain for r in found.recordings] == [None]


def test_flac_files_are_looked_at_only_with_speakers(tmp_path: Path) -> None:
    write_call(tmp_path / "in" / "call.flac")
    plain = discover(tmp_path / "in", plain=PlainOptions(("agent", "customer")))
    assert [r.call_id for r in plain.recordings] == ["call"]
    assert plain.problems == () and plain.ignored == ()
    acs = discover(tmp_path / "in")
    assert acs.recordings == () and acs.problems == ()
    assert acs.ignored == (tmp_path / "in" / "call.flac",)


# --- names ----------------------------------------------------------------------------------


def test_speaker_names_that_are_not_file_names_are_escaped_in_track_names(tmp_path: Path) -> None:
    media = tmp_path / "in" / "call.wav"
    audio = write_call(media)
    speakers = ("4:+14255550123/x", "../../etc")
    out = tmp_path / "out"
    before = set(tmp_path.rglob("*"))
    assert run(str(media), "--out", str(out), "--speakers", ",".join(speakers)) == 0
    assert all(out in p.parents or p == out for p in set(tmp_path.rglob("*")) - before)
    report = reports(out)["call"]
    assert [p.participant_id for p in report.participants] == list(speakers)  # kept as given
    for index, (person, speaker) in enumerate(zip(report.participants, speakers, strict=True)):
        assert person.file == f"participants/{safe_name(speaker)}.wav"
        assert "/" not in safe_name(speaker) and ":" not in safe_name(speaker)
        track, _ = soundfile.read(out / "call" / person.file, dtype="int16")
        np.testing.assert_array_equal(track, audio[:, index])
    assert safe_name(speakers[0]) == "4%3A%2B14255550123%2Fx"
    rttm = (out / "call" / "speech.rttm").read_text().splitlines()
    assert {line.split()[7] for line in rttm} == {safe_name(s) for s in speakers}


@pytest.mark.parametrize(
    ("speakers", "message"),
    [
        ("agent,,customer", "name 2 is empty"),
        ("", "name 1 is empty"),
        (" , customer", "name 1 is empty"),
        ("agent,customer,agent", "name 3 ('agent') repeats name 1 ('agent')"),
        ("Agent,agent", "name 2 ('agent') repeats name 1 ('Agent')"),
        ("agent,cust\tomer", "control character '\\t'"),
        (",".join(f"s{i}" for i in range(33)), "33 names; expected 1 to 32"),
    ],
)
def test_bad_speakers_are_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], speakers: str, message: str
) -> None:
    write_call(tmp_path / "in" / "call.wav")
    out = tmp_path / "out"
    assert run(str(tmp_path / "in"), "--out", str(out), f"--speakers={speakers}") == 2
    err = capsys.readouterr().err
    assert "argument --speakers" in err and message in err
    assert not out.exists()  # refused before anything was read or made
    with pytest.raises(UsageError, match=re.escape(message)):
        parse_speakers(speakers)


def test_plain_options_are_checked_when_made() -> None:
    assert PlainOptions([" agent ", "customer"]).speakers == ("agent", "customer")
    with pytest.raises(UsageError, match="speakers: name 2 is empty"):
        PlainOptions(("agent", ""))
    with pytest.raises(UsageError, match=r"speakers: name 2 .* repeats name 1"):
        PlainOptions(("agent", "AGENT"))
    with pytest.raises(UsageError, match="speakers: expected a sequence of names"):
        PlainOptions("agent,customer")  # type: ignore[arg-type]
    with pytest.raises(UsageError, match="speakers: 0 names"):
        PlainOptions(())
    with pytest.raises(UsageError, match=r"speakers: name 1 is not text \(int\)"):
        PlainOptions((1, 2))  # type: ignore[arg-type]
    with pytest.raises(UsageError, match="start_time: expected a datetime with a time zone"):
        PlainOptions(("a",), datetime(2024, 5, 1))  # naive: which zone?
    with pytest.raises(UsageError, match="start_time: 1999-12-31"):
        PlainOptions(("a",), datetime(1999, 12, 31, tzinfo=timezone.utc))
    zoned = PlainOptions(("a",), datetime(2024, 5, 1, 9, 30, tzinfo=timezone(timedelta(hours=2))))
    assert zoned.start_time == datetime(2024, 5, 1, 7, 30, tzinfo=timezone.utc)
    assert zoned.start_time is not None and zoned.start_time.utcoffset() == timedelta(0)


# --- start time ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("2024-05-01T09:30:00", "has no time zone"),
        ("2024-05-01 09:30", "has no time zone"),
        ("yesterday", "expected an ISO 8601 date and time"),
        ("2024-05-01", "expected an ISO 8601 date and time"),
        ("2024-13-01T00:00:00Z", "that exists"),
        ("1999-12-31T23:00:00Z", "is outside 2000-01-01 to before 2100-01-01"),
    ],
)
def test_a_bad_start_time_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str, message: str
) -> None:
    write_call(tmp_path / "in" / "call.wav")
    out = tmp_path / "out"
    argv = [str(tmp_path / "in"), "--out", str(out), "--speakers", SPEAKERS, f"--start-time={text}"]
    assert run(*argv) == 2
    err = capsys.readouterr().err
    assert "argument --start-time" in err and message in err
    assert not out.exists()
    with pytest.raises(UsageError, match=message):
        parse_start_time(text)


@pytest.mark.parametrize(
    ("text", "utc"),
    [
        ("2024-05-01T09:30:00Z", datetime(2024, 5, 1, 9, 30, tzinfo=timezone.utc)),
        ("2024-05-01T09:30:00.1234567+02:00", datetime(2024, 5, 1, 7, 30, 0, 123457, timezone.utc)),
        ("2024-05-01T09:30-0530", datetime(2024, 5, 1, 15, 0, tzinfo=timezone.utc)),
    ],
)
def test_start_times_in_any_zone_are_kept_in_utc(text: str, utc: datetime) -> None:
    assert parse_start_time(text) == utc and parse_start_time(text).tzinfo == timezone.utc


def test_a_start_time_without_speakers_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_call(tmp_path / "in" / "call.wav")
    argv = [str(tmp_path / "in"), "--out", str(tmp_path / "out"), "--start-time", START]
    assert run(*argv) == 2
    assert "--start-time applies to plain recordings: give --speakers too" in (
        capsys.readouterr().err
    )


# --- errors name the file -----------------------------------------------------------------------


def test_one_file_whose_channels_do_not_match_fails_naming_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    media = tmp_path / "in" / "call.wav"
    write_call(media)
    out = tmp_path / "out"
    assert run(str(media), "--out", str(out), "--speakers", "agent,customer,supervisor") == 1
    printed = capsys.readouterr().out
    assert f"ChannelConflictError in {media}" in printed
    assert "the file has 2 channels but 3 speakers are named" in printed
    (failed,) = errors_of(out)["failed"]
    assert failed["file"] == str(media) and failed["input_files"] == [str(media)]
    assert not (out / "call").exists()
    with pytest.raises(ChannelConflictError) as caught:
        open_recording(media, plain=PlainOptions(("agent",)))
    assert caught.value.file == media


def test_an_unreadable_plain_file_fails_with_its_media_error(tmp_path: Path) -> None:
    media = tmp_path / "call.wav"
    media.write_bytes(b"")
    found = discover(media, plain=PlainOptions(("agent", "customer")))
    (item,) = found.recordings
    assert item.sources[0].media is None and item.sources[0].media_problem is not None
    with pytest.raises(EmptyMediaError) as caught:
        item.build()
    assert caught.value.file == media


def test_without_speakers_a_lone_media_file_is_still_a_usage_error(tmp_path: Path) -> None:
    media = tmp_path / "call.wav"
    write_call(media)
    assert run(str(media), "--out", str(tmp_path / "out")) == 2
    with pytest.raises(UsageError, match="no chunk metadata beside this media file names it"):
        discover(media)


# --- re-runs ------------------------------------------------------------------------------------


def test_a_rerun_skips_and_other_speakers_or_start_time_redo_it(tmp_path: Path) -> None:
    media = tmp_path / "in" / "call.wav"
    write_call(media)
    out = tmp_path / "out"

    def statuses(speakers: str, start: str | None = None) -> list[str]:
        when = None if start is None else parse_start_time(start)
        plain = PlainOptions(parse_speakers(speakers), when)
        return [o.status for o in process(tmp_path / "in", out, jobs=1, plain=plain).outcomes]

    assert statuses(SPEAKERS) == ["done"]
    report = out / "call" / "report.json"
    before = report.stat().st_mtime_ns
    assert statuses(SPEAKERS) == ["skipped"]
    assert report.stat().st_mtime_ns == before
    provenance = load_report(report).provenance.options
    assert provenance["plain"] == {"speakers": ["agent", "customer"], "start_time": None}

    assert statuses("rep,caller") == ["done"]
    assert sorted(p.name for p in (out / "call" / "participants").iterdir()) == [
        "caller.wav",
        "rep.wav",
    ]  # the old speakers' tracks are gone
    assert statuses("rep,caller", START) == ["done"]
    assert load_report(report).start_time == datetime(2024, 5, 1, 7, 30, tzinfo=timezone.utc)
    assert statuses("rep,caller", START) == ["skipped"]
    os.utime(media, ns=(media.stat().st_atime_ns, media.stat().st_mtime_ns + 10**9))
    assert statuses("rep,caller", START) == ["done"]  # a changed file, as for ACS media


def test_acs_reports_keep_their_provenance_when_speakers_are_given(tmp_path: Path) -> None:
    """An ACS recording done without --speakers is not redone because they are given now."""
    write_chunk(tmp_path / "in", meta(0), frames=16_000)
    first = process(tmp_path / "in", tmp_path / "out", jobs=1)
    again = process(tmp_path / "in", tmp_path / "out", jobs=1, plain=PlainOptions(("a", "b")))
    assert [o.status for o in first.outcomes] == ["done"]
    assert [o.status for o in again.outcomes] == ["skipped"]
    (report,) = reports(tmp_path / "out").values()
    assert "plain" not in report.provenance.options
    assert "plain" not in ProcessOptions().as_dict()


# --- inspect ------------------------------------------------------------------------------------


def test_inspect_shows_a_plain_recording_and_a_failing_one(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_call(tmp_path / "in" / "call.wav")
    write_call(tmp_path / "in" / "three.wav", channels=3)
    argv = ["inspect", str(tmp_path / "in"), "--json", "--speakers", SPEAKERS]
    assert cli.main([*argv, "--start-time", START]) == 1
    document = json.loads(capsys.readouterr().out)
    (summary,) = document["recordings"]
    assert summary["call_id"] == "call"
    assert summary["start_time"] == "2024-05-01T07:30:00.000000Z"
    assert summary["duration_s"] == LENGTH_S
    assert [p["participant_id"] for p in summary["participants"]] == ["agent", "customer"]
    assert [p["channels"] for p in summary["participants"]] == [{"0": 0}, {"0": 1}]
    (error,) = document["errors"]
    assert error["error"] == "ChannelConflictError"
    assert error["chunk_files"] == [str(tmp_path / "in" / "three.wav")]


# --- blob storage -------------------------------------------------------------------------------


def test_plain_files_in_blob_storage(
    azurite_service: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """``az://`` in and out: the same tracks as from a local disk, and a re-run skips."""
    adlfs = pytest.importorskip("adlfs")
    monkeypatch.setenv("AZURE_STORAGE_CONNECTION_STRING", azurite_service.connection_string)
    fs = adlfs.AzureBlobFileSystem(
        connection_string=azurite_service.connection_string, skip_instance_cache=True
    )
    fs.mkdir("plain-recordings")
    try:
        audio = write_call(tmp_path / "call.wav")
        write_call(tmp_path / "three.flac", channels=3)
        fs.put_file(str(tmp_path / "call.wav"), "plain-recordings/in/call.wav")
        fs.put_file(str(tmp_path / "three.flac"), "plain-recordings/in/day2/three.flac")
        argv = ["az://plain-recordings/in", "--out", "az://plain-recordings/out"]
        assert run(*argv, "--speakers", SPEAKERS) == 1  # three.flac fails alone
        for index, name in enumerate(SAID):
            track = fs.cat_file(f"plain-recordings/out/call/participants/{name}.wav")
            (tmp_path / f"{name}.wav").write_bytes(track)
            data, _ = soundfile.read(tmp_path / f"{name}.wav", dtype="int16")
            np.testing.assert_array_equal(data, audio[:, index])
        errors = json.loads(fs.cat_file("plain-recordings/out/errors.json"))
        (failed,) = errors["failed"]
        assert failed["error"] == "ChannelConflictError"
        assert failed["file"] == "az://plain-recordings/in/day2/three.flac"
        report = json.loads(fs.cat_file("plain-recordings/out/call/report.json"))
        assert [p["participant_id"] for p in report["participants"]] == list(SAID)
        result = process(
            "az://plain-recordings/in",
            "az://plain-recordings/out",
            jobs=1,
            plain=PlainOptions(("agent", "customer")),
        )
        assert [o.status for o in result.outcomes] == ["skipped", "failed"]
    finally:
        fs.rm("plain-recordings", recursive=True)
