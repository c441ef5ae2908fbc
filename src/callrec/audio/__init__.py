"""Audio at the edge: reading headers (and, later, blocks) of media files."""

from .probe import MediaInfo, probe_media

__all__ = ["MediaInfo", "probe_media"]
