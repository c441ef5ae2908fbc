"""The tables written beside ``report.json``: ``segments.csv``, ``keys.csv``, ``speech.rttm``.

Each is made from the :class:`~callrec.output.report.Report` alone, so that a report read back
gives the same tables.
"""

from __future__ import annotations

import csv
import io

from .report import Report

__all__ = ["batch_segments_csv", "keys_csv", "segments_csv", "speech_rttm"]


def segments_csv(report: Report, speakers: dict[str, str]) -> str:
    """One row per speech segment, in time order.

    ``participant,start_s,end_s,duration_s,track_start_s,track_end_s,speaker``: ``start_s`` and
    ``end_s`` on the wall clock, ``track_start_s`` and ``track_end_s`` in the track file beside
    it (the same in aligned layout; compact track time in compact layout). ``participant`` is
    the participant id, or ``mix``; ``speaker`` the track's file name, as in ``speech.rttm``
    (``speakers`` maps one to the other): the column that joins the two.
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(
        ["participant", "start_s", "end_s", "duration_s", "track_start_s", "track_end_s", "speaker"]
    )
    rows = [
        (wall, label, on_track)
        for label, track in report.tracks()
        for wall, on_track in zip(track.speech_segments, track.track_speech_segments, strict=True)
    ]
    for (start, end), label, (track_start, track_end) in sorted(rows):
        writer.writerow(
            [
                label,
                f"{start:.3f}",
                f"{end:.3f}",
                f"{end - start:.3f}",
                f"{track_start:.3f}",
                f"{track_end:.3f}",
                speakers[label],
            ]
        )
    return buffer.getvalue()


def batch_segments_csv(reports: list[tuple[str, Report]]) -> str:
    """``OUT/segments.csv``: every utterance of every ``(folder name, report)``, one row each
    (:meth:`Report.segment_rows`: ``recording,call_id,recording_id,participant_id,speaker,
    start_s,end_s,start_time``), recordings in the order given."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    columns = ["recording", "call_id", "recording_id", "participant_id", "speaker"]
    writer.writerow([*columns, "start_s", "end_s", "start_time"])
    for name, report in reports:
        for row in report.segment_rows(name):
            writer.writerow(
                [
                    *(row[c] if row[c] is not None else "" for c in columns),
                    f"{row['start_s']:.3f}",
                    f"{row['end_s']:.3f}",
                    report.instant(row["start_s"]),
                ]
            )
    return buffer.getvalue()


def keys_csv(report: Report) -> str:
    """One row per DTMF key, in time order: ``participant,key,start_s,end_s,track_start_s,
    track_end_s``, times as in :func:`segments_csv`."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["participant", "key", "start_s", "end_s", "track_start_s", "track_end_s"])
    rows = [(k.start_s, label, k) for label, track in report.tracks() for k in track.keys]
    for _, label, k in sorted(rows, key=lambda row: row[:2]):
        writer.writerow(
            [
                label,
                k.key,
                f"{k.start_s:.3f}",
                f"{k.end_s:.3f}",
                f"{k.track_start_s:.3f}",
                f"{k.track_end_s:.3f}",
            ]
        )
    return buffer.getvalue()


def speech_rttm(report: Report, file_id: str, speakers: dict[str, str]) -> str:
    """The segments in RTTM: ``SPEAKER <file> 1 <onset> <duration> <NA> <NA> <speaker> <NA> <NA>``.

    Onsets are in the time of the track files (``track_speech_segments``), so that each line
    points at the speech in the file it names, whatever the layout. ``speakers`` maps a label of
    :meth:`Report.tracks` to a name without spaces (the track's file name).
    """
    lines = [
        (
            start,
            f"SPEAKER {file_id} 1 {start:.3f} {end - start:.3f} <NA> <NA> "
            f"{speakers[label]} <NA> <NA>",
        )
        for label, track in report.tracks()
        for start, end in track.track_speech_segments
    ]
    return "".join(f"{line}\n" for _, line in sorted(lines))
