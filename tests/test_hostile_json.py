"""Hostile JSON inputs: files that are not files, documents that are not documents, and
secrets that must never be echoed. One bad file never takes the batch down."""

from __future__ import annotations

import contextlib
import json
import os
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fuzz.fuzz_loaders import said

from callrec import cli, discover
from callrec.acs import parse_chunk_metadata, parse_recording_events
from callrec.errors import JSONFileError, MetadataError
from callrec.payloads import reading as loading
from callrec.payloads.reading import MAX_JSON_DEPTH, parse_json, read_json
from callrec.response import analyze_response, find_responses
from callrec.response.models import load_notifications, parse_notifications
from callrec.safety.redaction import looks_secret, redact_text, redact_url

from .conftest import EXAMPLES, meta, write_chunk

# ---------------------------------------------------------------- files that are not files


def _finishes(job: Callable[[], Any], seconds: float = 10.0) -> Any:
    """``job()``'s result, failing (not hanging) when it does not return in time."""
    box: dict[str, Any] = {}

    def run() -> None:
        try:
            box["result"] = job()
        except BaseException as exc:  # handed back to the test
            box["error"] = exc

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    worker.join(seconds)
    assert not worker.is_alive(), f"still running after {seconds} s"
    if "error" in box:
        raise box["error"]
    return box["result"]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_a_fifo_named_json_is_reported_not_waited_on(tmp_path: Path) -> None:
    fifo = tmp_path / "chunk.json"
    os.mkfifo(fifo)
    write_chunk(tmp_path, meta(0), frames=1600)
    try:
        found = _finishes(lambda: discover(tmp_path))
    finally:
        # Frees a reader stuck in open() (the old behaviour) so that the test run can end.
        with contextlib.suppress(OSError):
            os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
    (problem,) = [p for p in found.problems if p.file == fifo]
    assert problem.code == "unreadable-json" and isinstance(problem.error, JSONFileError)
    assert "FIFO" in problem.message and "not a regular file" in problem.message
    assert len(found.recordings) == 1  # the rest of the folder is found all the same
    # Given by name, it is the one input asked for: reported, not walked as an empty folder.
    alone = _finishes(lambda: discover(fifo))
    assert [p.code for p in alone.problems] == ["unreadable-json"]


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="no /dev/zero here")
def test_a_symlink_to_an_endless_device_is_never_read(tmp_path: Path) -> None:
    link = tmp_path / "zero.json"
    link.symlink_to("/dev/zero")
    with pytest.raises(JSONFileError, match="character device") as info:
        _finishes(lambda: read_json(link))
    assert info.value.file == link


def test_a_folder_is_not_a_json_file(tmp_path: Path) -> None:
    with pytest.raises(JSONFileError, match="is a folder, not a regular file"):
        read_json(tmp_path)


def test_a_file_over_the_size_limit_is_refused_unread(tmp_path: Path) -> None:
    big = tmp_path / "big.json"
    with big.open("wb") as handle:  # sparse: no 16 MiB written to the disk
        handle.truncate(loading.MAX_JSON_BYTES + 1)
    with pytest.raises(JSONFileError, match="16 MiB") as info:
        read_json(big)
    assert info.value.file == big


def test_no_more_than_the_limit_is_read_whatever_the_size_says(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A file that grows while read, or a /proc file that says it is 0 bytes long.
    path = tmp_path / "grows.json"
    path.write_text(json.dumps({"pad": "x" * 500}))
    real_stat = os.stat

    def small_stat(p: Any, *args: Any, **kwargs: Any) -> os.stat_result:
        result = real_stat(p, *args, **kwargs)
        return os.stat_result((*result[:6], 0, *result[7:]))

    monkeypatch.setattr(loading, "MAX_JSON_BYTES", 100)
    monkeypatch.setattr(loading.os, "stat", small_stat)
    with pytest.raises(JSONFileError, match="more bytes"):
        read_json(path)


# ---------------------------------------------------------------- documents that are not documents


@pytest.mark.parametrize("depth", [1000, 100_000])
@pytest.mark.parametrize(("opener", "closer"), [("[", "]"), ('{"a":', "}")])
def test_deep_nesting_is_an_error_not_a_recursion_error(
    tmp_path: Path, depth: int, opener: str, closer: str
) -> None:
    path = tmp_path / "deep.json"
    path.write_text(opener * depth + "1" + closer * depth)
    with pytest.raises(JSONFileError, match=f"more than {MAX_JSON_DEPTH} levels") as info:
        read_json(path)
    assert info.value.file == path
    # Unclosed, too: the parser would recurse before it found the end missing.
    path.write_text("[" * depth)
    with pytest.raises(JSONFileError):
        read_json(path)


def test_the_depth_limit_is_exact_and_strings_do_not_count() -> None:
    assert parse_json("[" * MAX_JSON_DEPTH + "]" * MAX_JSON_DEPTH) is not None
    with pytest.raises(JSONFileError):
        parse_json("[" * (MAX_JSON_DEPTH + 1) + "]" * (MAX_JSON_DEPTH + 1))
    # Brackets inside strings, escaped quotes and backslashes included, are text.
    text = json.dumps({**meta(), "note": '\\"' + "[{" * 1000 + '\\\\"'})
    assert parse_chunk_metadata(parse_json(text)).chunk_index == 0


def test_huge_numbers_are_an_input_error(tmp_path: Path) -> None:
    path = tmp_path / "n.json"
    path.write_text('{"chunkIndex": ' + "9" * 5000 + "}")
    with pytest.raises(JSONFileError, match="too many digits"):
        read_json(path)


def test_deep_or_cyclic_python_objects_are_refused() -> None:
    deep: Any = "x"
    for _ in range(10_000):
        deep = [deep]
    doc = {**meta(), "chunkIndex": deep}
    with pytest.raises(MetadataError, match="nested more than"):
        parse_chunk_metadata(doc)
    cyclic: dict[str, Any] = {}
    cyclic["self"] = cyclic
    for parse in (parse_chunk_metadata, parse_recording_events, parse_notifications):
        with pytest.raises(MetadataError, match="nested more than"):
            parse(cyclic)  # type: ignore[operator]


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ('"just a string"', "a string"),
        ("42", "a number"),
        ("true", "true"),
        ("null", "null"),
        ("[1, 2]", "an array of something other than objects"),
        ("[]", "an empty array"),
    ],
)
def test_a_document_that_is_not_an_object_is_reported(tmp_path: Path, text: str, kind: str) -> None:
    bad = tmp_path / "odd.json"
    bad.write_text(text)
    found = discover(tmp_path)
    (problem,) = found.problems
    assert problem.file == bad and problem.code == "unreadable-json"
    assert isinstance(problem.error, MetadataError) and problem.error.path == "$"
    assert f"got {kind}" in problem.message and "expected a JSON object" in problem.message
    # `callrec response` reports it too, instead of finding nothing in silence.
    responses, errors = find_responses([tmp_path])
    assert responses == [] and [e.file for e in errors] == [bad]
    assert "expected a JSON object" in str(errors[0])


def test_an_array_of_other_events_is_still_no_error(tmp_path: Path) -> None:
    (tmp_path / "other.json").write_text(json.dumps([{"eventType": "Other.Event", "data": {}}]))
    assert discover(tmp_path).problems == ()


def test_json_text_given_to_analyze_response_is_parsed_under_the_limits() -> None:
    with pytest.raises(JSONFileError):
        analyze_response("{not json", None)
    with pytest.raises(JSONFileError):
        analyze_response("[" * 100_000, None)


# ---------------------------------------------------------------- secrets

SIG, USER, PASSWORD, FRAGMENT, PARAM, TOKEN = (
    "SIGsecret0sig",
    "USERsecret0user",
    "PASSsecret0pass",
    "FRAGsecret0frag",
    "PARAMsecret0param",
    "TOKENsecret0token",
)
SECRETS = (SIG, USER, PASSWORD, FRAGMENT, PARAM, TOKEN)
LOCATION = (
    f"https://{USER}:{PASSWORD}@acct.blob.core.windows.net/rec/clip.wav;p={PARAM}"
    f"?sv=2020-08-04&se=2030-01-01&sig={SIG}#{FRAGMENT}"
)
REDUCED = "https://acct.blob.core.windows.net/rec/clip.wav"


def _notification() -> dict[str, Any]:
    raw = json.loads((EXAMPLES / "graph-record-operation-completed.json").read_text())
    data = raw["value"][0]["resourceData"]
    data["recordingLocation"] = LOCATION
    data["recordingAccessToken"] = TOKEN
    return raw


def _op(raw: dict[str, Any]) -> dict[str, Any]:
    return raw["value"][0]["resourceData"]  # type: ignore[no-any-return]


def _shape(change: Callable[[dict[str, Any]], None]) -> dict[str, Any]:
    raw = _notification()
    change(raw)
    return raw


BAD_SHAPES: dict[str, Callable[[dict[str, Any]], None]] = {
    "value an object": lambda r: r.update(value={"first": r["value"][0]}),
    "value a list of strings": lambda r: r.update(value=[json.dumps(r["value"][0])]),
    "resourceData a list": lambda r: r["value"][0].update(resourceData=[_op(r)]),
    "recordingLocation a list": lambda r: _op(r).update(recordingLocation=[LOCATION]),
    "recordingLocation an object": lambda r: _op(r).update(recordingLocation={"url": LOCATION}),
    "resultInfo a string": lambda r: _op(r).update(resultInfo=LOCATION),
    "misspelled token keys": lambda r: _op(r).update(
        RecordingAccessToken=TOKEN, accessToken=TOKEN, status=7
    ),
    "token pasted elsewhere": lambda r: _op(r).update(clientContext={"copy": TOKEN}),
    "the token an object": lambda r: _op(r).update(recordingAccessToken={"value": TOKEN}),
}


def _assert_clean(texts: Iterator[str] | list[str]) -> None:
    for text in texts:
        for secret in SECRETS:
            assert secret not in text


@pytest.mark.parametrize("shape", sorted(BAD_SHAPES))
def test_no_secret_in_a_failed_notification(shape: str, tmp_path: Path) -> None:
    raw = _shape(BAD_SHAPES[shape])
    with pytest.raises(MetadataError) as info:
        parse_notifications(raw, file="n.json")
    _assert_clean(said(info.value))
    assert info.value.__context__ is None and info.value.__cause__ is None
    assert info.value.path.startswith("value")  # where, not what
    path = tmp_path / "n.json"
    path.write_text(json.dumps(raw))
    with pytest.raises(MetadataError) as from_file:
        load_notifications(path)
    _assert_clean(said(from_file.value))


def test_a_notification_value_is_never_quoted() -> None:
    raw = _shape(lambda r: _op(r).update(status=7))
    with pytest.raises(MetadataError) as info:
        parse_notifications(raw)
    assert "got a number" in str(info.value) and "7" not in repr(info.value.value)


def test_no_parser_exception_hangs_on_a_json_error(tmp_path: Path) -> None:
    path = tmp_path / "n.json"
    path.write_text(json.dumps(_notification())[:-3])  # a syntax error at the end
    with pytest.raises(JSONFileError) as info:
        read_json(path)
    assert info.value.__context__ is None  # JSONDecodeError.doc is the whole text
    _assert_clean(said(info.value))
    path.write_bytes(json.dumps(_notification()).encode() + b"\xff")
    with pytest.raises(JSONFileError) as bad_utf8:
        read_json(path)
    assert bad_utf8.value.__context__ is None  # UnicodeDecodeError.object is every byte


def test_model_reprs_mask_locations_and_anything_named_like_a_token() -> None:
    raw = _notification()
    _op(raw).update(
        RecordingAccessToken=TOKEN,
        accessToken=TOKEN,
        extra={"nested": [{"SIG": TOKEN, "link": LOCATION}]},
    )
    payload = parse_notifications(raw)
    (op,) = payload.record_operations
    texts = [repr(payload), str(payload), repr(op), str(op), f"{op!r}", repr(payload.value[0])]
    _assert_clean(texts)
    assert REDUCED in repr(op)
    # What a downloaded clip is named after, and what output files are named after.
    assert op.recording_name == "clip.wav"
    # The raw values are still there for whoever asks for them by name.
    assert op.recording_location == LOCATION
    assert op.model_extra is not None and op.model_extra["accessToken"] == TOKEN


def test_metadata_and_event_reprs_mask_too() -> None:
    doc = {**meta(), "resourceId": LOCATION, "clientSecret": TOKEN}
    _assert_clean([repr(parse_chunk_metadata(doc)), str(parse_chunk_metadata(doc))])
    raw = json.loads((EXAMPLES / "eventgrid-recording-file-status-updated.json").read_text())
    raw[0]["data"]["recordingStorageInfo"]["recordingChunks"][0]["contentLocation"] = LOCATION
    (event,) = parse_recording_events(raw)
    _assert_clean([repr(event), str(event), repr(event.chunks)])


def test_metadata_errors_quote_short_scalars_only() -> None:
    long_id = "p" * 200
    with pytest.raises(MetadataError) as info:
        parse_chunk_metadata({**meta(), "chunkIndex": long_id})
    assert info.value.value == "p" * 59 + "…" and long_id not in str(info.value)
    with pytest.raises(MetadataError, match="got an array"):
        parse_chunk_metadata({**meta(), "recordingInfo": [LOCATION]})
    with pytest.raises(MetadataError) as url:
        parse_chunk_metadata({**meta(), "chunkStartTime": LOCATION})
    _assert_clean(said(url.value))
    assert REDUCED in str(url.value)
    with pytest.raises(MetadataError, match="about 5000 digits"):
        parse_chunk_metadata({**meta(), "chunkIndex": -(10**5000)})


def _notification_folder(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for i, shape in enumerate(sorted(BAD_SHAPES)):
        (folder / f"bad{i}.json").write_text(json.dumps(_shape(BAD_SHAPES[shape])))
    good = _notification()
    _op(good).pop("id")  # its files are named after its location then
    # Valid, since these fields take any text: a URL in them is reduced all the same.
    _op(good).update(status=LOCATION, clientContext=LOCATION, completionReason=LOCATION)
    _op(good)["resultInfo"]["message"] = LOCATION
    (folder / "good.json").write_text(json.dumps(good))


def test_callrec_response_writes_and_says_no_secret(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _notification_folder(tmp_path / "in")
    out = tmp_path / "out"
    code = cli.main(["response", str(tmp_path / "in"), "--out", str(out)])
    said = capsys.readouterr()
    assert code == cli.EXIT_FAILED
    assert said.err.count("callrec: ") >= len(BAD_SHAPES)
    written = [p.read_text(errors="replace") for p in out.rglob("*") if p.is_file()]
    (report,) = [json.loads(p.read_text()) for p in out.glob("*.response.json")]
    assert report["recording_location"] == REDUCED
    _assert_clean([said.out, said.err, *written, *(p.name for p in out.rglob("*"))])


def test_callrec_process_writes_no_secret_in_errors_json(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_chunk(tmp_path / "in", meta(0), frames=32000)
    _notification_folder(tmp_path / "in")
    out = tmp_path / "out"
    code = cli.main(["process", str(tmp_path / "in"), "--out", str(out), "--jobs", "1"])
    said = capsys.readouterr()
    assert code == cli.EXIT_FAILED
    errors = json.loads((out / "errors.json").read_text())
    assert len([p for p in errors["problems"] if p["severity"] == "error"]) == len(BAD_SHAPES)
    written = [p.read_text(errors="replace") for p in out.rglob("*.json")]
    _assert_clean([said.out, said.err, *written])


# ---------------------------------------------------------------- the helpers themselves


@pytest.mark.parametrize(
    ("url", "reduced"),
    [
        (LOCATION, REDUCED),
        ("https://h.example:8443/a/b?x=1", "https://h.example:8443/a/b"),
        ("https://u:p#w@host/path?sig=S", "https://host/path"),  # '#' inside user info
        ("https://u:p/w@host/p", "https://…"),  # where user info ends is a guess: none made
        ("http://[::1]:80/a;jsessionid=1", "http://[::1]:80/a"),
        ("//user:pw@host/x#f", "//host/x"),
        ("user:pw@host/x?sig=1", "host/x"),
        ("/communications/calls/1/operations/2?x=1", "/communications/calls/1/operations/2"),
        ("clip.wav#frag", "clip.wav"),
        ("", ""),
        # What a browser reads as https://user:pw@host (WHATWG's special schemes):
        ("https:/user:pw@host/x?sig=1", "https://host/x"),
        ("HTTPS:\\\\user:pw@host/x", "HTTPS://host/x"),
        ("https:user:pw@host/x", "https://host/x"),
        ("https:///user:pw@host/x", "https://host/x"),
    ],
)
def test_redact_url(url: str, reduced: str) -> None:
    assert redact_url(url) == reduced


def test_redact_text_reduces_every_url_in_a_message() -> None:
    text = redact_text(f"got {LOCATION!r} and {LOCATION}; expected a string")
    _assert_clean([text])
    assert text.count(REDUCED) == 2 and text.endswith("expected a string")
    odd = redact_text("see https:/u:pw@h.example/x and ftp:\\\\u:pw@h.example/y; NameError: x@y")
    assert "pw" not in odd and odd.endswith("NameError: x@y")


@pytest.mark.parametrize(
    ("name", "secret"),
    [
        ("recordingAccessToken", True),
        ("RecordingAccessToken", True),
        ("accessToken", True),
        ("recording_access_token", True),
        ("clientSecret", True),
        ("password", True),
        ("accountKey", True),
        ("x-api-key", True),
        ("sig", True),
        ("SAS", True),
        ("sv", True),
        ("recordingLocation", False),
        ("participantId", False),
        ("keys", False),
        ("monkey", False),
        ("code", False),
    ],
)
def test_looks_secret(name: str, secret: bool) -> None:
    assert looks_secret(name) is secret


@pytest.mark.parametrize(
    "instant",
    ["9999-12-31T23:59:59.9999999Z", "9999-12-31T20:00:00-05:00", "0001-01-01T01:00+02:00"],
)
def test_a_timestamp_past_the_calendar_is_a_metadata_error(instant: str) -> None:
    # Found by fuzz/fuzz_loaders.py: an OverflowError escaped from the timestamp validator.
    with pytest.raises(MetadataError, match=r"years 1 (and|to) 9999") as info:
        parse_chunk_metadata({**meta(), "chunkStartTime": instant})
    assert info.value.path == "chunkStartTime"
    raw = json.loads((EXAMPLES / "eventgrid-recording-file-status-updated.json").read_text())
    raw[0]["eventTime"] = instant
    with pytest.raises(MetadataError, match=r"years 1 (and|to) 9999"):
        parse_recording_events(raw)
