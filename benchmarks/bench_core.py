"""Benchmark the streaming core against the stream-read floor and the peers, whole process each.

Run from the repository root after ``pip install '.[bench]'``::

    python benchmarks/bench_core.py                 # 60-minute inputs, 5 rounds
    python benchmarks/bench_core.py --minutes 10    # quicker
    python benchmarks/bench_core.py --memory-hours 4  # also: peak memory on a 4-hour 5-channel WAV

Inputs are generated once with a fixed seed into ``--data`` (default ``benchmarks/.data``): the
committed espeak-ng speech clip, tiled with random gains and pauses over steady background noise,
as 16 kHz 16-bit WAV, mono and 5-channel. Every measurement is a fresh Python process (start-up
and imports included), timed by the wall clock; peak memory is the child's maximum resident set.
Every row runs once per round, for ``--repeat`` rounds. The table shows medians, peak memory and
the ratios callrec / floor and peer / callrec (each the median of its per-round ratios), then how
far the results agree.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
RATE = 16_000
SPEECH = ROOT / "tests" / "data" / "media" / "speech-16k.wav"
BLOCK = 1 << 16
THRESHOLD_DBFS = -50.0
MIN_SILENCE_S = 0.3

# ---------------------------------------------------------------------------------------------
# Inputs


def make_input(path: Path, *, minutes: float, channels: int, seed: int = 20261123) -> Path:
    """Speech-like audio: the espeak clip at random gains and offsets over -62 dBFS noise."""
    import soundfile

    if path.exists():
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    clip = soundfile.read(SPEECH, dtype="float32")[0]
    rng = np.random.default_rng(seed)
    total = int(minutes * 60 * RATE)
    temp = path.with_suffix(".partial")
    with soundfile.SoundFile(temp, "w", RATE, channels, subtype="PCM_16", format="WAV") as out:
        for start in range(0, total, 60 * RATE):  # one minute at a time: bounded memory
            n = min(60 * RATE, total - start)
            block = rng.standard_normal((n, channels), dtype=np.float32) * np.float32(
                10 ** (-62 / 20)
            )
            for c in range(channels):
                pos = int(rng.integers(0, len(clip)))
                while pos < n:
                    gain = np.float32(10 ** (rng.uniform(-6, 3) / 20))
                    piece = clip[: min(len(clip), n - pos)]
                    block[pos : pos + len(piece), c] += gain * piece
                    pos += len(piece) + int(rng.integers(0, 4 * RATE))
            out.write(np.clip(np.rint(block * 32768), -32768, 32767).astype(np.int16))
    os.replace(temp, path)
    return path


# ---------------------------------------------------------------------------------------------
# Tasks: each runs inside its own process and returns what it found, for the agreement check.


def task_floor(path: str) -> dict[str, Any]:
    import soundfile

    frames = 0
    for block in soundfile.blocks(path, blocksize=BLOCK, dtype="int16", always_2d=True):
        frames += len(block)
    return {"frames": frames}


def task_callrec_read(path: str) -> dict[str, Any]:
    from callrec.audio import open_audio

    with open_audio(path) as reader:
        frames = sum(len(b) for b in reader.blocks())
    return {"frames": frames}


def _feed(path: str, make: Callable[[int], Any]) -> Any:
    from callrec.audio import open_audio

    with open_audio(path) as reader:
        acc = make(reader.sample_rate)
        for block in reader.blocks():
            acc.update(block)
    return acc.result()


def task_callrec_activity(path: str) -> dict[str, Any]:
    from callrec.dsp import SpeechDetector

    activity = _feed(path, lambda r: SpeechDetector(r, threshold_dbfs=THRESHOLD_DBFS))
    return {"segments": [iv.tolist() for iv in activity.intervals]}


def task_callrec_loudness(path: str) -> dict[str, Any]:
    from callrec.dsp import LoudnessMeter

    result = _feed(path, LoudnessMeter)
    return {"lufs": result.integrated_lufs.tolist(), "lra": result.range_lu.tolist()}


def task_callrec_levels(path: str) -> dict[str, Any]:
    from callrec.dsp import LevelMeter

    result = _feed(path, LevelMeter)
    return {"rms_dbfs": result.rms_dbfs.tolist()}


def task_callrec_all(path: str) -> dict[str, Any]:
    from callrec.audio.measure import analyze_file

    result = analyze_file(path)
    assert result.loudness is not None
    return {"lufs": result.loudness.integrated_lufs.tolist()}


def _pydub(path: str, step: int) -> dict[str, Any]:
    from pydub import AudioSegment
    from pydub.silence import detect_nonsilent

    segment = AudioSegment.from_wav(path)
    found = detect_nonsilent(
        segment,
        min_silence_len=int(MIN_SILENCE_S * 1000),
        silence_thresh=THRESHOLD_DBFS,
        seek_step=step,
    )
    return {"segments": [[[a * RATE // 1000, b * RATE // 1000] for a, b in found]]}


def task_pydub_step1(path: str) -> dict[str, Any]:
    return _pydub(path, 1)


def task_pydub_step10(path: str) -> dict[str, Any]:
    return _pydub(path, 10)


def task_librosa_split(path: str) -> dict[str, Any]:
    import librosa
    import soundfile

    y = soundfile.read(path, dtype="float32")[0]
    # ref=1.0 makes librosa's threshold absolute (-50 dBFS), like callrec's and pydub's; its
    # default is relative to the loudest frame.
    found = librosa.effects.split(
        y, top_db=-THRESHOLD_DBFS, ref=1.0, frame_length=320, hop_length=160
    )
    return {"segments": [found.tolist()]}


def task_pyloudnorm(path: str) -> dict[str, Any]:
    import pyloudnorm
    import soundfile

    data, rate = soundfile.read(path, dtype="float64")
    return {"lufs": [pyloudnorm.Meter(rate).integrated_loudness(data)]}


TASKS: dict[str, Callable[[str], dict[str, Any]]] = {
    name[5:].replace("_", "-"): fn for name, fn in globals().items() if name.startswith("task_")
}

# ---------------------------------------------------------------------------------------------
# Measuring


def run_process(argv: list[str]) -> tuple[float, float, str, str]:
    """(seconds, peak MB, stdout, stderr) of one child process.

    Called in a wrapper process of its own, whose only child is this one, so the children's
    maximum resident set is this child's peak.
    """
    import resource

    start = time.perf_counter()
    done = subprocess.run(argv, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if done.returncode:
        raise RuntimeError(f"{argv} failed:\n{done.stderr[-2000:]}")
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024.0
    return seconds, peak_mb, done.stdout, done.stderr


def measure_once(argv: list[str]) -> dict[str, Any]:
    """Seconds, peak MB and output of one run, in a fresh wrapper process."""
    wrapper = [sys.executable, __file__, "--wrap", json.dumps(argv)]
    done = subprocess.run(wrapper, capture_output=True, text=True)
    if done.returncode:
        raise RuntimeError(f"{argv} failed:\n{done.stderr[-2000:]}")
    report: dict[str, Any] = json.loads(done.stdout)
    return report


def run_rounds(plan: list[dict[str, Any]], repeat: int) -> None:
    """Run every planned row once per round, ``repeat`` rounds, and summarise each row.

    Rounds rather than one row's repeats back to back: on a shared virtual machine the speed
    drifts over minutes, and a row and its base measured seconds apart in the same round are hit
    by the same drift. Each row's ratio is the median of its per-round ratios.
    """
    for entry in plan:
        entry["times"], entry["peaks"] = [], []
    for number in range(repeat):
        for entry in plan:
            report = measure_once(entry["argv"])
            entry["times"].append(report["seconds"])
            entry["peaks"].append(report["peak_mb"])
            entry["stdout"], entry["stderr"] = report["stdout"], report["stderr"]
            print(
                f"  round {number + 1}/{repeat}  {entry['group']:<14} {entry['name']:<24} "
                f"{report['seconds']:8.3f} s {report['peak_mb']:8.1f} MB",
                file=sys.stderr,
                flush=True,
            )
    for entry in plan:
        entry["seconds"] = statistics.median(entry["times"])
        entry["peak_mb"] = max(entry["peaks"])
        base = find(plan, entry["group"], entry["base"]) if entry["base"] else None
        if base is not None:
            entry["ratio"] = statistics.median(
                mine / theirs for mine, theirs in zip(entry["times"], base["times"], strict=True)
            )


def print_rounds(plan: list[dict[str, Any]]) -> None:
    """The rows of :func:`run_rounds`: median and least seconds, peak memory, ratio to base."""
    group = max(len(str(e.get("group", ""))) for e in plan) + 2
    name = max(len(e["name"]) for e in plan) + 2
    print(f"\n{'input':<{group}}{'what':<{name}}{'median s':>9} {'min s':>7} {'peak MB':>8}  ratio")
    for entry in plan:
        ratio = f"{entry['ratio']:.2f}x {entry['base']}" if "ratio" in entry else ""
        print(
            f"{entry.get('group', ''):<{group}}{entry['name']:<{name}}{entry['seconds']:9.3f} "
            f"{min(entry['times']):7.3f} {entry['peak_mb']:8.1f}  {ratio}"
        )


def find(rows: list[dict[str, Any]], group: str, name: str) -> dict[str, Any] | None:
    return next((r for r in rows if r["group"] == group and r["name"] == name), None)


def wrap(argv: list[str]) -> None:
    seconds, peak_mb, out, err = run_process(argv)
    print(
        json.dumps(
            {"seconds": seconds, "peak_mb": peak_mb, "stdout": out, "stderr": err[-200_000:]}
        )
    )


def recording_folder(wav: Path) -> Path:
    """A one-chunk unmixed recording around ``wav``: the media (hard-linked) and its metadata."""
    import soundfile

    folder = wav.with_name(wav.stem + "-recording")
    doc = "0-bench-d1-" + wav.stem.replace("-", "")
    folder.mkdir(exist_ok=True)
    media = folder / f"{doc}.wav"
    if not media.exists():
        try:
            os.link(wav, media)
        except OSError:
            shutil.copyfile(wav, media)
    info = soundfile.info(wav)
    metadata = {
        "resourceId": "bench",
        "callId": "0e0e0e0e-1111-2222-3333-444444444444",
        "chunkDocumentId": doc,
        "chunkIndex": 0,
        "chunkStartTime": "2026-01-01T09:00:00.0000000Z",
        "chunkDuration": round(1000 * info.frames / info.samplerate),
        "pauseResumeIntervals": [],
        "recordingInfo": {
            "contentType": "audio",
            "channelType": "unmixed",
            "format": "wav",
            "audioConfiguration": {"sampleRate": info.samplerate, "channels": info.channels},
        },
        "participants": [
            {"participantId": f"8:acs:bench_{c:08d}", "channel": c} for c in range(info.channels)
        ],
    }
    (folder / f"{doc}.json").write_text(json.dumps(metadata))
    return folder


def callrec_process(folder: Path) -> list[str]:
    out = folder.with_name(folder.name + "-out")
    return [
        sys.executable,
        "-m",
        "callrec",
        "process",
        str(folder),
        "--out",
        str(out),
        "--force",
        "--quiet",
        "--jobs",
        "1",
    ]


def ffmpeg_chain(wav: Path, channels: int) -> list[str]:
    """The same outputs from ffmpeg in one run: a WAV per channel, silences and loudness each."""
    out = wav.with_name(wav.stem + "-ffmpeg")
    out.mkdir(exist_ok=True)
    graph = [f"[0:a]asplit={channels}" + "".join(f"[s{c}]" for c in range(channels))]
    maps: list[str] = []
    for c in range(channels):
        graph.append(
            f"[s{c}]pan=mono|c0=c{c},asplit=2[w{c}][m{c}];"
            f"[m{c}]silencedetect=n={THRESHOLD_DBFS}dB:d={MIN_SILENCE_S},ebur128,anullsink"
        )
        maps += ["-map", f"[w{c}]", "-c:a", "pcm_s16le", str(out / f"channel-{c}.wav")]
    return [
        "ffmpeg",
        "-y",
        "-nostats",
        "-hide_banner",
        "-i",
        str(wav),
        "-filter_complex",
        ";".join(graph),
        *maps,
    ]


def python_task(name: str, path: Path) -> list[str]:
    return [sys.executable, __file__, "--task", name, str(path)]


def ffmpeg_task(path: Path, kind: str) -> list[str]:
    filters = {
        "silencedetect": f"silencedetect=n={THRESHOLD_DBFS}dB:d={MIN_SILENCE_S}",
        "ebur128": "ebur128=metadata=1,ametadata=mode=print:key=lavfi.r128.I:file=-",
    }
    return [
        "ffmpeg",
        "-nostats",
        "-hide_banner",
        "-i",
        str(path),
        "-af",
        filters[kind],
        "-f",
        "null",
        "-",
    ]


# ---------------------------------------------------------------------------------------------
# Agreement


def speech_mask(segments: list[list[int]], frames: int, hop: int = 160) -> np.ndarray:
    mask = np.zeros(frames // hop + 1, bool)
    for a, b in segments:
        mask[a // hop : (b + hop - 1) // hop] = True
    return mask


def agreement(a: list[list[int]], b: list[list[int]], frames: int) -> float:
    """Share of 10 ms frames on which two segmentations agree (speech or not)."""
    return float((speech_mask(a, frames) == speech_mask(b, frames)).mean())


def ffmpeg_silence_to_segments(stderr: str, frames: int) -> list[list[int]]:
    starts = [float(v) for v in re.findall(r"silence_start: (-?[\d.]+)", stderr)]
    ends = [float(v) for v in re.findall(r"silence_end: ([\d.]+)", stderr)]
    edges, pos = [], 0
    for s, e in zip(starts, ends + [frames / RATE] * (len(starts) - len(ends)), strict=False):
        if s * RATE > pos:
            edges.append([pos, int(max(s, 0) * RATE)])
        pos = int(e * RATE)
    if pos < frames:
        edges.append([pos, frames])
    return edges


# ---------------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--minutes", type=float, default=60.0)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--data", type=Path, default=ROOT / "benchmarks" / ".data")
    parser.add_argument("--memory-hours", type=float, default=0.0)
    parser.add_argument("--skip-slow", action="store_true", help="leave out pydub seek_step 1")
    parser.add_argument("--json", type=Path, help="also write the results here")
    parser.add_argument("--task", nargs=2, help=argparse.SUPPRESS)
    parser.add_argument("--wrap", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.task:
        print(json.dumps(TASKS[args.task[0]](args.task[1])))
        return
    if args.wrap:
        wrap(json.loads(args.wrap))
        return

    tag = f"{args.minutes:g}min"
    mono = make_input(args.data / f"speech-{tag}-1ch.wav", minutes=args.minutes, channels=1)
    five = make_input(args.data / f"speech-{tag}-5ch.wav", minutes=args.minutes, channels=5, seed=7)
    frames = int(args.minutes * 60 * RATE)
    have_ffmpeg = shutil.which("ffmpeg") is not None
    rows: list[dict[str, Any]] = []

    def row(group: str, name: str, argv: list[str], base: str | None = None) -> None:
        rows.append({"group": group, "name": name, "argv": argv, "base": base})

    print(f"inputs: {mono.name}, {five.name}", file=sys.stderr)
    row("start-up", "python", [sys.executable, "-c", "pass"])
    row("start-up", "import callrec", [sys.executable, "-c", "import callrec"])
    for label, path in (("mono 1 h", mono), ("5 ch 1 h", five)):
        group = label.replace("1 h", f"{args.minutes:g} min")
        row(group, "floor (soundfile int16)", python_task("floor", path))
        row(group, "callrec read", python_task("callrec-read", path), "floor (soundfile int16)")
        row(group, "callrec levels", python_task("callrec-levels", path), "floor (soundfile int16)")
        row(
            group,
            "callrec loudness",
            python_task("callrec-loudness", path),
            "floor (soundfile int16)",
        )
        row(
            group,
            "callrec activity",
            python_task("callrec-activity", path),
            "floor (soundfile int16)",
        )
        row(
            group,
            "callrec all (1 pass)",
            python_task("callrec-all", path),
            "floor (soundfile int16)",
        )
    group = f"mono {args.minutes:g} min"
    if not args.skip_slow:
        row(group, "pydub seek_step 1", python_task("pydub-step1", mono), "callrec activity")
    row(group, "pydub seek_step 10", python_task("pydub-step10", mono), "callrec activity")
    row(group, "librosa split", python_task("librosa-split", mono), "callrec activity")
    row(group, "pyloudnorm", python_task("pyloudnorm", mono), "callrec loudness")
    if have_ffmpeg:
        row(group, "ffmpeg silencedetect", ffmpeg_task(mono, "silencedetect"), "callrec activity")
        row(group, "ffmpeg ebur128", ffmpeg_task(mono, "ebur128"), "callrec loudness")

    group = f"5 ch {args.minutes:g} min"
    row(
        group, "callrec process", callrec_process(recording_folder(five)), "floor (soundfile int16)"
    )
    if have_ffmpeg:
        row(group, "ffmpeg split+detect+r128", ffmpeg_chain(five, 5), "callrec process")

    if args.memory_hours:
        tag = f"{args.memory_hours:g}h"
        big = make_input(
            args.data / f"speech-{tag}-5ch.wav", minutes=args.memory_hours * 60, channels=5, seed=11
        )
        group = f"5 ch {tag}"
        row(group, "floor (soundfile int16)", python_task("floor", big))
        row(
            group,
            "callrec all (1 pass)",
            python_task("callrec-all", big),
            "floor (soundfile int16)",
        )
        row(
            group,
            "callrec process",
            callrec_process(recording_folder(big)),
            "floor (soundfile int16)",
        )

    run_rounds(rows, args.repeat)
    report(rows, frames)
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2))


def report(rows: list[dict[str, Any]], frames: int) -> None:
    print(f"\n{'input':<14} {'what':<24} {'median s':>9} {'peak MB':>8}  ratio (median of rounds)")
    for r in rows:
        ratio = ""
        if "ratio" in r and r["name"].startswith("callrec"):
            ratio = f"{r['ratio']:.2f}x the floor"
        elif "ratio" in r:
            ratio = f"{r['ratio']:.1f}x slower than {r['base']}"
        print(f"{r['group']:<14} {r['name']:<24} {r['seconds']:9.3f} {r['peak_mb']:8.1f}  {ratio}")

    print("\nagreement")
    mono = next(r["group"] for r in rows if r["group"].startswith("mono"))
    ours = find(rows, mono, "callrec activity")
    assert ours is not None
    our_segments = json.loads(ours["stdout"])["segments"][0]
    print(f"  callrec activity: {len(our_segments)} segments")
    for name in ("pydub seek_step 1", "pydub seek_step 10", "librosa split"):
        peer = find(rows, mono, name)
        if peer:
            theirs = json.loads(peer["stdout"])["segments"][0]
            print(
                f"  {name}: {len(theirs)} segments, same decision on {agreement(our_segments, theirs, frames):.1%} of 10 ms frames"
            )
    silence = find(rows, mono, "ffmpeg silencedetect")
    if silence:
        theirs = ffmpeg_silence_to_segments(silence["stderr"], frames)
        print(
            f"  ffmpeg silencedetect: {len(theirs)} segments, same decision on {agreement(our_segments, theirs, frames):.1%} of 10 ms frames"
        )
    lufs = json.loads(find(rows, mono, "callrec loudness")["stdout"])["lufs"][0]  # type: ignore[index]
    print(f"  callrec integrated loudness: {lufs:.3f} LUFS")
    pyln = find(rows, mono, "pyloudnorm")
    if pyln:
        theirs = json.loads(pyln["stdout"])["lufs"][0]
        print(f"  pyloudnorm: {theirs:.3f} LUFS (difference {theirs - lufs:+.4f} LU)")
    ebu = find(rows, mono, "ffmpeg ebur128")
    if ebu:
        values = re.findall(r"lavfi\.r128\.I=(-?[\d.]+)", ebu["stdout"])
        if values:
            theirs = float(values[-1])
            print(
                f"  ffmpeg ebur128: {theirs:.3f} LUFS (difference {theirs - lufs:+.4f} LU; ffmpeg prints 3 decimals)"
            )


if __name__ == "__main__":
    main()
