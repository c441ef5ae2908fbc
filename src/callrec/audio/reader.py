"""Reading audio in blocks: soundfile for WAV/MP3/FLAC, PyAV (an optional extra) for MP4/AAC.

Blocks are ``(frames, channels)`` arrays: int16 when the file holds 16-bit PCM (nothing is
converted, so PCM survives bit for bit), float32 on the full-scale-1.0 scale otherwise. Memory is
one block, whatever the file's length.

A file that ends before its header says it should is read up to where it ends, and a
:class:`TruncatedMediaWarning` says how many frames there were. So is a file that changes shape
midstream (an MP4 whose decoded frames stop matching the stream's channels, sample format or
rate): what follows the change is damage, never handed to native conversion code.
"""

from __future__ import annotations

import struct
import warnings
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from pathlib import Path
from types import TracebackType
from typing import Any

import numpy as np

from ..errors import (
    Finding,
    MediaError,
    UnreadableMediaError,
    UnsupportedMediaError,
    UsageError,
)
from ..safety.limits import MAX_MEDIA_S
from ..safety.paths import as_path
from ..storage.blob import BlobPath, BlobStream
from ._native import NativeStderr
from .probe import MediaInfo, probe_media

__all__ = [
    "DEFAULT_BLOCK_FRAMES",
    "AudioReader",
    "DecoderMessagesWarning",
    "TruncatedMediaWarning",
    "open_audio",
    "read_audio",
]

DEFAULT_BLOCK_FRAMES = 1 << 16
"""Frames per block where a fixed size is wanted (the grid size for up to 4 channels)."""

_INSTALL_MP4 = "pip install 'callrec[mp4]'"
_SALVAGE_FRAMES = 1152
"""One MPEG audio frame: the unit a damaged MP3 is re-read in to keep what precedes the damage."""


class TruncatedMediaWarning(UserWarning):
    """A media file holds fewer frames than its header declares.

    Attributes
    ----------
    file
        The media file.
    frames_read, frames_declared
        What was there, and what the header promised.
    """

    def __init__(self, file: Path, frames_read: int, frames_declared: int, why: str = "") -> None:
        self.file = file
        self.frames_read = frames_read
        self.frames_declared = frames_declared
        reason = f" ({why})" if why else ""
        super().__init__(
            f"{file}: truncated: read {frames_read} of the {frames_declared} frames the header "
            f"declares{reason}"
        )


class DecoderMessagesWarning(UserWarning):
    """The decoder complained while reading a file (corrupt frames it skipped or resynced over).

    Attributes
    ----------
    file
        The media file.
    messages
        What the decoder said, line by line.
    """

    def __init__(self, file: Path, messages: list[str]) -> None:
        self.file = file
        self.messages = list(messages)
        shown = "; ".join(dict.fromkeys(messages[:3]))
        more = f" (and {len(messages) - 3} more)" if len(messages) > 3 else ""
        super().__init__(f"{file}: the decoder reported damaged data: {shown}{more}")


@contextmanager
def reading_findings(found: list[Finding], chunk_index: int | None = None) -> Iterator[None]:
    """Inside, a file found truncated or damaged while it is read becomes a :class:`Finding` in
    ``found`` (``truncated-media``, ``decoder-messages``) instead of a warning: data about the
    input, never lost in a log. Other warnings pass on."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", TruncatedMediaWarning)
        warnings.simplefilter("always", DecoderMessagesWarning)
        try:
            yield
        finally:
            kept = list(caught)
    for warning in kept:
        said = warning.message
        if isinstance(said, TruncatedMediaWarning):
            found.append(Finding("truncated-media", str(said), chunk_index, said.file))
        elif isinstance(said, DecoderMessagesWarning):
            found.append(Finding("decoder-messages", str(said), chunk_index, said.file))
        else:
            warnings.warn_explicit(said, warning.category, warning.filename, warning.lineno)


def _wav_declared_frames(path: Path, block_align: int) -> int | None:
    """Frames the RIFF 'data' chunk declares, which libsndfile silently clips to the file."""
    try:
        return _riff_data_frames(path, block_align)
    except OSError:
        return None  # only a hint for the truncation warning: what libsndfile reads stands


def _riff_data_frames(path: Path, block_align: int) -> int | None:
    with path.open("rb") as fh:
        head = fh.read(12)
        if len(head) < 12 or head[:4] != b"RIFF" or head[8:12] != b"WAVE":
            return None
        while True:
            chunk = fh.read(8)
            if len(chunk) < 8:
                return None
            kind, size = struct.unpack("<4sI", chunk)
            size = int(size)
            if kind == b"data":
                if size in (0, 0xFFFFFFFF):  # streamed WAV: length unknown when it was written
                    return None
                return size // block_align
            fh.seek(size + (size & 1), 1)


class AudioReader:
    """An open media file, read block by block. Use as a context manager.

    Attributes
    ----------
    info
        What the header says (:class:`MediaInfo`).
    dtype
        The sample type of the blocks: int16 for 16-bit PCM, float32 otherwise.
    frames_read
        Frames delivered so far.
    position
        The frame the next block starts at.
    """

    def __init__(self, path: str | Path, *, max_length_s: int | None = MAX_MEDIA_S) -> None:
        self.path = as_path(path)
        self.info: MediaInfo = probe_media(self.path, max_length_s=max_length_s)
        self.frames_read = 0
        self.position = 0
        self._closed = False
        if self.info.container == "mp4":
            self._source: _Source = _Mp4Source(self.info)
        else:
            self._source = _SoundfileSource(self.info)
        self.dtype = self._source.dtype

    @property
    def sample_rate(self) -> int:
        return self.info.sample_rate

    @property
    def channels(self) -> int:
        return self.info.channels

    def blocks(
        self, frames: int | None = None, *, start: int | None = None, stop: int | None = None
    ) -> Iterator[np.ndarray]:
        """Yield ``(n, channels)`` blocks of ``frames`` frames (the last one shorter).

        The default is the core's grid for this many channels (65536 frames for 5 channels,
        262144 for one), so blocks pass through accumulators without a copy. Reading resumes
        where it stopped, so a second call continues the file.

        ``start`` and ``stop`` read frames ``[start, stop)`` only: WAV, FLAC and MP3 seek to
        ``start``, and the next call resumes at ``stop``. MP4 cannot seek (``UsageError``).
        """
        if frames is None:
            from ..dsp._blocks import grid_frames

            frames = grid_frames(self.channels)
        if frames < 1:
            raise UsageError(f"frames must be at least 1, got {frames}")
        if self._closed:
            raise MediaError("the reader is closed", file=self.path)
        if (start is not None or stop is not None) and not self._source.seekable:
            raise UsageError(f"{self.path.name}: MP4 is read from the start to the end only")
        if start is not None:
            if start < 0 or (stop is not None and stop < start):
                raise UsageError(f"expected 0 <= start <= stop, got start={start}, stop={stop}")
            self._seek(start)
        elif stop is not None and stop < self.position:
            raise UsageError(f"stop={stop} is before the reader's position {self.position}")
        for block in self._source.blocks(frames):
            if stop is not None and self.position + len(block) >= stop:
                past = self.position + len(block) > stop
                yield from self._deliver(block[: stop - self.position])
                if past:  # the frames decoded beyond stop are read again by the next call
                    self._source.seek(stop)
                return
            yield from self._deliver(block)
        self._at_end()

    def _deliver(self, block: np.ndarray) -> Iterator[np.ndarray]:
        self.position += len(block)
        self.frames_read += len(block)
        if len(block):
            yield block

    def _seek(self, frame: int) -> None:
        if frame != self.position:
            self._source.seek(frame)
            self.position = frame

    def _at_end(self) -> None:
        """The source ran out: say what the decoder said, and whether that was early."""
        said = self._source.decoder_messages()
        if said:
            warnings.warn(DecoderMessagesWarning(self.path, said), stacklevel=3)
        declared = self._source.declared_frames
        if self.position < declared:
            warnings.warn(
                TruncatedMediaWarning(self.path, self.position, declared, self._source.stop_reason),
                stacklevel=3,
            )

    def read(self) -> np.ndarray:
        """The rest of the file as one ``(frames, channels)`` array."""
        parts = list(self.blocks())
        if not parts:
            return np.zeros((0, self.channels), self.dtype)
        return np.concatenate(parts)

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            self._source.close()

    def __enter__(self) -> AudioReader:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()


class _Source:
    dtype: np.dtype
    declared_frames: int
    stop_reason: str = ""
    seekable = False

    def blocks(self, frames: int) -> Iterator[np.ndarray]:
        raise NotImplementedError

    def decoder_messages(self) -> list[str]:
        """What the decoder printed since the last call (then forgotten)."""
        return []

    def seek(self, frame: int) -> None:
        raise UsageError("this media cannot be read from a given frame; read it from the start")

    def close(self) -> None:
        raise NotImplementedError


def _stream_of(path: Path) -> BlobStream | None:
    """A blob's stream, which decoders read through callbacks; ``None`` for a local file, which
    they open by name."""
    return path.store.open_stream(path) if isinstance(path, BlobPath) else None


class _SoundfileSource(_Source):
    seekable = True

    def __init__(self, info: MediaInfo) -> None:
        import soundfile

        self._error = soundfile.LibsndfileError
        # libmpg123 prints to descriptor 2 itself; the other decoders stay silent.
        self._quiet: AbstractContextManager[object] = (
            NativeStderr() if info.container == "mp3" else nullcontext()
        )
        self._stream = _stream_of(info.path)
        try:
            with self._quiet:
                self._file = soundfile.SoundFile(self._stream or str(info.path))
        except (RuntimeError, soundfile.LibsndfileError) as exc:
            self._close_quiet()
            self._check_stream()
            raise UnsupportedMediaError(f"cannot be decoded: {exc}", file=info.path) from None
        except OSError as exc:
            self._close_quiet()
            raise UnreadableMediaError(
                f"cannot be read: {exc.strerror or exc}", file=info.path
            ) from None
        self._position = 0
        self._path = info.path
        pcm16 = self._file.subtype == "PCM_16"
        self.dtype = np.dtype(np.int16 if pcm16 else np.float32)
        self.declared_frames = int(self._file.frames)
        if self._file.format == "WAV" and pcm16:
            wav_frames = _wav_declared_frames(info.path, 2 * self._file.channels)
            if wav_frames is not None:
                self.declared_frames = max(self.declared_frames, wav_frames)

    def seek(self, frame: int) -> None:
        if frame > self.declared_frames:
            raise UsageError(f"frame {frame} is beyond the end ({self.declared_frames} frames)")
        try:
            with self._quiet:
                self._file.seek(frame)
        except (RuntimeError, self._error) as exc:
            raise UnsupportedMediaError(
                f"cannot seek to frame {frame}: {exc}", file=self._path
            ) from None
        self._position = frame

    def blocks(self, frames: int) -> Iterator[np.ndarray]:
        position = self._position
        while True:
            try:
                with self._quiet:
                    block = self._file.read(frames, dtype=self.dtype.name, always_2d=True)
                self._check_stream()
            except (RuntimeError, self._error) as exc:
                self._check_stream()
                # A failed read returns nothing of what it decoded before the damage: read the
                # block again in small pieces, keep what decodes, and say where it ended.
                rest = self._salvage(position, frames)
                if len(rest):
                    yield rest
                self.stop_reason = f"decoding stopped at frame {position + len(rest)}: {exc}"
                return
            if not len(block):
                return
            position += len(block)
            self._position = position
            yield block

    def _salvage(self, position: int, frames: int) -> np.ndarray:
        """What decodes of ``frames`` frames from ``position``, piece by piece, up to damage."""
        pieces: list[np.ndarray] = []
        try:
            with self._quiet:
                self._file.seek(position)
                for _ in range(-(-frames // _SALVAGE_FRAMES)):
                    piece = self._file.read(_SALVAGE_FRAMES, dtype=self.dtype.name, always_2d=True)
                    if not len(piece):
                        break
                    pieces.append(piece)
        except (RuntimeError, self._error):
            pass  # the damage: everything before it is in pieces
        if not pieces:
            return np.zeros((0, self._file.channels), self.dtype)
        return np.concatenate(pieces)[:frames]

    def decoder_messages(self) -> list[str]:
        if not isinstance(self._quiet, NativeStderr):
            return []
        said, self._quiet.messages = self._quiet.messages, []
        return said

    def _close_quiet(self) -> None:
        if isinstance(self._quiet, NativeStderr):
            self._quiet.close()

    def _check_stream(self) -> None:
        """A blob's read error, which the decoder took for the end of the file, raised; the
        stream closed with it."""
        if self._stream is not None and self._stream.failure is not None:
            self._stream.close()
            self._stream.check()

    def close(self) -> None:
        self._file.close()
        self._close_quiet()
        if self._stream is not None:
            self._stream.close()


# PyAV's AudioFrame.planes counts planes by walking frame->extended_data until a NULL pointer;
# for planar audio of 8 or more channels there is none within the array (the 8 inline data
# pointers are all set, or FFmpeg allocated exactly one pointer per channel), so to_ndarray()
# reads past it and the process dies (SIGSEGV). Found with an AAC stream whose in-band program
# config element switched it from 1 to 16 channels (and, in the field, to 54).
_MAX_PLANES = 7
_MAX_MP4_CHANNELS = 8
"""Channels an MP4 audio stream may have: a mixed call recording is mono or stereo; 7.1 is the
most any common AAC layout has."""

# Decoder sample format -> (scale, offset) to float32 on the full-scale-1.0 scale; a format
# outside this table has no to_ndarray() conversion and is not read.
_FORMAT_SCALE: dict[str, tuple[float, float]] = {
    "flt": (1.0, 0.0),
    "fltp": (1.0, 0.0),
    "dbl": (1.0, 0.0),
    "dblp": (1.0, 0.0),
    "s16": (2.0**-15, 0.0),
    "s16p": (2.0**-15, 0.0),
    "s32": (2.0**-31, 0.0),
    "s32p": (2.0**-31, 0.0),
    "u8": (2.0**-7, -128.0),
    "u8p": (2.0**-7, -128.0),
}


class _Mp4Source(_Source):
    """AAC in MP4 through PyAV, whose wheels bundle FFmpeg's decoders (no system ffmpeg needed).

    Native code only ever sees frames that were checked first: the stream's declared channels,
    sample format and rate must agree with the header (and stay within what PyAV converts
    safely), and every decoded frame must match them before ``to_ndarray`` touches it. A frame
    that does not is damage: reading stops there, and the rest is reported as truncated.
    """

    def __init__(self, info: MediaInfo) -> None:
        try:
            import av
        except ImportError:
            raise UnsupportedMediaError(
                "reading MP4 audio needs the optional decoder PyAV; install it with "
                f"{_INSTALL_MP4}",
                file=info.path,
            ) from None
        self._av = av
        self._info = info
        # An MP4's index may sit at its end: FFmpeg seeks there, a ranged read for a blob.
        self._blob = _stream_of(info.path)
        try:
            # Tags are text only to FFmpeg: an encoder tag that is not UTF-8 must not stop audio.
            self._container = av.open(
                self._blob or str(info.path), mode="r", metadata_errors="replace"
            )
        except (av.error.FFmpegError, OSError, ValueError) as exc:
            self._check_blob()
            raise UnsupportedMediaError(f"cannot be decoded: {exc}", file=info.path) from None
        try:
            self._stream = self._checked_stream()
        except BaseException:
            self.close()
            raise
        self.dtype = np.dtype(np.float32)
        self.declared_frames = info.frames
        self._layout: str | None = None  # the first frame's; a change midstream is damage

    def _checked_stream(self) -> Any:  # av.AudioStream; av is an optional extra
        path, info = self._info.path, self._info
        audio = self._container.streams.audio
        if not audio:
            raise UnsupportedMediaError("no audio stream to decode", file=path)
        stream = audio[0]
        # None (whatever the stubs say) when FFmpeg has no decoder for the stream's codec tag.
        context = stream.codec_context
        if context is None:
            raise UnsupportedMediaError(
                "FFmpeg set up no decoder for the audio stream (an unknown codec, or a damaged "
                "header); expected AAC",
                file=path,
            )
        channels, rate = context.channels, context.sample_rate
        fmt = context.format.name if context.format is not None else None
        if channels and channels != info.channels:
            raise UnsupportedMediaError(
                f"the header declares {info.channels} channel(s), the audio stream {channels}",
                file=path,
            )
        if rate and rate != info.sample_rate:
            raise UnsupportedMediaError(
                f"the header declares {info.sample_rate} Hz, the audio stream {rate} Hz",
                file=path,
            )
        if fmt is not None and fmt not in _FORMAT_SCALE:
            raise UnsupportedMediaError(
                f"the audio stream's sample format {fmt!r} cannot be converted; expected one of "
                f"{', '.join(_FORMAT_SCALE)}",
                file=path,
            )
        limit = _MAX_PLANES if fmt is None or fmt.endswith("p") else _MAX_MP4_CHANNELS
        if info.channels > limit:
            raise UnsupportedMediaError(
                f"{info.channels} channels in {fmt or 'an unknown sample format'}; MP4 audio is "
                f"read with up to {limit} (PyAV cannot convert more planar channels safely)",
                file=path,
            )
        self._format = fmt
        return stream

    def _mismatch(self, frame: Any) -> str:  # frame: av.AudioFrame
        """What is wrong with a decoded frame, or "" when it is what the stream declared."""
        layout = frame.layout
        fmt = frame.format.name
        expected_fmt = self._format or fmt
        if (
            layout.nb_channels == self._info.channels
            and frame.sample_rate == self._info.sample_rate
            and fmt == expected_fmt
            and fmt in _FORMAT_SCALE
            and layout.name == (self._layout or layout.name)
        ):
            self._format, self._layout = fmt, layout.name
            return ""
        return (
            f"a frame of {layout.nb_channels} channel(s) ({layout.name}), {fmt} at "
            f"{frame.sample_rate} Hz where the stream has {self._info.channels} "
            f"({self._layout or 'as declared'}), {expected_fmt} at {self._info.sample_rate} Hz"
        )

    def _frames(self) -> Iterator[np.ndarray]:
        """Decoded audio as (n, channels) float32, trimmed to the edit list's presentation."""
        position = 0  # presentation frame of the next sample
        want = self._info.frames
        channels = self._info.channels
        try:
            for frame in self._container.decode(self._stream):
                wrong = self._mismatch(frame)
                if wrong:
                    self.stop_reason = (
                        f"the audio changes shape at frame {position}: {wrong}; the rest is "
                        "treated as damaged"
                    )
                    return
                data = frame.to_ndarray()
                data = data.T if frame.format.is_planar else data.reshape(-1, channels)
                scale, offset = _FORMAT_SCALE[frame.format.name]
                if scale != 1.0 or offset:
                    data = (data.astype(np.float32) + np.float32(offset)) * np.float32(scale)
                data = data.astype(np.float32, copy=False)
                start = frame.pts if frame.pts is not None else position
                skip = max(0, -start)  # priming samples the decoder did not drop
                if skip:
                    data = data[skip:]
                    start += skip
                data = data[: max(0, want - start)]  # the codec's end padding
                if len(data):
                    position = start + len(data)
                    yield np.ascontiguousarray(data)
                if position >= want:
                    return
        except self._av.error.FFmpegError as exc:
            self._check_blob()
            self.stop_reason = f"decoding stopped: {exc}"
        self._check_blob()

    def _check_blob(self) -> None:
        if self._blob is not None and self._blob.failure is not None:
            self.close()
            self._blob.check()

    def blocks(self, frames: int) -> Iterator[np.ndarray]:
        pending: list[np.ndarray] = []
        count = 0
        for data in self._frames():
            pending.append(data)
            count += len(data)
            if count >= frames:
                joined = np.concatenate(pending)
                cut = (len(joined) // frames) * frames
                for pos in range(0, cut, frames):
                    yield joined[pos : pos + frames]
                pending = [joined[cut:]] if cut < len(joined) else []
                count = len(joined) - cut
        if count:
            yield np.concatenate(pending)

    def close(self) -> None:
        if hasattr(self, "_container"):
            self._container.close()
        if self._blob is not None:
            self._blob.close()


def open_audio(path: str | Path, *, max_length_s: int | None = MAX_MEDIA_S) -> AudioReader:
    """Open a media file for reading in blocks (``max_length_s``: see
    :func:`~callrec.audio.probe_media`).

    Raises
    ------
    EmptyMediaError
        Zero bytes, or no audio frames.
    UnsupportedMediaError
        Not WAV/MP3/FLAC/MP4, an encoding that cannot be decoded, MP4 without PyAV installed,
        or a header that cannot be right (see :func:`~callrec.audio.probe_media`).
    UnreadableMediaError
        The file cannot be opened or read, or is not a regular file (a folder, a FIFO).
    """
    return AudioReader(path, max_length_s=max_length_s)


def read_audio(path: str | Path) -> tuple[np.ndarray, int]:
    """A whole media file as ``((frames, channels) array, sample_rate)``; see :class:`AudioReader`."""
    with open_audio(path) as reader:
        return reader.read(), reader.sample_rate
