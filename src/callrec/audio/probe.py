"""Read what a media file holds (frames, channels, sample rate) from its header only.

WAV, MP3 and FLAC go through soundfile (libsndfile). For MP4 the audio track's ``mdhd`` and
``stsd`` boxes are read directly: that is a few kilobytes of parsing, and needs no decoder.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from ..errors import EmptyMediaError, MediaError, UnsupportedMediaError
from ._native import NativeStderr

__all__ = ["MediaInfo", "probe_media"]

_MP4_SUFFIXES = frozenset({".mp4", ".m4a", ".mov"})
_MAX_MOOV_BYTES = 256 * 1024 * 1024


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


def probe_media(path: str | Path) -> MediaInfo:
    """Read a media file's header.

    Raises
    ------
    EmptyMediaError
        The file has no bytes, or declares no audio frames.
    UnsupportedMediaError
        The file is not a container/encoding callrec reads.
    MediaError
        The file cannot be opened.
    """
    path = Path(path)
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise MediaError(f"cannot be read: {exc.strerror or exc}", file=path) from None
    if size == 0:
        raise EmptyMediaError("the file has zero bytes (an interrupted download?)", file=path)
    info = _probe_mp4(path) if path.suffix.lower() in _MP4_SUFFIXES else _probe_soundfile(path)
    if info.frames <= 0:
        raise EmptyMediaError(
            f"the header declares {info.frames} audio frames; expected at least one", file=path
        )
    return info


def _probe_soundfile(path: Path) -> MediaInfo:
    import soundfile

    # An MP3's decoder prints its complaints to descriptor 2; reading reports the damage.
    quiet = NativeStderr()
    try:
        if path.suffix.lower() == ".mp3":
            with quiet:
                info = soundfile.info(str(path))
        else:
            info = soundfile.info(str(path))
    except (RuntimeError, soundfile.LibsndfileError) as exc:
        if _looks_like_mp4(path):
            return _probe_mp4(path)
        raise UnsupportedMediaError(
            f"not a readable WAV/MP3/FLAC file ({exc}); expected audio in one of those formats",
            file=path,
        ) from None
    except OSError as exc:
        raise MediaError(f"cannot be read: {exc}", file=path) from None
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


def _looks_like_mp4(path: Path) -> bool:
    with path.open("rb") as fh:
        head = fh.read(12)
    return len(head) == 12 and head[4:8] == b"ftyp"


def _boxes(data: bytes, start: int = 0, end: int | None = None) -> Iterator[tuple[bytes, int, int]]:
    """(type, payload start, payload end) of the boxes in ``data[start:end]``."""
    end = len(data) if end is None else end
    pos = start
    while pos + 8 <= end:
        size, kind = struct.unpack_from(">I4s", data, pos)
        header = 8
        if size == 1:
            if pos + 16 > end:
                return
            size = struct.unpack_from(">Q", data, pos + 8)[0]
            header = 16
        elif size == 0:
            size = end - pos
        if size < header or pos + size > end:
            return
        yield kind, pos + header, pos + size
        pos += size


def _child(data: bytes, start: int, end: int, kind: bytes) -> tuple[int, int] | None:
    for found, lo, hi in _boxes(data, start, end):
        if found == kind:
            return lo, hi
    return None


def _read_moov(fh: BinaryIO, path: Path) -> bytes:
    while True:
        header = fh.read(8)
        if len(header) < 8:
            raise UnsupportedMediaError("no 'moov' box; expected an MP4 file with audio", file=path)
        size, kind = struct.unpack(">I4s", header)
        consumed = 8
        if size == 1:
            size = struct.unpack(">Q", fh.read(8))[0]
            consumed = 16
        if kind == b"moov":
            if size == 0 or size - consumed > _MAX_MOOV_BYTES:
                raise UnsupportedMediaError("the 'moov' box is too large to be real", file=path)
            body = fh.read(size - consumed)
            if len(body) < size - consumed:
                raise UnsupportedMediaError("the 'moov' box is truncated", file=path)
            return body
        if size == 0:
            raise UnsupportedMediaError("no 'moov' box; expected an MP4 file with audio", file=path)
        if size < consumed:
            raise UnsupportedMediaError(f"a box of impossible size {size}", file=path)
        fh.seek(size - consumed, 1)


def _probe_mp4(path: Path) -> MediaInfo:
    try:
        with path.open("rb") as fh:
            moov = _read_moov(fh, path)
        return _audio_track_info(moov, path)
    except struct.error:
        raise UnsupportedMediaError("an MP4 box is truncated", file=path) from None
    except IndexError:
        raise UnsupportedMediaError("an MP4 descriptor is truncated", file=path) from None
    except MediaError:
        raise
    except OSError as exc:
        raise MediaError(f"cannot be read: {exc}", file=path) from None


def _full_box_times(data: bytes, box: tuple[int, int]) -> tuple[int, int]:
    """(timescale, duration) of an ``mvhd`` or ``mdhd`` box, either version."""
    pos = box[0]
    if data[pos] == 1:
        timescale, duration = struct.unpack_from(">IQ", data, pos + 20)
    else:
        timescale, duration = struct.unpack_from(">II", data, pos + 12)
    return int(timescale), int(duration)


def _audio_track_info(moov: bytes, path: Path) -> MediaInfo:
    mvhd = _child(moov, 0, len(moov), b"mvhd")
    movie_timescale = _full_box_times(moov, mvhd)[0] if mvhd else 0
    for kind, lo, hi in _boxes(moov):
        if kind != b"trak":
            continue
        mdia = _child(moov, lo, hi, b"mdia")
        hdlr = _child(moov, *mdia, b"hdlr") if mdia else None
        if mdia is None or hdlr is None or moov[hdlr[0] + 8 : hdlr[0] + 12] != b"soun":
            continue
        mdhd = _child(moov, *mdia, b"mdhd")
        minf = _child(moov, *mdia, b"minf")
        stbl = _child(moov, *minf, b"stbl") if minf else None
        stsd = _child(moov, *stbl, b"stsd") if stbl else None
        if mdhd is None or stsd is None:
            raise UnsupportedMediaError("the audio track lacks 'mdhd' or 'stsd'", file=path)
        timescale, duration = _full_box_times(moov, mdhd)
        entry = stsd[0] + 8  # past version/flags and entry count
        entry_end = entry + struct.unpack_from(">I", moov, entry)[0]
        codec = moov[entry + 4 : entry + 8].decode("latin-1").strip()
        channels = struct.unpack_from(">H", moov, entry + 24)[0]
        sample_rate = struct.unpack_from(">I", moov, entry + 32)[0] >> 16 or timescale
        # The sample entry's channel count is often a fixed 2; AAC's own config says the truth.
        esds = _child(moov, entry + 36, entry_end, b"esds")
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
    pos = elst[0]
    version = data[pos]
    count = struct.unpack_from(">I", data, pos + 4)[0]
    pos += 8
    total = 0
    for _ in range(count):
        if version == 1:
            segment, media_time = struct.unpack_from(">Qq", data, pos)
            pos += 20
        else:
            segment, media_time = struct.unpack_from(">Ii", data, pos)
            pos += 12
        if media_time >= 0:  # -1 marks an empty edit (a delay), which holds no samples
            total += segment
    if total == 0:
        return None
    return (total * media_timescale + movie_timescale // 2) // movie_timescale


def _descriptors(data: bytes, pos: int, end: int) -> Iterator[tuple[int, int, int]]:
    """(tag, payload start, payload end) of MPEG-4 descriptors in ``data[pos:end]``."""
    while pos < end:
        tag = data[pos]
        pos += 1
        length = 0
        for _ in range(4):
            byte = data[pos]
            pos += 1
            length = (length << 7) | (byte & 0x7F)
            if not byte & 0x80:
                break
        yield tag, pos, min(pos + length, end)
        pos += length


def _aac_channels(data: bytes, esds: tuple[int, int]) -> int:
    """The channel configuration in an ``esds`` box's AudioSpecificConfig (0 when absent)."""
    for tag, lo, hi in _descriptors(data, esds[0] + 4, esds[1]):
        if tag != 0x03:  # ES_Descriptor
            continue
        flags = data[lo + 2]
        pos = lo + 3
        pos += 2 if flags & 0x80 else 0
        pos += 1 + data[pos] if flags & 0x40 else 0
        pos += 2 if flags & 0x20 else 0
        for tag2, lo2, hi2 in _descriptors(data, pos, hi):
            if tag2 != 0x04:  # DecoderConfigDescriptor
                continue
            for tag3, lo3, _hi3 in _descriptors(data, lo2 + 13, hi2):
                if tag3 == 0x05:  # DecoderSpecificInfo = AudioSpecificConfig
                    frequency_index = ((data[lo3] & 0x07) << 1) | (data[lo3 + 1] >> 7)
                    if frequency_index == 0x0F:  # an explicit 24-bit rate comes first
                        return (data[lo3 + 4] >> 7) | ((data[lo3 + 5] & 0x07) << 1)
                    return (data[lo3 + 1] >> 3) & 0x0F
    return 0
