"""Fuzz callrec's JSON loaders for a while and say what was run and what broke.

    python fuzz/fuzz_loaders.py --seconds 120            # every target, time shared
    python fuzz/fuzz_loaders.py --runs 5000 --target bytes
    python fuzz/fuzz_loaders.py --engine atheris --seconds 120   # coverage-guided

The properties (the same ones ``tests/test_loaders_property.py`` checks briefly):

- whatever a file holds (bytes, JSON of any shape, a real payload with odd values in any
  field, deep nesting), ``read_json``, ``classify_json``, ``require_document`` and the three
  ``parse_*`` functions return or raise a ``CallrecError``: nothing else, and never hang;
- a token, or the user information, query, fragment or ``;params`` of a signed location, planted
  anywhere in the input, appears in no error (message, repr, ``to_dict``, anything on its
  ``__context__``/``__cause__`` chain) and in no repr of a model;
- the depth scan agrees with a plain character loop, and ``redact_url`` keeps scheme, host and
  path only.

Inputs come from Hypothesis strategies: drawn by Hypothesis itself in seeded batches
(``--engine hypothesis``, the default; it favours edges such as year 9999 or empty strings), or
decoded from libFuzzer's coverage-guided mutations (``--engine atheris``, needs
``pip install 'callrec[fuzz]'``, Linux). An input still running after ``--timeout`` seconds is
a hang. Each distinct failure (exception type and line) is counted and its first input and
traceback printed; the run goes on past it. Needs the repository checkout (the examples under
``tests/data``) and ``callrec`` installed.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import sys
import tempfile
import time
import traceback
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import Any

from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis import strategies as st

from callrec.acs import parse_chunk_metadata, parse_recording_events
from callrec.errors import CallrecError
from callrec.payloads.reading import _deeper_than as deeper_than
from callrec.payloads.reading import classify_json, parse_json, read_json, require_document
from callrec.response.models import parse_notifications
from callrec.safety.redaction import redact_url

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "tests" / "data" / "examples"


# ---------------------------------------------------------------- what is planted

# Made up at run time: Hypothesis draws text from the string constants in the code it tests,
# so a marker written out here would turn up as plain text where nothing was planted.
_RUN = os.urandom(6).hex()
SIG, USER, PASSWORD, FRAGMENT, PARAM, TOKEN = (
    f"{kind}{_RUN}" for kind in ("sig", "user", "pass", "frag", "param", "tok")
)
SECRETS = (SIG, USER, PASSWORD, FRAGMENT, PARAM, TOKEN)
LOCATION = (
    f"https://{USER}:{PASSWORD}@a.blob.core.windows.net/c/x.wav;p={PARAM}?sig={SIG}#{FRAGMENT}"
)
SECRET_KEYS = ("recordingAccessToken", "RecordingAccessToken", "accessToken", "sig", "clientSecret")

# ---------------------------------------------------------------- strategies

# Timestamps near every edge: year 0 and 9999, day 32, second 61, long fractions, zones that
# carry a date past the calendar's ends.
ISO_TEXT = st.builds(
    "{:04d}-{:02d}-{:02d}T{:02d}:{:02d}:{:02d}{}{}".format,
    st.sampled_from([0, 1, 1970, 2021, 9998, 9999]) | st.integers(0, 9999),
    st.integers(0, 13),
    st.integers(0, 32),
    st.integers(0, 25),
    st.integers(0, 61),
    st.integers(0, 61),
    st.one_of(
        st.just(""), st.text(alphabet="0123456789", min_size=1, max_size=30).map(".{}".format)
    ),
    st.sampled_from(
        ["", "Z", "z", "+14:00", "-14:00", "+23:59", "-23:59", "+99:00", "+0530", "-05"]
    ),
)

ODD_SCALARS = st.one_of(
    ISO_TEXT,
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(min_value=-(10**40), max_value=10**40),
    st.sampled_from([10**400, -(10**400), 2**63, -(2**63) - 1]),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([1e308, -0.0, 5e-324]),
    st.text(max_size=20),
    st.text(max_size=300).map(lambda t: t + LOCATION),
    st.just(LOCATION),
    st.sampled_from(["", " ", "2021-03-24T18:52:14.1321393Z", "9" * 300, "mixed", "Unmixed"]),
)


def _containers(children: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(st.text(max_size=8), children, max_size=4),
        # A credential where a payload may carry one, under every spelling.
        st.dictionaries(st.sampled_from(SECRET_KEYS), st.just(TOKEN), min_size=1, max_size=2),
    )


JSONISH = st.recursive(ODD_SCALARS, _containers, max_leaves=25)
"""JSON-like values of any shape, with planted secrets (and some Python-only numbers)."""


def nested(depth: int) -> Any:
    """Objects and arrays ``depth`` levels deep around a signed location."""
    value: Any = LOCATION
    for i in range(depth):
        value = [value] if i % 2 else {"k": value}
    return value


ODD_VALUES = st.one_of(JSONISH, st.integers(54, 70).map(nested))

# Brackets and JSON strings (holding brackets, quotes and backslashes, escaped), in any order.
BRACKET_TOKENS = st.lists(
    st.one_of(
        st.sampled_from(list("[]{}a,: ")),
        st.text(alphabet='[]{}"\\aé', max_size=6).map(json.dumps),
    ),
    max_size=120,
).map("".join)
BRACKET_SOUP = st.text(alphabet='[]{}",:\\ 0an\n', max_size=400)


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    yield prefix
    if isinstance(value, dict):
        for key, child in value.items():
            yield from _paths(child, (*prefix, key))
    elif isinstance(value, list):
        for i, child in enumerate(value):
            yield from _paths(child, (*prefix, i))


def _replaced(doc: Any, path: tuple[Any, ...], value: Any, *, drop: bool) -> Any:
    if not path:
        return value
    copy = json.loads(json.dumps(doc))
    parent = copy
    for part in path[:-1]:
        parent = parent[part]
    if drop and isinstance(parent, dict):
        del parent[path[-1]]
    else:
        parent[path[-1]] = value
    return copy


def example(name: str) -> Any:
    """A shared example payload; a notification gets a signed location and a token planted."""
    doc = json.loads((EXAMPLES / name).read_text(encoding="utf-8"))
    if "graph" in name:
        resource = doc["value"][0]["resourceData"]
        resource["recordingLocation"] = LOCATION
        resource["recordingAccessToken"] = TOKEN
    return doc


@st.composite
def mutated_examples(draw: st.DrawFn) -> tuple[str, Any]:
    """A real example with one field (or the whole document) replaced by an odd value, or
    dropped."""
    name = draw(st.sampled_from(sorted(p.name for p in EXAMPLES.glob("*.json"))))
    doc = example(name)
    path = draw(st.sampled_from(list(_paths(doc))))
    value = draw(ODD_VALUES)
    return name, _replaced(doc, path, value, drop=draw(st.booleans()))


def _timestamp_fields() -> list[tuple[str, tuple[Any, ...]]]:
    found = []
    for path in sorted(EXAMPLES.glob("*.json")):
        doc = example(path.name)
        found += [
            (path.name, where)
            for where in _paths(doc)
            if where and str(where[-1]).lower().endswith(("time", "starttime"))
        ]
    return found


@st.composite
def edge_timestamps(draw: st.DrawFn) -> tuple[str, Any]:
    """A real example with one of its timestamps at an edge of the calendar."""
    name, path = draw(st.sampled_from(_timestamp_fields()))
    return name, _replaced(example(name), path, draw(ISO_TEXT), drop=False)


URL_PART = st.text(alphabet="abcXYZ019-_.~%+!$&'()*,=:", min_size=1, max_size=12)
URL_HOSTS = st.sampled_from(["h.example", "a.blob.core.windows.net:443", "[::1]:8080", "localhost"])
URL_SEGMENTS = st.lists(st.text(alphabet="abcXYZ019-_.~%", min_size=1, max_size=8), max_size=4)
OPTIONAL_PART = st.one_of(st.none(), URL_PART)

# ---------------------------------------------------------------- checks


def said(exc: BaseException) -> Iterator[str]:
    """Every text reachable from ``exc``: str, repr, args, attributes and ``to_dict`` of it and
    of everything on its ``__context__``/``__cause__`` chain."""
    seen: list[BaseException] = []
    stack: list[BaseException | None] = [exc]
    while stack:
        item = stack.pop()
        if item is None or any(item is s for s in seen):
            continue
        seen.append(item)
        yield from (str(item), repr(item), repr(item.args), repr(vars(item)))
        if isinstance(item, CallrecError):
            yield json.dumps(item.to_dict())
        stack += [item.__context__, item.__cause__]


def assert_clean(texts: Iterator[str] | list[str]) -> None:
    for text in texts:
        for secret in SECRETS:
            assert secret not in text, f"{secret} in {text[:300]!r}"


def run_loaders(data: Any, file: str | None = "doc.json") -> None:
    """What discovery and ``callrec response`` do with a parsed document, and every parser on
    top: each gives a model whose repr is clean, or raises a clean CallrecError."""
    classify_json(data)
    steps = (require_document, parse_chunk_metadata, parse_recording_events, parse_notifications)
    for step in steps:
        try:
            result = step(data, file=file)
        except CallrecError as exc:
            assert_clean(said(exc))
        else:
            assert_clean([repr(result), str(result)])


def read_bytes(raw: bytes) -> Any:
    """``read_json`` of a file holding ``raw``."""
    handle = tempfile.NamedTemporaryFile("wb", suffix=".json", delete=False)  # noqa: SIM115
    with handle:
        handle.write(raw)
    try:
        return read_json(handle.name)
    finally:
        os.unlink(handle.name)


def check_document(data: Any, file: str | None = "doc.json") -> None:
    """A Python value, then the same as a file."""
    run_loaders(data, file)
    try:
        text = json.dumps(data)
    except ValueError:
        return  # an int of more than 4300 digits has no JSON text
    try:
        parsed = read_bytes(text.encode())
    except CallrecError as exc:
        assert_clean(said(exc))
    else:
        run_loaders(parsed, file)


def check_example(case: tuple[str, Any]) -> None:
    check_document(case[1], case[0])


def check_bytes(raw: bytes) -> None:
    try:
        run_loaders(read_bytes(raw))
    except CallrecError as exc:
        assert_clean(said(exc))


def check_text(text: str) -> None:
    try:
        run_loaders(parse_json(text))
    except CallrecError as exc:
        assert_clean(said(exc))


def reference_too_deep(text: str, limit: int, *, stop_at_stray_backslash: bool = False) -> bool:
    """A plain character loop. With ``stop_at_stray_backslash`` it stops where a JSON parser
    must stop at the latest: at a backslash outside a string."""
    depth = 0
    inside = escaped = False
    for char in text:
        if inside:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                inside = False
        elif char == "\\" and stop_at_stray_backslash:
            return False
        elif char == '"':
            inside = True
        elif char in "[{":
            depth += 1
            if depth > limit:
                return True
        elif char in "]}":
            depth -= 1
    return False


def check_depth_scan(text: str, limit: int) -> None:
    """Exact on text whose backslashes are all inside strings."""
    assert deeper_than(text, limit) == reference_too_deep(text, limit)


def check_depth_scan_safe(text: str, limit: int) -> None:
    """On any text, never misses a depth the parser could reach."""
    if reference_too_deep(text, limit, stop_at_stray_backslash=True):
        assert deeper_than(text, limit)


def check_redact_url(
    scheme: str,
    userinfo: str | None,
    host: str,
    segments: list[str],
    params: str | None,
    query: str | None,
    fragment: str | None,
) -> None:
    path = "".join(f"/{s}" for s in segments)
    url = f"{scheme}://"
    url += f"{USER}{userinfo}@" if userinfo is not None else ""
    url += host + path
    url += f";{PARAM}{params}" if params is not None else ""
    url += f"?{SIG}{query}" if query is not None else ""
    url += f"#{FRAGMENT}{fragment}" if fragment is not None else ""
    reduced = redact_url(url)
    assert reduced == f"{scheme}://{host}{path}", (url, reduced)
    assert_clean([reduced])


def check_redact_any(text: str) -> None:
    reduced = redact_url(text)
    assert "?" not in reduced and "#" not in reduced and ";" not in reduced
    assert len(reduced) <= len(text.strip())


# ---------------------------------------------------------------- targets

Target = tuple[tuple[st.SearchStrategy[Any], ...], Callable[..., None]]


def targets() -> dict[str, Target]:
    """Name -> (the strategies of the check's arguments, the check)."""
    return {
        "document": ((JSONISH,), check_document),
        "example": ((mutated_examples(),), check_example),
        "timestamps": ((edge_timestamps(),), check_example),
        "bytes": ((st.binary(max_size=2000),), check_bytes),
        "brackets": ((BRACKET_SOUP,), check_text),
        "depth-scan": ((BRACKET_TOKENS, st.integers(0, 8)), check_depth_scan),
        "depth-scan-any": (
            (st.text(alphabet='[]{}"\\aé', max_size=300), st.integers(0, 8)),
            check_depth_scan_safe,
        ),
        "redact-url": (
            (
                st.sampled_from(["https", "http", "s3", "HTTPS"]),
                OPTIONAL_PART,
                URL_HOSTS,
                URL_SEGMENTS,
                OPTIONAL_PART,
                OPTIONAL_PART,
                OPTIONAL_PART,
            ),
            check_redact_url,
        ),
        "redact-any": ((st.text(max_size=200),), check_redact_any),
    }


# ---------------------------------------------------------------- the runner


class Hang(Exception):
    """An input ran longer than ``--timeout``."""


@dataclass
class Tally:
    runs: Counter[str] = field(default_factory=Counter)
    rejected: Counter[str] = field(default_factory=Counter)
    failures: dict[tuple[str, str], tuple[int, str]] = field(default_factory=dict)
    slowest: dict[str, float] = field(default_factory=dict)

    def record(self, name: str, run: Callable[[], Any], given: Any = None) -> None:
        started = time.perf_counter()
        try:
            run()
        except Exception as exc:  # every failure is counted, then the run goes on
            where = traceback.extract_tb(exc.__traceback__)[-1]
            key = (name, f"{type(exc).__name__} at {Path(where.filename).name}:{where.lineno}")
            count, first = self.failures.get(key, (0, ""))
            if not first:
                first = f"input: {given!r:.2000}\n" + "".join(traceback.format_exception(exc))
            self.failures[key] = (count + 1, first)
        finally:
            self.runs[name] += 1
            spent = time.perf_counter() - started
            self.slowest[name] = max(self.slowest.get(name, 0.0), spent)

    def report(self, seconds: float, out: Any = sys.stdout) -> int:
        total = sum(self.runs.values())
        out.write(f"\n{total} inputs in {seconds:.1f} s ({total / max(seconds, 1e-9):.0f}/s)\n")
        for name in sorted(self.runs):
            rejected = f", {self.rejected[name]} rejected" if self.rejected[name] else ""
            out.write(
                f"  {name:<15} {self.runs[name]:>8} run{rejected}, "
                f"slowest {self.slowest[name] * 1000:.0f} ms\n"
            )
        if not self.failures:
            out.write("No failures.\n")
            return 0
        out.write(f"\n{len(self.failures)} distinct failure(s):\n")
        for (name, what), (count, first) in sorted(self.failures.items()):
            out.write(f"\n[{name}] {what}: {count} time(s); the first:\n{first}")
        return 1


def _on_alarm(signum: int, frame: FrameType | None) -> None:
    raise Hang("the input ran longer than the timeout")


def _with_timeout(timeout: float, job: Callable[[], Any]) -> Callable[[], Any]:
    if not hasattr(signal, "setitimer"):
        return job

    def run() -> Any:
        signal.setitimer(signal.ITIMER_REAL, timeout)
        try:
            return job()
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)

    return run


def _test(name: str, target: Target, tally: Tally, timeout: float, **options: Any) -> Any:
    """A Hypothesis test that runs the target's check on each input and records the outcome in
    ``tally`` instead of failing: a fuzz run goes on past its first failure."""
    strategies, check = target

    # One tuple argument: @given takes neither defaults (which checks have) nor *args.
    def one(values: tuple[Any, ...]) -> None:
        tally.record(name, _with_timeout(timeout, lambda: check(*values)), values)

    base = settings(
        database=None, deadline=None, suppress_health_check=list(HealthCheck), **options
    )
    return base(given(st.tuples(*strategies))(one))


def _hypothesis_engine(args: argparse.Namespace, chosen: dict[str, Target], tally: Tally) -> None:
    """Hypothesis's own generation (which favours edges: year 9999, empty strings, huge numbers)
    in batches of ``--batch`` inputs, each batch of each target from a fresh seed, round the
    targets until the budget is spent."""
    rng = random.Random(args.seed)
    deadline = time.monotonic() + args.seconds if args.seconds else None
    while True:
        for name, target in chosen.items():
            done = sum(tally.runs.values())
            if (deadline is not None and time.monotonic() >= deadline) or (
                args.runs is not None and done >= args.runs
            ):
                return
            batch = args.batch if args.runs is None else min(args.batch, args.runs - done)
            test = _test(
                name, target, tally, args.timeout, max_examples=batch, phases=[Phase.generate]
            )
            seed(rng.getrandbits(64))(test)()


def _atheris_engine(args: argparse.Namespace, tally: Tally) -> None:
    import atheris  # type: ignore[import-untyped, import-not-found, unused-ignore]

    # Coverage feedback from every Python function loaded so far: callrec and its checks (and
    # their dependencies: slow to do, some 30 s, so the clock starts after it).
    atheris.instrument_all()
    chosen = {
        name: _test(name, target, tally, args.timeout, max_examples=1)
        for name, target in _chosen(args).items()
    }
    names = sorted(chosen)
    started = time.monotonic()
    deadline = started + args.seconds if args.seconds else None

    def one_input(data: bytes) -> None:
        # libFuzzer ends the process without running Python's exit handlers: the report is
        # printed here, once the budget is spent.
        spent = sum(tally.runs.values())
        if (deadline is not None and time.monotonic() >= deadline) or (
            args.runs is not None and spent >= args.runs
        ):
            code = tally.report(time.monotonic() - started)
            sys.stdout.flush()
            os._exit(code)
        if not data:
            return
        name = names[data[0] % len(names)]
        if chosen[name].hypothesis.fuzz_one_input(data[1:]) is None:
            tally.rejected[name] += 1  # too short for the strategy: no check ran

    libfuzzer = [sys.argv[0], "-rss_limit_mb=2048", "-max_len=8192", f"-seed={args.seed}"]
    atheris.Setup(libfuzzer, one_input)
    atheris.Fuzz()


def _chosen(args: argparse.Namespace) -> dict[str, Target]:
    every = targets()
    unknown = set(args.target) - set(every)
    if unknown:
        raise SystemExit(
            f"unknown target(s): {', '.join(sorted(unknown))}; choose from {', '.join(every)}"
        )
    return {name: every[name] for name in (args.target or every)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=60.0, help="time budget (0: none)")
    parser.add_argument("--runs", type=int, default=None, help="stop after this many inputs")
    parser.add_argument(
        "--target", action="append", default=[], help="only this target (repeatable)"
    )
    parser.add_argument("--engine", choices=("hypothesis", "atheris"), default="hypothesis")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--batch", type=int, default=200, help="inputs per seed and target (hypothesis engine)"
    )
    parser.add_argument(
        "--timeout", type=float, default=5.0, help="seconds before an input is a hang"
    )
    args = parser.parse_args(argv)
    if hasattr(signal, "SIGALRM"):
        signal.signal(signal.SIGALRM, _on_alarm)
    tally = Tally()
    started = time.monotonic()
    if args.engine == "atheris":
        _atheris_engine(args, tally)  # exits the process when done
        return 0
    _hypothesis_engine(args, _chosen(args), tally)
    return tally.report(time.monotonic() - started)


if __name__ == "__main__":
    sys.exit(main())
