"""Dead air, monologues, latencies, talk ratio and quality flags through the whole run, on
recordings made with exact gaps, levels and noise."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import soundfile

import callrec
from callrec.dsp import EchoOptions
from callrec.errors import UsageError
from callrec.output.options import ProcessOptions, QualityOptions
from callrec.output.report import Report

from .conftest import ALICE, BOB, meta
from .signals import band_noise, to_int16
from .test_dsp_echo import envelope

RATE = 16_000
EDGE_S = 0.03
"""How far the detector may put a speech edge from where the signal starts or stops (its
10 ms frames, and the hangover of a frame or two)."""


def recording(
    folder: Path,
    seconds: float,
    talk: dict[int, list[tuple[float, float]]],
    *,
    level_dbfs: dict[int, float] | None = None,
    floor_dbfs: dict[int, float] | None = None,
    seed: int = 0,
) -> Path:
    """One chunk, ALICE on channel 0 and BOB on 1, speech-like bursts at the given times."""
    rng = np.random.default_rng(seed)
    audio = np.zeros((round(seconds * RATE), 2))
    for channel, bursts in talk.items():
        level = (level_dbfs or {}).get(channel, -20.0)
        for start, stop in bursts:
            a, b = round(start * RATE), round(stop * RATE)
            audio[a:b, channel] += band_noise((b - a) / RATE, RATE, level, rng)
        floor = (floor_dbfs or {}).get(channel, -75.0)
        audio[:, channel] += rng.standard_normal(len(audio)) * 10 ** (floor / 20)
    document = meta(0, duration_ms=seconds * 1000, participants=[(ALICE, 0), (BOB, 1)])
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{document['chunkDocumentId']}.json").write_text(json.dumps(document))
    soundfile.write(folder / f"{document['chunkDocumentId']}.wav", to_int16(audio), RATE)
    return folder


def analyse(folder: Path, options: ProcessOptions | None = None) -> Report:
    return callrec.analyze_recording(callrec.open_recording(folder), options).report


CONVERSATION = {
    # ALICE: 0.5-2.0, then 5.0-6.0 and 6.5-7.5 (a 0.5 s breath nobody else fills)
    0: [(0.5, 2.0), (5.0, 6.0), (6.5, 7.5)],
    # BOB answers 0.4 s after each of ALICE's turns; then 3.1 s of nobody until the end
    1: [(2.4, 3.4), (7.9, 8.9)],
}


def test_dead_air_monologues_and_latencies_on_exact_gaps(tmp_path: Path) -> None:
    report = analyse(recording(tmp_path / "rec", 12.0, CONVERSATION))
    talk = report.conversation
    assert talk.dead_air is not None
    # 3.4-5.0 is 1.6 s: under the 2 s threshold; 8.9-12.0 is 3.1 s of dead air.
    assert talk.dead_air.count == 1 and talk.dead_air.threshold_s == 2.0
    assert talk.dead_air.total_s == pytest.approx(3.1, abs=EDGE_S)
    assert talk.dead_air.longest_s == talk.dead_air.total_s
    alice, bob = talk.participants
    # ALICE's second turn runs on over her own 0.5 s breath: 5.0-7.5.
    assert alice.longest_monologue_s == pytest.approx(2.5, abs=2 * EDGE_S)
    assert bob.longest_monologue_s == pytest.approx(1.0, abs=2 * EDGE_S)
    assert bob.response_latency_s is not None and alice.response_latency_s is not None
    assert bob.response_latency_s.count == 2
    assert bob.response_latency_s.median == pytest.approx(0.4, abs=2 * EDGE_S)
    assert bob.response_latency_s.p90 == pytest.approx(0.4, abs=2 * EDGE_S)
    assert alice.response_latency_s.count == 1  # 3.4 -> 5.0
    assert alice.response_latency_s.median == pytest.approx(1.6, abs=2 * EDGE_S)
    assert alice.talk_ratio == pytest.approx(3.5 / 5.5, abs=0.02)
    assert alice.talk_ratio + bob.talk_ratio == pytest.approx(1.0, abs=1e-5)


def test_a_lower_threshold_finds_the_shorter_silence_too(tmp_path: Path) -> None:
    folder = recording(tmp_path / "rec", 12.0, CONVERSATION)
    report = analyse(folder, ProcessOptions(dead_air_s=1.5))
    assert report.conversation.dead_air is not None
    assert report.conversation.dead_air.count == 2
    assert report.conversation.dead_air.total_s == pytest.approx(1.6 + 3.1, abs=2 * EDGE_S)
    # The monologue limit follows: a breath of 0.5 s still joins, 1.6 s would not.
    assert report.conversation.participants[0].longest_monologue_s == pytest.approx(
        2.5, abs=2 * EDGE_S
    )
    with pytest.raises(UsageError, match="dead_air_s"):
        ProcessOptions(dead_air_s=0)


TALK = {0: [(0.5, 3.0), (6.0, 8.0)], 1: [(3.3, 5.7), (8.3, 9.5)]}


def test_a_clean_line_raises_no_flag(tmp_path: Path) -> None:
    assert analyse(recording(tmp_path / "rec", 10.0, TALK)).quality == []


def test_a_quiet_line_is_flagged_low_level(tmp_path: Path) -> None:
    report = analyse(recording(tmp_path / "rec", 10.0, TALK, level_dbfs={1: -46.0}))
    (flag,) = report.quality
    assert (flag.code, flag.participant_id, flag.threshold) == ("low-level", BOB, -40.0)
    assert flag.measured < -40.0
    bob = report.participants[1]
    assert flag.measured == bob.loudness_lufs


def test_a_clipped_line_is_flagged_with_the_fraction_clipped(tmp_path: Path) -> None:
    report = analyse(recording(tmp_path / "rec", 10.0, TALK, level_dbfs={0: 0.0}))
    (flag,) = [f for f in report.quality if f.code == "clipping"]
    alice = report.participants[0]
    speech = sum(b - a for a, b in alice.speech_segments) * RATE
    assert flag.participant_id == ALICE
    assert flag.measured == pytest.approx(alice.clipped_samples / speech, rel=0.02)
    assert flag.measured > 0.001 and [f.code for f in report.quality].count("clipping") == 1


def test_a_noisy_line_is_flagged_with_its_noise_floor(tmp_path: Path) -> None:
    report = analyse(recording(tmp_path / "rec", 10.0, TALK, floor_dbfs={0: -38.0}))
    (flag,) = report.quality
    assert (flag.code, flag.participant_id) == ("noisy-line", ALICE)
    assert flag.measured == report.participants[0].noise_floor_dbfs
    assert flag.measured == pytest.approx(-38.0, abs=3.0)


def test_the_thresholds_are_the_users(tmp_path: Path) -> None:
    folder = recording(tmp_path / "rec", 10.0, TALK, level_dbfs={1: -46.0})
    relaxed = ProcessOptions(quality=QualityOptions(low_level_lufs=-60.0))
    assert analyse(folder, relaxed).quality == []
    strict = ProcessOptions(quality=QualityOptions(noisy_floor_dbfs=-90.0))
    assert {f.code for f in analyse(folder, strict).quality} == {"low-level", "noisy-line"}
    with pytest.raises(UsageError, match="clipped_fraction"):
        QualityOptions(clipped_fraction=2.0)


def test_the_command_line_sets_the_dead_air_threshold(tmp_path: Path) -> None:
    from callrec import cli
    from callrec.output.report import load_report

    folder = recording(tmp_path / "rec", 12.0, CONVERSATION)
    out = tmp_path / "out"
    assert cli.main(["process", str(folder), "--out", str(out), "-q", "--dead-air-s", "1.5"]) == 0
    (report_file,) = out.glob("*/report.json")
    report = load_report(report_file)
    assert report.conversation.dead_air is not None
    assert (report.conversation.dead_air.threshold_s, report.conversation.dead_air.count) == (
        1.5,
        2,
    )
    assert report.provenance.options["dead_air_s"] == 1.5
    assert cli.main(["process", str(folder), "--out", str(out), "--dead-air-s", "0"]) == 2


def echo_recording(folder: Path, delay_s: float, down_db: float, seed: int = 3) -> dict[str, float]:
    """ALICE talks; BOB answers between her turns and once talks over her; BOB's channel also
    carries ALICE's voice ``down_db`` lower and ``delay_s`` late (a speakerphone). Returns the
    truth: BOB's own talk time and his double-talk burst."""
    rng = np.random.default_rng(seed)
    seconds = 40.0
    n = round(seconds * RATE)
    alice = np.zeros(n)
    bob = np.zeros(n)
    alice_turns = [(1.0, 4.0), (6.5, 10.0), (12.5, 16.0), (19.0, 23.5), (26.0, 30.0), (33.0, 36.0)]
    bob_turns = [(4.6, 6.0), (10.6, 12.0), (24.0, 25.5), (30.6, 32.4)]
    double_talk = (20.0, 21.5)  # BOB speaks over ALICE's fourth turn
    # Speech has a level contour (syllables); band noise alone has none, and an echo of it
    # could not be told from any other steady sound.
    for start, stop in alice_turns:
        a, b = round(start * RATE), round(stop * RATE)
        alice[a:b] = band_noise(stop - start, RATE, -20.0, rng) * envelope(b - a, rng, 6.0)
    for start, stop in [*bob_turns, double_talk]:
        a, b = round(start * RATE), round(stop * RATE)
        bob[a:b] += band_noise(stop - start, RATE, -20.0, rng) * envelope(b - a, rng, 6.0)
    lag = round(delay_s * RATE)
    bob[lag:] += alice[: n - lag] * 10 ** (-down_db / 20)
    audio = np.stack([alice, bob], axis=1)
    audio += rng.standard_normal(audio.shape) * 10 ** (-75 / 20)
    document = meta(0, duration_ms=seconds * 1000, participants=[(ALICE, 0), (BOB, 1)])
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{document['chunkDocumentId']}.json").write_text(json.dumps(document))
    soundfile.write(folder / f"{document['chunkDocumentId']}.wav", to_int16(audio), RATE)
    own = sum(b - a for a, b in [*bob_turns, double_talk])
    return {"own_s": own, "double_start": double_talk[0], "double_stop": double_talk[1]}


@pytest.mark.parametrize(("delay_s", "down_db"), [(0.14, 26.0), (0.05, 15.0), (0.4, 35.0)])
def test_an_echo_is_flagged_and_not_counted_as_speech(
    tmp_path: Path, delay_s: float, down_db: float
) -> None:
    truth = echo_recording(tmp_path / "rec", delay_s, down_db)
    report = analyse(tmp_path / "rec")
    (flag,) = [f for f in report.quality if f.code == "echo"]
    assert (flag.participant_id, flag.source_participant_id) == (BOB, ALICE)
    assert flag.delay_s == pytest.approx(delay_s, abs=0.02)
    assert flag.measured == pytest.approx(down_db, abs=3.0)
    bob = report.participants[1]
    assert bob.talk_time_s == pytest.approx(truth["own_s"], abs=0.4)
    # What the echo made of BOB's line before: his talk time with it counted.
    heard = analyse(tmp_path / "rec", ProcessOptions(echo=EchoOptions(min_share=1.0)))
    assert not [f for f in heard.quality if f.code == "echo"]
    assert flag.removed_s == pytest.approx(
        heard.participants[1].talk_time_s - bob.talk_time_s, abs=0.05
    )
    assert flag.removed_s > 1.0
    # The double talk stays BOB's speech, and is the only overlap left.
    covered = sum(
        max(0.0, min(b, truth["double_stop"]) - max(a, truth["double_start"]))
        for a, b in bob.speech_segments
    )
    assert covered >= 0.8 * (truth["double_stop"] - truth["double_start"])
    assert report.conversation.overlap_s == pytest.approx(1.5, abs=0.4)


def test_no_echo_between_two_people_talking(tmp_path: Path) -> None:
    report = analyse(recording(tmp_path / "rec", 12.0, CONVERSATION))
    assert not [f for f in report.quality if f.code == "echo"]


def test_two_echoes_on_one_line_share_what_they_took(tmp_path: Path) -> None:
    """CAROL's line carries ALICE 20 dB down and 100 ms late, and BOB 18 dB down and 200 ms
    late: two flags, and the speech they took adds up to what CAROL's line lost, not twice it."""
    from .conftest import CAROL

    rng = np.random.default_rng(11)
    seconds = 60.0
    n = round(seconds * RATE)
    voices = np.zeros((n, 3))
    turns = [(1.0 + 4.0 * k, 3.5 + 4.0 * k) for k in range(14)]
    for k, (start, stop) in enumerate(turns):  # ALICE and BOB take turns; CAROL only listens
        a, b = round(start * RATE), round(stop * RATE)
        voices[a:b, k % 2] = band_noise(stop - start, RATE, -20.0, rng) * envelope(b - a, rng, 6.0)
    for source, delay_s, down_db in ((0, 0.1, 20.0), (1, 0.2, 18.0)):
        lag = round(delay_s * RATE)
        voices[lag:, 2] += voices[: n - lag, source] * 10 ** (-down_db / 20)
    voices += rng.standard_normal(voices.shape) * 10 ** (-75 / 20)
    document = meta(0, duration_ms=seconds * 1000, participants=[(ALICE, 0), (BOB, 1), (CAROL, 2)])
    document["recordingInfo"]["audioConfiguration"]["channels"] = 3
    folder = tmp_path / "rec"
    folder.mkdir()
    (folder / f"{document['chunkDocumentId']}.json").write_text(json.dumps(document))
    soundfile.write(folder / f"{document['chunkDocumentId']}.wav", to_int16(voices), RATE)
    report = analyse(folder)
    flags = {f.source_participant_id: f for f in report.quality if f.code == "echo"}
    assert set(flags) == {ALICE, BOB} and {f.participant_id for f in flags.values()} == {CAROL}
    assert flags[ALICE].delay_s == pytest.approx(0.1, abs=0.02)
    assert flags[BOB].delay_s == pytest.approx(0.2, abs=0.02)
    heard = analyse(folder, ProcessOptions(echo=EchoOptions(min_share=1.0)))
    lost = heard.participants[2].talk_time_s - report.participants[2].talk_time_s
    taken = [f.removed_s or 0.0 for f in flags.values()]
    assert all(t > 1.0 for t in taken)
    assert sum(taken) == pytest.approx(lost, abs=0.05)


def test_the_command_line_sets_the_quality_thresholds(tmp_path: Path) -> None:
    from callrec import cli
    from callrec.output.report import load_report

    folder = recording(tmp_path / "rec", 10.0, TALK, level_dbfs={1: -46.0})
    flagged, relaxed = tmp_path / "flagged", tmp_path / "relaxed"
    assert cli.main(["process", str(folder), "--out", str(flagged), "-q"]) == 0
    argv = ["process", str(folder), "--out", str(relaxed), "-q", "--low-level-lufs", "-60"]
    assert cli.main([*argv, "--noisy-floor-dbfs", "-20", "--clipped-fraction", "0.5"]) == 0
    (before,), (after,) = flagged.glob("*/report.json"), relaxed.glob("*/report.json")
    assert [f.code for f in load_report(before).quality] == ["low-level"]
    assert load_report(after).quality == []
    assert load_report(after).provenance.options["quality"] == {
        "clipped_fraction": 0.5,
        "low_level_lufs": -60.0,
        "noisy_floor_dbfs": -20.0,
    }
    assert cli.main([*argv, "--clipped-fraction", "2"]) == 2
