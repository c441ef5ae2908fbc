"""Where recordings live besides the local disk: Azure Blob storage (the ``azure`` extra).

:func:`open_location` turns ``az://CONTAINER/PREFIX`` (or ``abfs://``) into a
:class:`BlobPath`, a :class:`~pathlib.Path` that the stages read like a local file; credentials
come from :func:`resolve_storage_options` and never show (:class:`Secrets`).
"""

from .blob import (
    BLOCK_BYTES,
    PROTOCOLS,
    BlobPath,
    BlobStore,
    BlobStream,
    decoder_input,
    is_blob_url,
    open_location,
)
from .credentials import Secrets, parse_storage_options, resolve_storage_options

__all__ = [
    "BLOCK_BYTES",
    "PROTOCOLS",
    "BlobPath",
    "BlobStore",
    "BlobStream",
    "Secrets",
    "decoder_input",
    "is_blob_url",
    "open_location",
    "parse_storage_options",
    "resolve_storage_options",
]
