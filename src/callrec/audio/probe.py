"""Read what a media file holds (frames, channels, sample rate) from its header only.

WAV, MP3 and FLAC go through soundfile (libsndfile). For MP4 the audio track's ``mdhd`` and
``stsd`` boxes are read directly: that is a few kilobytes of parsing, and needs no decoder.

Headers are hostile input: every size read from a file is checked against the bytes that are
really there before it is used, only regular files are opened (a FIFO named ``.wav`` would block
the read forever), and a header describing something no recording can be (a 1 Hz sample rate, a
box larger than the file) is an :class:`~callrec.errors.UnsupportedMediaError` naming the file
and the value, never another exception.
"""

from __future__ import annotations

import stat
import struct
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from ..errors import EmptyMediaError, MediaError, UnreadableMediaError, UnsupportedMediaError
from ..safety.limits import MAX_CHANNELS, MAX_MEDIA_S, MAX_SAMPLE_RATE, MIN_SAMPLE_RATE
from ..safety.paths import as_path
from ..storage.blob import decoder_input
from ._native import NativeStderr

__all__ = ["MAX_CHANNELS", "MAX_SAMPLE_RATE", "MIN_SAMPLE_RATE", "MediaInfo", "probe_media"]

_MP4_SUFFIXES = frozenset({".mp4", ".m4a", ".mov"})
_MAX_MOOV_BYTES = 256 * 1024 * 1024

# A header outside callrec's limits (the same that metadata is held to) is damaged, or not a
# call: the probe refuses it, so that the chunk is lost audio naming why, as any unusable media.


@dataclass(frozen=True)
class MediaInfo:
    """What a media file's header says.

    Attributes
    ----------
    path
        The file.
    container
        ``wav``, ``mp3``, ``flac``, ``mp4``, ... (lower case).
    codec
        The sample encoding: ``PCM_16``, ``MPEG_LAYER_III``, ``mp4a``, ...
    frames
        Samples per channel. For MP3 and MP4 this is the header's count, which can differ from
        a decoder's by the codec's padding.
    channels, sample_rate
        Channel count and samples per second.
    """

    path: Path
    container: str
    codec: str
    frames: int
    channels: int
    sample_rate: int

    @property
    def duration_s(self) -> float:
        return self.frames / self.sample_rate


def probe_media(path: str | Path, *, max_length_s: int | None = MAX_MEDIA_S) -> MediaInfo:
    """Read a media file's header.

    ``max_length_s`` is the longest audio the header may declare: a chunk's at most, by default;
    ``None`` for a file callrec wrote itself (a track spans the whole call, chunks and gaps).

    Raises
    ------
    EmptyMediaError
        The file has no bytes, or declares no audio frames.
    UnsupportedMediaError
        The file is not a container/encoding callrec reads, or its header cannot be right
        (sizes beyond the file, a sample rate outside 1 kHz to 384 kHz, more than
        :data:`MAX_CHANNELS` channels).
    UnreadableMediaError
        The file cannot be opened or read (permissions), or is not a regular file.
    """
    path = as_path(path)
    size = _regular_file_size(path)
    if size == 0:
        raise EmptyMediaError("the file has zero bytes (an interrupted download?)", file=path)
    try:
        with path.open("rb") as fh:
            head = fh.read(12)
    except OSError as exc:
        raise _unreadable(path, exc) from None
    if path.suffix.lower() in _MP4_SUFFIXES:
        info = _probe_mp4(path, size)
    else:
        info = _probe_soundfile(path, head, size)
    if info.frames <= 0:
        raise EmptyMediaError(
            f"the header declares {info.frames} audio frames; expected at least one", file=path
        )
    if not MIN_SAMPLE_RATE <= info.sample_rate <= MAX_SAMPLE_RATE:
        raise UnsupportedMediaError(
            f"the header declares a sample rate of {info.sample_rate} Hz; expected "
            f"{MIN_SAMPLE_RATE} to {MAX_SAMPLE_RATE} Hz (a damaged header?)",
            file=path,
        )
    if not 1 <= info.channels <= MAX_CHANNELS:
        raise UnsupportedMediaError(
            f"the header declares {info.channels} channels; expected 1 to {MAX_CHANNELS}",
            file=path,
        )
    if max_length_s is not None and info.frames > max_length_s * info.sample_rate:
        raise UnsupportedMediaError(
            f"the header declares {info.frames} frames ({info.frames / info.sample_rate / 3600:.1f}"
            f" h); expected at most {max_length_s // 3600} h, the longest a chunk lasts",
            file=path,
        )
    return info


_FILE_KINDS = {
    stat.S_IFDIR: "a folder",
    stat.S_IFIFO: "a FIFO (named pipe)",
    stat.S_IFSOCK: "a socket",
    stat.S_IFCHR: "a character device",
    stat.S_IFBLK: "a block device",
}


def _regular_file_size(path: Path) -> int:
    """The file's size, from ``stat`` alone: opening a FIFO to find out what it is would wait
    for a writer that never comes."""
    try:
        mode = path.stat()
    except OSError as exc:
        raise _unreadable(path, exc) from None
    if not stat.S_ISREG(mode.st_mode):
        kind = _FILE_KINDS.get(stat.S_IFMT(mode.st_mode), "not a regular file")
        raise UnreadableMediaError(
            f"cannot be read as media: it is {kind}, not a regular file; expected a media file",
            file=path,
        )
    return mode.st_size


def _unreadable(path: Path, exc: OSError) -> UnreadableMediaError:
    return UnreadableMediaError(f"cannot be read: {exc.strerror or exc}", file=path)


def _probe_soundfile(path: Path, head: bytes, size: int) -> MediaInfo:
    import soundfile

    # An MP3's decoder prints its complaints to descriptor 2; reading reports the damage.
    quiet = NativeStderr()
    try:
        with decoder_input(path) as source:
            if path.suffix.lower() == ".mp3":
                with quiet:
                    info = soundfile.info(source)
            else:
                info = soundfile.info(source)
    except (RuntimeError, soundfile.LibsndfileError) as exc:
        if len(head) == 12 and head[4:8] == b"ftyp":
            return _probe_mp4(path, size)
        raise UnsupportedMediaError(
            f"not a readable WAV/MP3/FLAC file ({exc}); expected audio in one of those formats",
            file=path,
        ) from None
    except OSError as exc:
        raise _unreadable(path, exc) from None
    finally:
        quiet.close()
    return MediaInfo(
        path=path,
        container=str(info.format).lower(),
        codec=str(info.subtype),
        frames=int(info.frames),
        channels=int(info.channels),
        sample_rate=int(info.samplerate),
    )


class _BadBox(Exception):
    """A box or descriptor whose sizes do not fit the bytes around it (message: what)."""


def _name(kind: bytes) -> str:
    return repr(kind.decode("latin-1"))


def _unpack(fmt: str, data: bytes, pos: int, end: int, what: str) -> tuple[int, ...]:
    """``struct.unpack_from`` that never reads past ``end`` (the enclosing box's end)."""
    if pos < 0 or pos + struct.calcsize(fmt) > min(end, len(data)):
        raise _BadBox(f"the {what} is shorter than its fields")
    return struct.unpack_from(fmt, data, pos)


def _boxes(data: bytes, start: int = 0, end: int | None = None) -> Iterator[tuple[bytes, int, int]]:
    """(type, payload start, payload end) of the boxes in ``data[start:end]``.

    Raises ``_BadBox`` for a box whose size is smaller than its header or reaches past its
    parent. Callers descend a fixed path (moov/trak/mdia/minf/stbl), never recursively, so
    nesting depth is bounded by the code, not by the file.
    """
    end = len(data) if end is None else min(end, len(data))
    pos = start
    while pos + 8 <= end:
        size, kind = struct.unpack_from(">I4s", data, pos)
        header = 8
        if size == 1:
            if pos + 16 > end:
                raise _BadBox(f"the {_name(kind)} box is cut off inside its 64-bit size")
            size = struct.unpack_from(">Q", data, pos + 8)[0]
            header = 16
        elif size == 0:
            size = end - pos
        if size < header or pos + size > end:
            raise _BadBox(
                f"a {_name(kind)} box declares {size} bytes, where its header needs {header} and "
                f"its parent leaves {end - pos}"
            )
        yield kind, pos + header, pos + size
        pos += size


def _child(data: bytes, start: int, end: int, kind: bytes) -> tuple[int, int] | None:
    for found, lo, hi in _boxes(data, start, end):
        if found == kind:
            return lo, hi
    return None


def _read_moov(fh: BinaryIO, path: Path, size: int) -> bytes:
    """The ``moov`` box's payload, found by walking the top-level boxes with every declared size
    checked against the file's real ``size`` (a seek by a 64-bit size of 2^64-1 overflows)."""
    pos = 0
    while True:
        if pos + 8 > size:
            raise UnsupportedMediaError("no 'moov' box; expected an MP4 file with audio", file=path)
        fh.seek(pos)
        header = fh.read(16)
        if len(header) < 8:
            raise UnsupportedMediaError("the file ended while it was read", file=path)
        box_size, kind = struct.unpack_from(">I4s", header)
        consumed = 8
        if box_size == 1:
            if len(header) < 16:
                raise UnsupportedMediaError(
                    f"the {_name(kind)} box at byte {pos} is cut off inside its 64-bit size",
                    file=path,
                )
            box_size = struct.unpack_from(">Q", header, 8)[0]
            consumed = 16
        elif box_size == 0:  # "to the end of the file"
            box_size = size - pos
        if box_size < consumed:
            raise UnsupportedMediaError(
                f"the {_name(kind)} box at byte {pos} declares {box_size} bytes, fewer than its "
                f"own {consumed}-byte header",
                file=path,
            )
        if pos + box_size > size:
            where = "the 'moov' box is truncated" if kind == b"moov" else "no 'moov' box"
            raise UnsupportedMediaError(
                f"{where}: the {_name(kind)} box at byte {pos} declares {box_size} bytes, but "
                f"the file ends {size - pos} bytes after its start",
                file=path,
            )
        if kind == b"moov":
            if box_size - consumed > _MAX_MOOV_BYTES:
                raise UnsupportedMediaError(
                    f"the 'moov' box declares {box_size} bytes, too large to be real", file=path
                )
            fh.seek(pos + consumed)
            body = fh.read(box_size - consumed)
            if len(body) < box_size - consumed:
                raise UnsupportedMediaError("the 'moov' box is truncated", file=path)
            return body
        pos += box_size


def _probe_mp4(path: Path, size: int) -> MediaInfo:
    try:
        with path.open("rb") as fh:
            moov = _read_moov(fh, path, size)
        return _audio_track_info(moov, path)
    except _BadBox as exc:
        raise UnsupportedMediaError(f"a damaged MP4 header: {exc}", file=path) from None
    except MediaError:
        raise
    except OSError as exc:
        raise _unreadable(path, exc) from None


def _full_box_times(data: bytes, box: tuple[int, int], what: str) -> tuple[int, int]:
    """(timescale, duration) of an ``mvhd`` or ``mdhd`` box, either version."""
    lo, hi = box
    if _unpack(">B", data, lo, hi, f"'{what}' box")[0] == 1:
        timescale, duration = _unpack(">IQ", data, lo + 20, hi, f"'{what}' box")
    else:
        timescale, duration = _unpack(">II", data, lo + 12, hi, f"'{what}' box")
    return int(timescale), int(duration)


def _audio_track_info(moov: bytes, path: Path) -> MediaInfo:
    mvhd = _child(moov, 0, len(moov), b"mvhd")
    movie_timescale = _full_box_times(moov, mvhd, "mvhd")[0] if mvhd else 0
    damage: _BadBox | None = None
    for kind, lo, hi in _boxes(moov):
        if kind != b"trak":
            continue
        try:
            mdia = _child(moov, lo, hi, b"mdia")
            hdlr = _child(moov, *mdia, b"hdlr") if mdia else None
        except _BadBox as exc:
            # A damaged track before the audio one (video, say) does not spoil the audio.
            damage = damage or exc
            continue
        if (
            mdia is None
            or hdlr is None
            or moov[hdlr[0] + 8 : min(hdlr[0] + 12, hdlr[1])] != b"soun"
        ):
            continue
        mdhd = _child(moov, *mdia, b"mdhd")
        minf = _child(moov, *mdia, b"minf")
        stbl = _child(moov, *minf, b"stbl") if minf else None
        stsd = _child(moov, *stbl, b"stsd") if stbl else None
        if mdhd is None or stsd is None:
            raise UnsupportedMediaError("the audio track lacks 'mdhd' or 'stsd'", file=path)
        timescale, duration = _full_box_times(moov, mdhd, "mdhd")
        entry = stsd[0] + 8  # past version/flags and entry count
        (entry_size,) = _unpack(">I", moov, entry, stsd[1], "'stsd' box")
        entry_end = entry + entry_size
        if entry_size < 36 or entry_end > stsd[1]:
            raise _BadBox(
                f"the audio sample entry declares {entry_size} bytes, where its fields need 36 "
                f"and the 'stsd' box leaves {stsd[1] - entry}"
            )
        codec = moov[entry + 4 : entry + 8].decode("latin-1").strip()
        version, channels = _unpack(">H6xH", moov, entry + 16, entry_end, "audio sample entry")
        (rate_field,) = _unpack(">I", moov, entry + 32, entry_end, "audio sample entry")
        sample_rate = rate_field >> 16 or timescale
        # QuickTime's version 1 and 2 sound entries carry 16 and 36 more bytes before the
        # child boxes; version 2 keeps the real rate and channel count there.
        children = entry + _SOUND_ENTRY_BYTES.get(version, entry_size)
        if version == 2:
            rate, channels = _unpack(">dI", moov, entry + 40, entry_end, "audio sample entry")
            sample_rate = int(rate) if 0 < rate < 2**31 else 0
        # The sample entry's channel count is often a fixed 2; AAC's own config says the truth.
        esds = _child(moov, children, entry_end, b"esds") if children < entry_end else None
        if esds is not None:
            channels = _aac_channels(moov, esds) or channels
        if timescale == 0 or sample_rate == 0 or channels == 0:
            raise UnsupportedMediaError(
                f"audio track with timescale {timescale}, rate {sample_rate}, {channels} channels",
                file=path,
            )
        media_units = _edited_duration(moov, lo, hi, movie_timescale, timescale)
        frames = (duration if media_units is None else media_units) * sample_rate
        return MediaInfo(
            path=path,
            container="mp4",
            codec=codec,
            frames=int((frames + timescale // 2) // timescale),
            channels=int(channels),
            sample_rate=int(sample_rate),
        )
    if damage is not None:
        raise damage
    raise UnsupportedMediaError("no audio track in the MP4 file; expected one", file=path)


def _edited_duration(
    data: bytes, lo: int, hi: int, movie_timescale: int, media_timescale: int
) -> int | None:
    """The track's presented length in media units, from its edit list: encoders put the codec's
    priming samples before the first edit, so ``mdhd`` alone overcounts by them."""
    edts = _child(data, lo, hi, b"edts")
    elst = _child(data, *edts, b"elst") if edts else None
    if elst is None or movie_timescale == 0:
        return None
    pos, end = elst
    version, _, count = _unpack(">B3sI", data, pos, end, "'elst' box")
    pos += 8
    layout, step = (">Qq", 20) if version == 1 else (">Ii", 12)
    # The count is the file's word; the box's size says how many entries really fit.
    total = 0
    for _ in range(min(count, (end - pos) // step)):
        segment, media_time = _unpack(layout, data, pos, end, "'elst' box")
        pos += step
        if media_time >= 0:  # -1 marks an empty edit (a delay), which holds no samples
            total += segment
    if total == 0:
        return None
    return (total * media_timescale + movie_timescale // 2) // movie_timescale


def _byte(data: bytes, pos: int, end: int) -> int:
    if not 0 <= pos < min(end, len(data)):
        raise _BadBox("an 'esds' descriptor is shorter than its fields")
    return data[pos]


def _descriptors(data: bytes, pos: int, end: int) -> Iterator[tuple[int, int, int]]:
    """(tag, payload start, payload end) of MPEG-4 descriptors in ``data[pos:end]``."""
    while pos < end:
        tag = _byte(data, pos, end)
        pos += 1
        length = 0
        for _ in range(4):
            byte = _byte(data, pos, end)
            pos += 1
            length = (length << 7) | (byte & 0x7F)
            if not byte & 0x80:
                break
        yield tag, pos, min(pos + length, end)
        pos += length


_SOUND_ENTRY_BYTES = {0: 36, 1: 52, 2: 72}
"""Bytes of an audio sample entry before its child boxes, by the entry's version."""

# Channels per AAC channel configuration (ISO 14496-3 table 1.19); 0: reserved, or "in a PCE".
_AAC_CHANNELS = (0, 1, 2, 3, 4, 5, 6, 8, 0, 0, 0, 7, 8, 24, 8, 0)


def _aac_channels(data: bytes, esds: tuple[int, int]) -> int:
    """The channel count in an ``esds`` box's AudioSpecificConfig (0 when absent)."""
    for tag, lo, hi in _descriptors(data, esds[0] + 4, esds[1]):
        if tag != 0x03:  # ES_Descriptor
            continue
        flags = _byte(data, lo + 2, hi)
        pos = lo + 3
        pos += 2 if flags & 0x80 else 0
        pos += 1 + _byte(data, pos, hi) if flags & 0x40 else 0
        pos += 2 if flags & 0x20 else 0
        for tag2, lo2, hi2 in _descriptors(data, pos, hi):
            if tag2 != 0x04:  # DecoderConfigDescriptor
                continue
            for tag3, lo3, hi3 in _descriptors(data, lo2 + 13, hi2):
                if tag3 == 0x05:  # DecoderSpecificInfo = AudioSpecificConfig
                    return _asc_channels(_Bits(data, lo3, hi3))
    return 0


class _Bits:
    """Big-endian bit reader over ``data[lo:hi]``; reading past ``hi`` is a damaged box."""

    def __init__(self, data: bytes, lo: int, hi: int) -> None:
        self._value = int.from_bytes(data[lo:hi], "big")
        self._left = 8 * (min(hi, len(data)) - lo)

    def read(self, bits: int) -> int:
        if bits > self._left:
            raise _BadBox("an AAC AudioSpecificConfig is shorter than its fields")
        self._left -= bits
        return (self._value >> self._left) & ((1 << bits) - 1)


_GA_OBJECT_TYPES = frozenset({1, 2, 3, 4, 6, 7, 17, 19, 20, 21, 22, 23})
"""AAC object types whose config is a GASpecificConfig (which may hold a PCE)."""


def _asc_channels(bits: _Bits) -> int:
    """Channels in an AudioSpecificConfig (ISO 14496-3 1.6.2.1): the channel configuration, or
    for configuration 0 the program config element's element list (0 when neither says)."""

    def object_type() -> int:
        kind = bits.read(5)
        return 32 + bits.read(6) if kind == 31 else kind

    def frequency() -> None:
        if bits.read(4) == 0x0F:  # an explicit 24-bit rate
            bits.read(24)

    kind = object_type()
    frequency()
    config = bits.read(4)
    if config:
        return _AAC_CHANNELS[config]
    if kind in (5, 29):  # SBR / PS: the extension's rate, then the core's object type
        frequency()
        kind = object_type()
    if kind not in _GA_OBJECT_TYPES:
        return 0
    bits.read(1)  # frameLengthFlag
    if bits.read(1):  # dependsOnCoreCoder
        bits.read(14)
    bits.read(1)  # extensionFlag
    bits.read(4 + 2 + 4)  # PCE: element tag, object type, frequency index
    front, side, back = bits.read(4), bits.read(4), bits.read(4)
    lfe = bits.read(2)
    bits.read(3 + 4)  # assoc data, coupling channel elements
    for width in (4, 4, 3):  # mono / stereo mixdown, matrix mixdown: present flag + value
        if bits.read(1):
            bits.read(width)
    channels = lfe
    for _ in range(front + side + back):  # at most 45 elements
        channels += 2 if bits.read(1) else 1  # a channel pair element, or a single one
        bits.read(4)
    return channels
