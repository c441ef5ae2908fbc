"""Property-based tests of the JSON loaders: whatever arrives, only a CallrecError comes out,
nothing hangs, and secrets planted anywhere are never said.

The strategies and checks live in ``fuzz/fuzz_loaders.py``, which runs them for as long as it
is asked to; here each gets a few dozen examples (no deadline) so the suite stays quick.
"""

from __future__ import annotations

import pytest
from fuzz.fuzz_loaders import (
    BRACKET_SOUP,
    BRACKET_TOKENS,
    JSONISH,
    OPTIONAL_PART,
    URL_HOSTS,
    URL_SEGMENTS,
    check_bytes,
    check_depth_scan,
    check_depth_scan_safe,
    check_document,
    check_example,
    check_redact_any,
    check_redact_url,
    check_text,
    mutated_examples,
    nested,
    reference_too_deep,
    run_loaders,
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from callrec.errors import CallrecError
from callrec.payloads.reading import MAX_JSON_DEPTH, _deeper_than, parse_json

FEW = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SOME = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FEW
@given(JSONISH)
def test_any_document_gives_a_model_or_a_callrec_error(data: object) -> None:
    check_document(data)


@SOME
@given(mutated_examples())
def test_odd_values_in_every_field_of_the_examples(case: tuple[str, object]) -> None:
    check_example(case)


@FEW
@given(st.binary(max_size=400))
def test_any_bytes_give_json_or_a_callrec_error(raw: bytes) -> None:
    check_bytes(raw)


@FEW
@given(BRACKET_SOUP)
def test_any_bracket_soup_gives_json_or_a_callrec_error(text: str) -> None:
    check_text(text)


@pytest.mark.parametrize("depth", [MAX_JSON_DEPTH - 1, MAX_JSON_DEPTH, MAX_JSON_DEPTH + 1])
def test_nesting_at_the_limit(depth: int) -> None:
    check_document(nested(depth))


def test_nan_and_infinity_documents_do_not_crash() -> None:
    for text in ('{"chunkDuration": NaN}', '{"chunkDuration": Infinity}', "[-Infinity]"):
        try:
            run_loaders(parse_json(text))
        except CallrecError:
            continue


@SOME
@given(BRACKET_TOKENS, st.integers(0, 8))
def test_depth_scan_matches_a_character_loop(text: str, limit: int) -> None:
    check_depth_scan(text, limit)


@SOME
@given(st.text(alphabet='[]{}"\\aé', max_size=300), st.integers(0, 8))
def test_depth_scan_never_misses_what_a_parser_reaches(text: str, limit: int) -> None:
    check_depth_scan_safe(text, limit)


def test_depth_scan_carries_state_across_blocks(monkeypatch: pytest.MonkeyPatch) -> None:
    from callrec.payloads import reading as loading

    monkeypatch.setattr(loading, "_SCAN_BLOCK", 3)
    for text in ['"\\\\"[[[', '"\\"[[[[', '[["[[[[["[', "[" * 7 + '"' + "\\" * 5 + '"' + "[["]:
        for limit in range(9):
            assert _deeper_than(text, limit) == reference_too_deep(text, limit), (text, limit)


@SOME
@given(
    st.sampled_from(["https", "http", "s3", "HTTPS"]),
    OPTIONAL_PART,
    URL_HOSTS,
    URL_SEGMENTS,
    OPTIONAL_PART,
    OPTIONAL_PART,
    OPTIONAL_PART,
)
def test_redact_url_keeps_scheme_host_and_path_only(
    scheme: str,
    userinfo: str | None,
    host: str,
    segments: list[str],
    params: str | None,
    query: str | None,
    fragment: str | None,
) -> None:
    check_redact_url(scheme, userinfo, host, segments, params, query, fragment)


@FEW
@given(st.text(max_size=200))
def test_redact_url_never_raises_and_never_keeps_a_query(text: str) -> None:
    check_redact_any(text)


@pytest.mark.parametrize(
    "text",
    [
        "'//https://user:pass@host/x'",  # found by the odd-values property: "https:" looked like a host
        "//https://u:p@h/x?sig=1",
        "https://h//u:p@x/y",
        "see https://a:b@c//d:e@f/g?sas=1 here",
    ],
)
def test_a_url_inside_a_url_loses_its_credentials_too(text: str) -> None:
    from callrec.safety.redaction import redact_text

    reduced = redact_text(text)
    assert "pass" not in reduced and "u:p" not in reduced and "a:b" not in reduced
    assert (
        "d:e" not in reduced
        and "@" not in reduced
        and "sig" not in reduced
        and "sas" not in reduced
    )


def test_urls_nested_without_end_neither_recurse_nor_keep_credentials() -> None:
    from callrec.safety.redaction import redact_text, redact_url, shown

    deep = "https://h/" + "a//" * 2000
    assert redact_url(deep).startswith("https://h/")  # no RecursionError
    chain = "x https://u:p@h/" + "//https://u:p@h" * 2000
    assert "u:p" not in redact_text(chain)
    assert "u:p" not in str(shown(chain))
