"""Graph recordResponse answers: reasons, stop tones, clean clips, verdicts, and a token that never leaks."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import soundfile
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.signal import resample_poly

from callrec import cli
from callrec.acs.discovery import discover
from callrec.dsp.activity import speech_activity
from callrec.dsp.intervals import close_gaps, mask_runs, subtract
from callrec.errors import CallrecError, MediaError, MetadataError, OutputInUseError, UsageError
from callrec.response import (
    analyze_response,
    answer_names,
    find_responses,
    process_response,
    process_responses,
)
from callrec.response.models import SUBCODE_REASONS
from callrec.safety.locking import output_lock
from callrec.timebase import to_samples

from .conftest import MEDIA, SAMPLES
from .signals import dtmf_tone

TOKEN = "eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.c2VjcmV0LXRlc3Q.dGVzdC10b2tlbi12YWx1ZQ"
SAMPLE_TOKEN = "eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.c2FtcGxlLW9ubHk.bm90LWEtcmVhbC10b2tlbg"


def notification(
    op_id: str = "0fe0623f-d628-42ed-b4bd-8ac290072cc5",
    *,
    status: str = "completed",
    subcode: int = 8514,
    location: str = "https://file.location/17e3b46c?sig=secret-sas",
) -> dict[str, Any]:
    return {
        "@odata.type": "#microsoft.graph.commsNotification",
        "resourceUrl": f"/communications/calls/57DA/operations/{op_id}",
        "resourceData": {
            "@odata.type": "#microsoft.graph.recordOperation",
            "id": op_id,
            "status": status,
            "resultInfo": {"code": 200 if status == "completed" else 400, "subcode": subcode},
            "recordingLocation": location,
            "recordingAccessToken": TOKEN,
        },
    }


def espeak(rate: int) -> tuple[np.ndarray, float]:
    """The committed espeak clip at ``rate`` (float), and the end of its last voiced phrase (s)."""
    audio, native = soundfile.read(MEDIA / "speech-16k.wav", dtype="float64")
    truth = json.loads((MEDIA / "speech-16k.json").read_text())
    end = truth["phrases"][-1]["voiced"][1] / native
    if rate != native:
        audio = resample_poly(audio, rate, native)
    return audio, end


def clip(
    rate: int, *, lead_s: float = 1.0, tail: np.ndarray | None = None, seed: int = 0
) -> tuple[np.ndarray, float, float]:
    """Silence, the espeak clip, then ``tail``; with its speech start and end (s)."""
    speech, end = espeak(rate)
    truth = json.loads((MEDIA / "speech-16k.json").read_text())
    start = truth["phrases"][0]["voiced"][0] / 16000
    parts = [np.zeros(round(lead_s * rate)), speech]
    if tail is not None:
        parts.append(tail)
    x = np.concatenate(parts)
    x += np.random.default_rng(seed).normal(0, 10 ** (-65 / 20), len(x))
    return np.round(x * 32767).astype(np.int16), lead_s + start, lead_s + end


@pytest.mark.parametrize(("subcode", "reason"), sorted(SUBCODE_REASONS.items()))
def test_every_subcode_maps_to_its_reason(subcode: int, reason: Any) -> None:
    status = "failed" if subcode in (8508, 8511, 8512, 8513) else "completed"
    audio = None if status == "failed" else np.zeros(8000, np.int16)
    result = analyze_response(notification(status=status, subcode=subcode), audio, sample_rate=8000)
    assert result.report.completion_reason == reason.value
    assert result.report.subcode == subcode
    assert result.report.verdict == ("failed" if status == "failed" else "empty")


@pytest.mark.parametrize("rate", [8000, 16000])
def test_a_stop_tone_at_the_end_is_found_and_cut_off(rate: int) -> None:
    tone = np.concatenate(
        [
            np.zeros(round(0.3 * rate)),
            dtmf_tone("#", 0.2, rate, level_dbfs=-12.0),
            np.zeros(round(0.1 * rate)),
        ]
    )
    x, start, end = clip(rate, tail=tone)
    result = analyze_response(notification(), x, sample_rate=rate)
    report = result.report
    assert report.verdict == "speech"
    assert (
        report.stop_tone is not None
        and report.stop_tone.key == "#"
        and report.stop_tone.matches_reason
    )
    tone_start = len(x) / rate - 0.3
    assert [k.key for k in report.keys] == ["#"]
    assert abs(report.keys[0].start_s - tone_start) <= 0.015
    assert (report.keys[0].start_s, report.keys[0].end_s) == (
        report.stop_tone.start_s,
        report.stop_tone.end_s,
    )
    assert report.clean is not None and result.clean is not None
    assert abs(report.clean.end_s - end) <= 0.05
    assert abs(report.clean.start_s - start) <= 0.05
    assert len(result.clean) == round((report.clean.end_s - report.clean.start_s) * rate)
    # Nothing of the tone is left in the clean clip.
    assert not analyze_response(notification(), result.clean, sample_rate=rate).report.stop_tone


def test_a_key_in_the_middle_of_speech_does_not_cut_it() -> None:
    rate = 16000
    speech, voiced_end = espeak(rate)
    key = dtmf_tone("5", 0.15, rate, level_dbfs=-12.0)
    x = np.concatenate([np.zeros(rate // 2), speech, key, speech, np.zeros(rate * 2)])
    x += np.random.default_rng(1).normal(0, 10 ** (-65 / 20), len(x))
    samples = np.round(x * 32767).astype(np.int16)
    report = analyze_response(notification(subcode=8509), samples, sample_rate=rate).report
    assert report.stop_tone is None
    assert report.clean is not None
    last_speech_end = (rate // 2 + len(speech) + len(key)) / rate + voiced_end
    assert abs(report.clean.end_s - last_speech_end) <= 0.05  # the second half is kept
    assert report.clean.start_s < 1.0
    key_start = (rate // 2 + len(speech)) / rate
    assert [k.key for k in report.keys] == ["5"]
    assert abs(report.keys[0].start_s - key_start) <= 0.015
    assert abs(report.keys[0].end_s - (key_start + 0.15)) <= 0.015
    # Isolated by silence, the key was a segment of its own: now it is none.
    assert all(b <= key_start or a >= key_start + 0.15 for a, b in report.speech_segments)


def keyed_speech(rate: int, gap_s: float) -> tuple[np.ndarray, dict[str, float]]:
    """The first espeak phrase, ``gap_s`` of its own trailing audio, a 0.2 s '5', ``gap_s`` of
    lead-in and the rest of the clip; with the true times of the phrase edges and the key."""
    audio, _ = soundfile.read(MEDIA / "speech-16k.wav", dtype="float64")
    phrases = json.loads((MEDIA / "speech-16k.json").read_text())["phrases"]
    native = 16000
    gap = round(gap_s * native)
    first = audio[: phrases[0]["voiced"][1] + gap]
    rest = audio[phrases[1]["voiced"][0] - gap :]
    key = dtmf_tone("5", 0.2, native, level_dbfs=-12.0)
    lead = native // 2
    x = np.concatenate([np.zeros(lead), first, key, rest, np.zeros(native)])
    x += np.random.default_rng(3).normal(0, 10 ** (-65 / 20), len(x))
    if rate != native:
        x = resample_poly(x, rate, native)
    key_start = (lead + len(first)) / native
    truth = {
        "first_start": (lead + phrases[0]["voiced"][0]) / native,
        "first_end": (lead + phrases[0]["voiced"][1]) / native,
        "key_start": key_start,
        "key_end": key_start + 0.2,
        "second_start": key_start + 0.2 + gap_s,
    }
    return np.round(x * 32767).astype(np.int16), truth


@pytest.mark.parametrize("rate", [8000, 16000])
def test_a_key_between_two_phrases_is_reported_and_kept_out_of_speech(rate: int) -> None:
    # 50 ms from the voice on each side: the pause around the key (0.3 s) is one the speech
    # detector bridges, so before keys were kept out the three made one segment.
    samples, truth = keyed_speech(rate, 0.05)
    given = samples.copy()
    result = analyze_response(notification(subcode=8509), samples, sample_rate=rate)
    report = result.report
    np.testing.assert_array_equal(samples, given)  # the caller's array is not written to
    assert [k.key for k in report.keys] == ["5"] and report.stop_tone is None
    assert abs(report.keys[0].start_s - truth["key_start"]) <= 0.015
    assert abs(report.keys[0].end_s - truth["key_end"]) <= 0.015
    segments = report.speech_segments
    before = [s for s in segments if s[1] <= truth["key_start"]]
    after = [s for s in segments if s[0] >= truth["key_end"]]
    assert len(before) + len(after) == len(segments)  # no speech overlaps the key
    assert abs(before[0][0] - truth["first_start"]) <= 0.02
    assert abs(before[-1][1] - truth["first_end"]) <= 0.02
    assert abs(after[0][0] - truth["second_start"]) <= 0.02
    assert report.speech_s == pytest.approx(sum(b - a for a, b in segments), abs=0.002)
    assert report.verdict == "speech" and "5" in report.verdict_reason
    # The clean clip spans both phrases, with the key (and only the key) silenced.
    assert report.clean is not None and result.clean is not None
    ((lo_s, hi_s),) = report.clean.silenced
    assert lo_s <= truth["key_start"] and hi_s >= truth["key_end"]
    assert before[-1][1] <= lo_s and hi_s <= after[0][0]
    # The report's times are to the microsecond, off by under 1/100 of a sample at 16 kHz:
    # they give back the very samples where the clip and the silenced key start and end.
    offset = to_samples(report.clean.start_s, rate)
    lo, hi = to_samples(lo_s, rate) - offset, to_samples(hi_s, rate) - offset
    assert not result.clean[lo:hi].any()
    np.testing.assert_array_equal(result.clean[:lo, 0], samples[offset : offset + lo])
    tail = len(result.clean) - hi
    np.testing.assert_array_equal(result.clean[hi:, 0], samples[offset + hi : offset + hi + tail])
    again = analyze_response(notification(subcode=8509), result.clean, sample_rate=rate).report
    assert again.keys == []


masks = st.lists(st.booleans(), min_size=1, max_size=60)


@settings(max_examples=60, deadline=None)
@given(masks, masks)
def test_speech_minus_keys_is_the_difference_of_the_masks(
    speech: list[bool], keys: list[bool]
) -> None:
    n = min(len(speech), len(keys))
    have, holes = np.array(speech[:n]), np.array(keys[:n])
    (a,) = mask_runs(have[:, np.newaxis])
    (b,) = mask_runs(holes[:, np.newaxis])
    (want,) = mask_runs((have & ~holes)[:, np.newaxis])
    np.testing.assert_array_equal(subtract(a, b).reshape(-1, 2), want)


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.tuples(st.integers(0, 150), st.integers(5, 60)), max_size=4),
    st.lists(st.tuples(st.integers(0, 150), st.integers(1, 30)), max_size=3),
)
def test_speech_never_lies_in_a_kept_out_span_nor_bridges_one(
    bursts: list[tuple[int, int]], keys: list[tuple[int, int]]
) -> None:
    """In 10 ms units on 2 s of quiet noise: loud bursts, and spans kept out (keys)."""
    rate, unit = 8000, 80
    rng = np.random.default_rng(len(bursts) + 7 * len(keys))
    x = rng.standard_normal(200 * unit) * 10 ** (-70 / 20)
    for start, length in bursts:
        x[start * unit : (start + length) * unit] += (
            rng.standard_normal(length * unit)[: len(x) - start * unit] * 0.05
        )
    spans = close_gaps(
        np.array(sorted((s * unit, min(s + d, 200) * unit) for s, d in keys), np.int64).reshape(
            -1, 2
        ),
        1,
    )
    got = speech_activity(x, rate, exclude=spans).intervals[0]
    for a, b in got.tolist():
        assert not any(a < q and p < b for p, q in spans.tolist()), (a, b, spans)
    if not len(spans):
        np.testing.assert_array_equal(got, speech_activity(x, rate).intervals[0])


def test_keys_only_is_not_speech() -> None:
    # The clip: a '1' key of 0.3 s, then the '#' stop tone, and silence.
    rate = 16000
    x = np.concatenate(
        [
            np.zeros(rate),
            dtmf_tone("1", 0.3, rate, level_dbfs=-12.0),
            np.zeros(rate),
            dtmf_tone("#", 0.2, rate, level_dbfs=-12.0),
            np.zeros(round(0.1 * rate)),
        ]
    )
    x += np.random.default_rng(4).normal(0, 10 ** (-65 / 20), len(x))
    samples = np.round(x * 32767).astype(np.int16)
    result = analyze_response(notification(), samples, sample_rate=rate)
    report = result.report
    assert report.verdict == "keys" and "1" in report.verdict_reason
    assert report.speech_s == 0.0 and report.speech_segments == []
    assert report.clean is None and result.clean is None and report.peak_dbfs is None
    assert [(k.key, k.start_s) for k in report.keys] == [("1", 1.0), ("#", 2.3)]
    assert abs(report.keys[0].end_s - 1.3) <= 0.015
    assert report.stop_tone is not None and report.stop_tone.key == "#"
    assert report.stop_tone.matches_reason and report.warnings == [] and result.findings == ()
    # The stop tone alone ends the recording without an answer: empty, not keys.
    alone = analyze_response(notification(), samples[round(1.5 * rate) :], sample_rate=rate)
    assert alone.report.verdict == "empty" and [k.key for k in alone.report.keys] == ["#"]


def test_speech_after_the_last_key_makes_it_no_stop_tone() -> None:
    rate = 16000
    speech, _ = espeak(rate)
    answer = speech[round(7.8 * rate) :]  # "No.", about 0.4 s of voice
    x = np.concatenate(
        [np.zeros(rate // 2), dtmf_tone("9", 0.2, rate, level_dbfs=-12.0), answer[: rate // 2]]
    )
    samples = np.round(x * 32767).astype(np.int16)
    result = analyze_response(notification(), samples, sample_rate=rate)
    report = result.report
    assert report.stop_tone is None and [k.key for k in report.keys] == ["9"]
    assert report.verdict == "speech" and report.speech_segments[0][0] >= 0.7
    assert report.warnings == [
        "the completion reason is stopToneDetected but speech follows the last key '9'"
    ]
    assert [f.code for f in result.findings] == ["speech-after-last-key"]
    assert [f.message for f in result.findings] == report.warnings


def test_a_stop_tone_the_reason_does_not_mention_is_still_cut_with_a_warning() -> None:
    tone = dtmf_tone("1", 0.2, 16000, level_dbfs=-12.0)
    x, _, end = clip(16000, tail=tone)
    result = analyze_response(notification(subcode=8515), x, sample_rate=16000)
    report = result.report
    assert report.stop_tone is not None and not report.stop_tone.matches_reason
    assert report.warnings and "'1'" in report.warnings[0]
    (finding,) = result.findings
    assert finding.code == "stop-tone-not-in-reason" and finding.message == report.warnings[0]
    assert not result.truncated
    assert report.clean is not None and abs(report.clean.end_s - end) <= 0.05


def test_noise_at_minus_60_dbfs_is_empty() -> None:
    x = np.random.default_rng(2).normal(0, 10 ** (-60 / 20), 5 * 16000)
    report = analyze_response(
        notification(subcode=8509), np.round(x * 32767).astype(np.int16), sample_rate=16000
    ).report
    assert report.verdict == "empty" and report.clean is None and report.speech_s < 0.2
    assert report.peak_dbfs is None


def test_a_failed_operation_and_missing_audio_are_failed() -> None:
    failed = analyze_response(notification(status="failed", subcode=8508), None)
    assert failed.report.verdict == "failed" and "operationCanceled" in failed.report.verdict_reason
    assert analyze_response(notification(), None).report.verdict == "failed"
    with pytest.raises(UsageError):
        analyze_response(notification(), np.zeros(100, np.int16))  # no sample rate
    with pytest.raises(UsageError):
        analyze_response({"value": [notification(), notification()]}, None)


def test_api_takes_json_text_and_a_file(tmp_path: Path) -> None:
    x, _, _ = clip(8000, tail=dtmf_tone("#", 0.2, 8000, level_dbfs=-12.0))
    soundfile.write(tmp_path / "a.wav", x, 8000, subtype="PCM_16")
    report = analyze_response(json.dumps({"value": [notification()]}), tmp_path / "a.wav").report
    assert report.sample_rate == 8000 and report.verdict == "speech"
    assert report.recording_location == "https://file.location/17e3b46c"  # no query string
    assert (
        report.resource_url
        == "/communications/calls/57DA/operations/0fe0623f-d628-42ed-b4bd-8ac290072cc5"
    )
    with pytest.raises(MediaError):
        analyze_response(notification(), tmp_path / "missing.wav")


def all_text(folder: Path) -> str:
    return "".join(
        p.read_bytes().decode("utf-8", "replace") for p in folder.rglob("*") if p.is_file()
    )


def test_the_sample_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = cli.main(["response", str(SAMPLES / "record-response"), "--out", str(tmp_path)])
    captured = capsys.readouterr()
    assert code == 0
    verdicts = {}
    for path in tmp_path.glob("*.response.json"):
        document = json.loads(path.read_text())
        verdicts[document["subcode"]] = document
    assert verdicts[8514]["verdict"] == "speech" and verdicts[8514]["stop_tone"]["key"] == "#"
    # The figures from before keys were kept out of speech: a stop tone after silence changes
    # nothing but the new fields.
    answer = verdicts[8514]
    assert answer["speech_s"] == 2.16 and answer["speech_segments"] == [[1.2, 3.36]]
    # To the microsecond (4.226 when reports gave milliseconds): sample 67610 at 16 kHz.
    assert answer["keys"] == [{"key": "#", "start_s": 4.04, "end_s": 4.225625}]
    assert answer["duration_s"] == 4.339875  # 69438 samples
    assert answer["clean"] == {
        "file": answer["clean"]["file"],
        "start_s": 1.18,
        "end_s": 3.38,
        "silenced": [],
    }
    assert answer["schema_version"] == 1 and verdicts[8509]["keys"] == []
    assert verdicts[8509]["verdict"] == "empty"
    assert verdicts[8508]["verdict"] == "failed" and verdicts[8508]["error"] is None
    clean = tmp_path / verdicts[8514]["clean"]["file"]
    info = soundfile.info(clean)
    assert info.subtype == "PCM_16" and 1.5 < info.frames / info.samplerate < 3.0
    assert "stopToneDetected" in captured.out and "speech" in captured.out
    assert SAMPLE_TOKEN not in captured.out + captured.err + all_text(tmp_path)


def test_a_broken_folder_reports_each_problem_and_never_leaks_the_token(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    good = notification("aaaaaaaa-0000-0000-0000-000000000001", location="https://x/good")
    absent = notification("aaaaaaaa-0000-0000-0000-000000000002", location="https://x/absent")
    empty = notification("aaaaaaaa-0000-0000-0000-000000000003", location="https://x/empty")
    (folder / "batch.json").write_text(json.dumps({"value": [good, absent, empty]}))
    x, _, _ = clip(16000, tail=dtmf_tone("#", 0.2, 16000, level_dbfs=-12.0))
    soundfile.write(folder / "good.wav", x, 16000, subtype="PCM_16")
    (folder / "empty").write_bytes(b"")  # a download that failed: zero bytes, no extension
    bad = notification("aaaaaaaa-0000-0000-0000-000000000004")
    bad["resourceData"]["status"] = {"nested": TOKEN}  # a malformed payload that carries the token
    (folder / "bad.json").write_text(json.dumps(bad))
    (folder / "junk.json").write_text('{"value": [')
    code = cli.main(["response", str(folder), "--out", str(tmp_path / "out")])
    captured = capsys.readouterr()
    assert code == 1
    reports = {
        json.loads(p.read_text())["operation_id"]: json.loads(p.read_text())
        for p in (tmp_path / "out").glob("*.response.json")
    }
    assert reports["aaaaaaaa-0000-0000-0000-000000000001"]["verdict"] == "speech"
    missing = reports["aaaaaaaa-0000-0000-0000-000000000002"]
    assert missing["verdict"] == "failed" and missing["error"]["error"] == "MediaError"
    zero = reports["aaaaaaaa-0000-0000-0000-000000000003"]
    assert zero["verdict"] == "failed" and zero["error"]["error"] == "EmptyMediaError"
    assert "junk.json" in captured.err
    everything = captured.out + captured.err + all_text(tmp_path / "out")
    assert TOKEN not in everything
    assert "secret-sas" not in everything


def test_an_explicit_pair_of_files(tmp_path: Path) -> None:
    x, _, _ = clip(16000)
    soundfile.write(tmp_path / "whatever-name.wav", x, 16000, subtype="PCM_16")
    (tmp_path / "n.json").write_text(json.dumps(notification(subcode=8509)))
    found, errors = find_responses([tmp_path / "n.json", tmp_path / "whatever-name.wav"])
    assert not errors and len(found) == 1 and found[0].audio == tmp_path / "whatever-name.wav"
    result = process_response(found[0], tmp_path / "out")
    assert result.report.verdict == "speech" and result.report.stop_tone is None


def test_completion_reason_field_wins_over_the_subcode() -> None:
    payload = notification(subcode=8515)
    payload["resourceData"]["completionReason"] = "stopToneDetected"
    del payload["resourceData"]["resultInfo"]["subcode"]
    result = analyze_response(payload, np.zeros(8000, np.int16), sample_rate=8000)
    report = result.report
    assert report.completion_reason == "stopToneDetected" and report.subcode is None
    assert report.warnings == [
        "the completion reason is stopToneDetected but no key was found at the end"
    ]
    assert [f.code for f in result.findings] == ["stop-tone-not-found"]


def without_id(
    location: str, *, subcode: int = 8514, url: str | None = None, resource: str | None = None
) -> dict[str, Any]:
    """A notification whose recordOperation has no id: identified by resourceUrl, or by the
    older form's ``resource`` (and ``@odata.id``), or by nothing."""
    payload = notification(location=location, subcode=subcode)
    del payload["resourceData"]["id"], payload["resourceUrl"]
    if url is not None:
        payload["resourceUrl"] = url
    if resource is not None:
        payload["resource"] = resource
        payload["resourceData"]["@odata.id"] = resource
    return payload


def run(folder: Path, out: Path) -> dict[str, dict[str, Any]]:
    """``callrec response`` over a folder: the reports by file name."""
    assert cli.main(["response", str(folder), "--out", str(out)]) == 0
    return {p.name: json.loads(p.read_text()) for p in sorted(out.glob("*.response.json"))}


def answer_and_silence(folder: Path, *names: str) -> None:
    x, _, _ = clip(16000, tail=dtmf_tone("#", 0.2, 16000, level_dbfs=-12.0))
    soundfile.write(folder / f"{names[0]}.wav", x, 16000, subtype="PCM_16")
    for name in names[1:]:
        soundfile.write(folder / f"{name}.wav", np.zeros(16000, np.int16), 16000)


def test_operations_without_an_id_each_get_their_own_outputs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    new = without_id("https://x/aaa", url="/communications/calls/C1/operations/OP1")
    old = without_id("https://x/bbb", subcode=8509, resource="/app/calls/C2/operations/OP2")
    bare = without_id("https://x/ccc?sig=secret-sas", subcode=8509)["resourceData"]
    (folder / "n.json").write_text(json.dumps({"value": [new, old]}))
    (folder / "bare.json").write_text(json.dumps(bare))  # a recordOperation, nothing else
    answer_and_silence(folder, "aaa", "bbb", "ccc")
    reports = run(folder, tmp_path / "out")
    capsys.readouterr()
    # Before, all three were written as n.response.json (or bare.response.json), each
    # over the last, with the first one's clean clip left beside an empty answer's report.
    assert sorted(reports) == ["OP1.response.json", "OP2.response.json", "ccc.response.json"]
    assert reports["OP1.response.json"]["resource_url"] == "/communications/calls/C1/operations/OP1"
    assert reports["OP2.response.json"]["resource_url"] == "/app/calls/C2/operations/OP2"
    assert reports["ccc.response.json"]["recording_location"] == "https://x/ccc"
    assert [r["verdict"] for r in reports.values()] == ["speech", "empty", "empty"]
    assert reports["OP1.response.json"]["clean"]["file"] == "OP1.clean.wav"
    assert sorted(p.name for p in (tmp_path / "out").glob("*.wav")) == ["OP1.clean.wav"]
    assert "secret-sas" not in all_text(tmp_path / "out")


def test_operations_whose_names_would_clash_get_distinct_stable_names(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    one = without_id("https://x/aaa", url="/communications/calls/A/operations/op")
    two = without_id("https://x/bbb", subcode=8509, url="/communications/calls/B/operations/OP")
    dots = without_id("https://x/bbb", subcode=8509, url="/communications/calls/C/operations/..")
    first = notification("same-id", location="https://x/bbb", subcode=8509)
    second = notification("same-id", location="https://x/bbb", subcode=8510)
    repeated = notification("4b9d", location="https://x/bbb", subcode=8509)
    (folder / "a.json").write_text(json.dumps({"value": [one, two, dots, first, repeated]}))
    # Delivered again: the same operation; and one id whose two notifications disagree.
    (folder / "b.json").write_text(json.dumps({"value": [second, repeated]}))
    answer_and_silence(folder, "aaa", "bbb")
    reports = run(folder, tmp_path / "out")
    capsys.readouterr()
    assert len(reports) == 6  # seven notifications, one of them a copy
    by_source = {
        (r["operation_id"] or r["resource_url"], r["subcode"]): n for n, r in reports.items()
    }
    names = list(by_source.values())
    assert len({n.casefold() for n in names}) == len(names)
    assert by_source[("4b9d", 8509)] == "4b9d.response.json"  # no clash, no hash
    url_a, url_b = "/communications/calls/A/operations/op", "/communications/calls/B/operations/OP"
    assert by_source[(url_a, 8514)].startswith("op~")
    assert by_source[(url_b, 8509)].startswith("OP~")
    assert by_source[("same-id", 8509)].startswith("same-id~")
    assert by_source[("same-id", 8510)].startswith("same-id~")
    assert by_source[("/communications/calls/C/operations/..", 8509)] == "%2E..response.json"
    clip_name = reports[by_source[(url_a, 8514)]]["clean"]["file"]
    assert clip_name == by_source[(url_a, 8514)].replace(".response.json", ".clean.wav")
    assert sorted(p.name for p in (tmp_path / "out").iterdir() if p.suffix == ".wav") == [clip_name]
    # The same inputs give the same names, whichever order they are found in.
    (folder / "b.json").rename(folder / "0.json")
    assert sorted(run(folder, tmp_path / "again")) == sorted(reports)


def test_a_rerun_without_a_clean_clip_removes_the_old_one(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder, out = tmp_path / "in", tmp_path / "out"
    folder.mkdir()
    (folder / "n.json").write_text(json.dumps(notification(location="https://x/aaa")))
    answer_and_silence(folder, "aaa")
    name = "0fe0623f-d628-42ed-b4bd-8ac290072cc5"
    assert run(folder, out)[f"{name}.response.json"]["clean"]["file"] == f"{name}.clean.wav"
    # The download is replaced by silence (a re-download, a fixed pairing): no answer now.
    soundfile.write(folder / "aaa.wav", np.zeros(16000, np.int16), 16000)
    report = run(folder, out)[f"{name}.response.json"]
    capsys.readouterr()
    assert report["verdict"] == "empty" and report["clean"] is None
    assert not (out / f"{name}.clean.wav").exists()


def _sample_copy(tmp_path: Path) -> Path:
    folder = tmp_path / "answers"
    shutil.copytree(SAMPLES / "record-response", folder)
    return folder


FIRST = "17e3b46c-f61d-4f4d-9635-c626ef18e6ad.wav"  # the 0fe0623f… operation's download
SECOND = "4b9d2e61-0c7f-4a8e-9d35-1f2a6b7c8d90.wav"


@pytest.mark.parametrize("rate", [100, 2000])  # an impossible header; too low to judge
def test_an_answer_at_an_absurd_rate_fails_alone(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], rate: int
) -> None:
    folder = _sample_copy(tmp_path)
    soundfile.write(folder / FIRST, np.zeros(rate, np.int16), rate, subtype="PCM_16")
    code = cli.main(["response", str(folder), "--out", str(tmp_path / "out")])
    assert code == 1
    table = capsys.readouterr().out
    assert f"{rate} Hz" in table
    report = json.loads(
        (tmp_path / "out" / "0fe0623f-d628-42ed-b4bd-8ac290072cc5.response.json").read_text()
    )
    assert report["verdict"] == "failed" and report["error"]["error"] == "UnsupportedMediaError"
    other = json.loads(
        (tmp_path / "out" / "4b9d2e61-0c7f-4a8e-9d35-1f2a6b7c8d90.response.json").read_text()
    )
    assert other["verdict"] == "empty" and other["error"] is None  # still judged


def test_a_truncated_answer_is_reported(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = _sample_copy(tmp_path)
    data = (folder / SECOND).read_bytes()
    (folder / SECOND).write_bytes(data[: len(data) // 2])
    cli.main(["response", str(folder), "--out", str(tmp_path / "out")])
    assert (
        "4b9d2e61-0c7f-4a8e-9d35-1f2a6b7c8d90"
        in capsys.readouterr().out.split("(the download is truncated)")[0].splitlines()[-1]
    )
    report = json.loads(
        (tmp_path / "out" / "4b9d2e61-0c7f-4a8e-9d35-1f2a6b7c8d90.response.json").read_text()
    )
    assert any("truncated: read" in w for w in report["warnings"])
    # From Python, by its code: only that answer is truncated, and its finding names the file.
    run = process_responses([folder], tmp_path / "again")
    truncated = {
        name: result.truncated for name, result in zip(run.names, run.results, strict=True)
    }
    assert truncated == {
        "0fe0623f-d628-42ed-b4bd-8ac290072cc5": False,
        "4b9d2e61-0c7f-4a8e-9d35-1f2a6b7c8d90": True,
        "c3e8a1f0-5b7d-4e2a-9c6f-0d1b3a5c7e9f": False,
    }
    (result,) = [r for r in run.results if r.truncated]
    (finding,) = [f for f in result.findings if f.code == "truncated-media"]
    assert finding.file == folder / SECOND and finding.message in result.report.warnings
    assert [f.message for f in result.findings] == result.report.warnings


def test_unreadable_audio_fails_that_answer_without_a_traceback(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import callrec.response.judge as response

    real = response.open_audio

    def forbidden(path):  # type: ignore[no-untyped-def]
        if Path(path).name == FIRST:
            raise PermissionError(13, "Permission denied", str(path))
        return real(path)

    monkeypatch.setattr(response, "open_audio", forbidden)
    code = cli.main(["response", str(SAMPLES / "record-response"), "--out", str(tmp_path)])
    said = capsys.readouterr()
    assert code == 1 and "Traceback" not in said.err
    assert "Permission denied" in said.out
    assert (tmp_path / "4b9d2e61-0c7f-4a8e-9d35-1f2a6b7c8d90.response.json").is_file()


def test_an_out_that_is_a_file_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "taken").write_text("a file")
    code = cli.main(
        ["response", str(SAMPLES / "record-response"), "--out", str(tmp_path / "taken")]
    )
    assert code == 2
    assert "--out" in capsys.readouterr().err
    assert (tmp_path / "taken").read_text() == "a file"


SAMPLE_IDS = (
    "0fe0623f-d628-42ed-b4bd-8ac290072cc5",
    "4b9d2e61-0c7f-4a8e-9d35-1f2a6b7c8d90",
    "c3e8a1f0-5b7d-4e2a-9c6f-0d1b3a5c7e9f",
)


def test_process_responses_is_the_command_without_its_table(tmp_path: Path) -> None:
    run = process_responses([SAMPLES / "record-response"], tmp_path / "out")
    assert run.names == SAMPLE_IDS and not run.failed and run.errors == ()
    assert [r.verdict for r in run.reports] == ["speech", "empty", "failed"]
    assert sorted(p.name for p in (tmp_path / "out").glob("*.response.json")) == [
        f"{name}.response.json" for name in SAMPLE_IDS
    ]
    # A file that is no notification fails the run, which still does the rest.
    folder = _sample_copy(tmp_path)
    (folder / "junk.json").write_text('{"value": [')
    run = process_responses([folder], tmp_path / "junk")
    assert run.failed and [e.file for e in run.errors] == [folder / "junk.json"]
    assert run.names == SAMPLE_IDS
    # So does an answer whose audio is missing, alone.
    (folder / "junk.json").unlink()
    (folder / FIRST).unlink()
    run = process_responses([folder], tmp_path / "missing")
    assert run.failed and run.errors == ()
    assert [r.report.error is not None for r in run.results] == [True, False, False]


def test_process_responses_names_an_operation_without_an_id_by_its_files(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    payload = without_id("https://x/aaa", url="/communications/calls/C1/operations/OP1")
    (folder / "n.json").write_text(json.dumps(payload))
    answer_and_silence(folder, "aaa")
    run = process_responses([folder], tmp_path / "out")
    assert run.names == ("OP1",) and run.reports[0].operation_id is None
    assert (tmp_path / "out" / "OP1.response.json").is_file()


def test_process_responses_refuses_an_out_it_cannot_use(tmp_path: Path) -> None:
    (tmp_path / "taken").write_text("a file")
    with pytest.raises(UsageError, match=r"^--out .*taken: cannot be a folder: "):
        process_responses([SAMPLES / "record-response"], tmp_path / "taken")
    with pytest.raises(UsageError, match="no such file or folder"):
        process_responses([tmp_path / "absent"], tmp_path / "out")
    assert not (tmp_path / "out").exists()  # the paths are checked before anything is made
    busy = tmp_path / "busy"
    busy.mkdir()
    with output_lock(busy), pytest.raises(OutputInUseError):
        process_responses([SAMPLES / "record-response"], busy)
    assert list(busy.iterdir()) == []


def test_answer_names_are_what_each_operation_downloads_as(tmp_path: Path) -> None:
    data = json.loads((SAMPLES / "record-response" / "notifications.json").read_text())
    names = answer_names(data, SAMPLES / "record-response" / "notifications.json")
    assert names == {
        *SAMPLE_IDS,
        "17e3b46c-f61d-4f4d-9635-c626ef18e6ad",
        "9a1c7e55-2d4b-4f0a-8e6c-3b5d7f9e1a2c",
        "00000000-0000-0000-0000-000000000000",
    }
    upper = notification("ABC", location="https://x/Some-Answer.WAV?sig=secret-sas")
    assert answer_names(upper) == {"abc", "some-answer.wav"}
    for other in ({"chunkIndex": 0, "callId": "c"}, [1, 2], "text", {"value": []}):
        assert answer_names(other, tmp_path / "other.json") == set()
    bad = notification()
    bad["resourceData"]["status"] = {"nested": TOKEN}
    with pytest.raises(MetadataError) as caught:
        answer_names(bad, tmp_path / "bad.json")
    assert isinstance(caught.value, CallrecError) and TOKEN not in str(caught.value)


def test_discovery_leaves_answer_audio_to_the_notification_that_claims_it() -> None:
    folder = SAMPLES / "record-response"
    wavs = sorted(folder.glob("*.wav"))
    assert len(wavs) == 2
    alone = discover(folder)
    assert sorted(p.file for p in alone.problems if p.code == "media-without-metadata") == wavs
    claimed = discover(folder, claimed=answer_names)
    assert claimed.problems == () and claimed.recordings == ()
    assert set(wavs) <= set(claimed.ignored)


def test_discovery_reports_a_notification_answer_names_cannot_read(tmp_path: Path) -> None:
    bad = notification()
    bad["resourceData"]["status"] = {"nested": TOKEN}
    (tmp_path / "bad.json").write_text(json.dumps(bad))
    found = discover(tmp_path, claimed=answer_names)
    assert [(p.file, p.severity) for p in found.problems] == [(tmp_path / "bad.json", "error")]
    assert isinstance(found.problems[0].error, MetadataError)
    assert TOKEN not in found.problems[0].message
