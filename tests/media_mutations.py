"""Ways to damage a media file, shared by the property tests and ``fuzz/fuzz_media.py``.

A mutation is a small tuple (``("flip", position, bit)``, ``("size", tag, nth, value)``, ...);
:func:`apply` performs a list of them on the bytes. Positions are taken modulo the length at
the time, so any integer is valid. Besides blind byte damage, mutations aim where parsers
trust the file: box and chunk sizes (found by their four-character tags), 64-bit box sizes,
and the header fields that say how many channels, how fast, how many entries.
"""

from __future__ import annotations

import random
import struct
from typing import Any

Mutation = tuple[Any, ...]

# tag -> (offset of its size field from the tag, struct byte order)
_MP4_BOXES = (
    b"ftyp", b"free", b"mdat", b"moov", b"mvhd", b"trak", b"tkhd", b"edts", b"elst", b"mdia",
    b"mdhd", b"hdlr", b"minf", b"smhd", b"dinf", b"stbl", b"stsd", b"mp4a", b"esds", b"stts",
    b"stsc", b"stsz", b"stco", b"udta", b"meta", b"ilst",
)  # fmt: skip
_RIFF_CHUNKS = (b"RIFF", b"fmt ", b"data", b"LIST", b"fact")
SIZE_FIELDS: dict[bytes, tuple[int, str]] = {
    **{tag: (-4, ">") for tag in _MP4_BOXES},
    **{tag: (4, "<") for tag in _RIFF_CHUNKS},
}
MP4_TAGS = tuple(tag for tag, (_, order) in SIZE_FIELDS.items() if order == ">")

# (tag, offset from the tag, struct format): header fields that parsers use as counts or rates
FIELDS: tuple[tuple[bytes, int, str], ...] = (
    (b"fmt ", 6, "<H"),  # format tag
    (b"fmt ", 10, "<H"),  # channels
    (b"fmt ", 12, "<I"),  # sample rate
    (b"fmt ", 16, "<I"),  # byte rate
    (b"fmt ", 20, "<H"),  # block align
    (b"fmt ", 22, "<H"),  # bits per sample
    (b"mvhd", 16, ">I"),  # movie timescale
    (b"mdhd", 4, ">B"),  # version
    (b"mdhd", 16, ">I"),  # media timescale
    (b"mdhd", 20, ">I"),  # media duration
    (b"elst", 4, ">B"),  # version
    (b"elst", 8, ">I"),  # entry count
    (b"elst", 12, ">I"),  # segment duration
    (b"stsd", 8, ">I"),  # entry count
    (b"mp4a", 12, ">H"),  # sound entry version
    (b"mp4a", 20, ">H"),  # channels
    (b"mp4a", 28, ">I"),  # sample rate (16.16)
    (b"stsz", 12, ">I"),  # sample count
    (b"stts", 8, ">I"),  # entry count
    (b"stco", 8, ">I"),  # entry count
    (b"esds", 8, ">B"),  # ES descriptor tag
    (b"esds", 9, ">B"),  # its length
)

INTERESTING = (
    0, 1, 2, 3, 4, 7, 8, 9, 15, 16, 17, 54, 64, 127, 128, 255, 256, 999, 1000, 0x7FFF, 0x8000,
    0xFFFF, 0x10000, 384_000, 384_001, 0x7FFFFFFF, 0x80000000, 0xFFFFFFFF, 2**32, 2**63 - 1,
    2**64 - 1,
)  # fmt: skip


def _at(data: bytes, tag: bytes, nth: int) -> int | None:
    """Offset of the ``nth`` occurrence (modulo how many there are) of ``tag``."""
    found, start = [], 0
    while (i := data.find(tag, start)) >= 0:
        found.append(i)
        start = i + 1
    return found[nth % len(found)] if found else None


def _poke(data: bytearray, pos: int, fmt: str, value: int) -> None:
    width = struct.calcsize(fmt)
    if pos >= 0 and pos + width <= len(data):
        struct.pack_into(fmt, data, pos, value % (1 << (8 * width)))


def apply(original: bytes, mutations: list[Mutation]) -> bytes:
    """``original`` with ``mutations`` applied in order."""
    data = bytearray(original)
    for kind, *args in mutations:
        n = len(data)
        if kind == "truncate":
            del data[args[0] % (n + 1) :]
        elif kind == "flip" and n:
            data[args[0] % n] ^= 1 << args[1]
        elif kind == "overwrite" and n:
            pos = args[0] % n
            data[pos : pos + len(args[1])] = args[1]
        elif kind == "insert":
            pos = args[0] % (n + 1)
            data[pos:pos] = args[1]
        elif kind == "delete" and n:
            pos = args[0] % n
            del data[pos : pos + args[1]]
        elif kind == "size":
            tag, nth, value = args
            at = _at(bytes(data), tag, nth)
            if at is not None:
                offset, order = SIZE_FIELDS[tag]
                _poke(data, at + offset, f"{order}I", value)
        elif kind == "largesize":  # a 64-bit size: size field 1, then the 8-byte size
            tag, nth, value = args
            at = _at(bytes(data), tag, nth)
            if at is not None and at >= 4:
                _poke(data, at - 4, ">I", 1)
                data[at + 4 : at + 4] = struct.pack(">Q", value % 2**64)
        elif kind == "field":
            (tag, offset, fmt), value = args
            at = _at(bytes(data), tag, 0)
            if at is not None:
                _poke(data, at + offset, fmt, value)
    return bytes(data)


def random_mutation(rng: random.Random) -> Mutation:
    """One mutation drawn from the same vocabulary as the property tests' strategy."""

    def position() -> int:
        return rng.randrange(256) if rng.random() < 0.5 else rng.randrange(2**31)

    def value() -> int:
        return rng.choice(INTERESTING) if rng.random() < 0.7 else rng.randrange(2**32)

    kind = rng.choice(
        ["truncate", "flip", "overwrite", "insert", "delete", "size", "largesize", "field"]
    )
    if kind == "truncate":
        return (kind, position())
    if kind == "flip":
        return (kind, position(), rng.randrange(8))
    if kind in ("overwrite", "insert"):
        return (kind, position(), rng.randbytes(rng.randint(1, 16)))
    if kind == "delete":
        return (kind, position(), rng.randint(1, 256))
    if kind == "size":
        return (kind, rng.choice(list(SIZE_FIELDS)), rng.randrange(4), value())
    if kind == "largesize":
        return (kind, rng.choice(MP4_TAGS), rng.randrange(4), rng.choice(INTERESTING))
    return (kind, rng.choice(FIELDS), value())
