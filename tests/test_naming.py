"""Names made from identifiers stay inside their folder and never collide."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from callrec.safety.naming import MAX_NAME_BYTES, safe_name, safe_names

IDS = st.text(min_size=0, max_size=300)


@given(IDS)
def test_a_name_is_one_harmless_path_component(identifier: str) -> None:
    name = safe_name(identifier)
    assert name and name not in (".", "..") and not name.startswith(".")
    assert not set(name) & set('/\\:*?"<>|\0') and name.isascii() and name.isprintable()
    assert len(Path(name).parts) == 1 and len(name) <= MAX_NAME_BYTES
    assert (Path("/out") / name).resolve().parent == Path("/out").resolve()


@given(IDS, IDS)
def test_different_identifiers_never_share_a_name(a: str, b: str) -> None:
    if a != b:
        assert safe_name(a) != safe_name(b)


@given(st.lists(IDS, max_size=8))
def test_names_in_one_folder_differ_even_ignoring_case(identifiers: list[str]) -> None:
    names = safe_names(identifiers)
    assert set(names) == set(identifiers)
    folded = [n.casefold() for n in names.values()]
    assert len(folded) == len(set(folded))


def test_known_names() -> None:
    assert safe_name("4:+14255550123") == "4%3A%2B14255550123"
    assert safe_name("8:acs:res_0000000a-aaaa") == "8%3Aacs%3Ares_0000000a-aaaa"
    assert safe_name("../../x") == "%2E.%2F..%2Fx"
    assert safe_name("é") == "%C3%A9"
    clash = safe_names(["8:acs:ABC", "8:acs:abc"])
    assert clash["8:acs:ABC"].startswith("8%3Aacs%3AABC~") and len(set(clash.values())) == 2
