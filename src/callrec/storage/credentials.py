"""Which credentials a blob URL is opened with, and keeping every one of them out of what
callrec says or writes.

The Azure way, in this order: ``--storage-option KEY=VALUE`` (a SAS token, an account key, any
option of adlfs's ``AzureBlobFileSystem``) when they name an account or a credential; otherwise
``AZURE_STORAGE_CONNECTION_STRING``; otherwise ``AZURE_STORAGE_ACCOUNT_NAME`` with
azure-identity's ``DefaultAzureCredential`` (a managed identity, ``az login``, the
``AZURE_CLIENT_*`` variables).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping
from typing import Any

from ..errors import UsageError
from ..safety.redaction import SECRET_MASK, looks_secret, redact_text

__all__ = [
    "ACCOUNT_NAME_ENV",
    "CONNECTION_STRING_ENV",
    "Secrets",
    "parse_storage_options",
    "resolve_storage_options",
]

CONNECTION_STRING_ENV = "AZURE_STORAGE_CONNECTION_STRING"
ACCOUNT_NAME_ENV = "AZURE_STORAGE_ACCOUNT_NAME"

_ACCOUNT_OPTIONS = frozenset(
    {
        "connection_string",
        "account_name",
        "account_key",
        "sas_token",
        "credential",
        "client_id",
        "client_secret",
        "tenant_id",
        "anon",
    }
)
"""Options that say which account, or how to sign in: given any, the environment is not used."""

_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def parse_storage_options(pairs: Iterable[str]) -> dict[str, Any]:
    """``KEY=VALUE`` texts (``--storage-option``) as options; ``true``/``false`` as booleans.

    Raises
    ------
    UsageError
        A text without ``=``, or a key that is not a Python name (never quoting the value:
        it may be a secret).
    """
    options: dict[str, Any] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        key = key.strip()
        if not sep or not _KEY.fullmatch(key):
            shown = key if _KEY.fullmatch(key) else "…"
            raise UsageError(
                f"--storage-option {shown}: expected KEY=VALUE, such as sas_token=… or "
                "account_name=…"
            )
        lowered = value.strip().lower()
        options[key] = lowered == "true" if lowered in ("true", "false") else value
    return options


def resolve_storage_options(
    given: Mapping[str, Any] | None = None, environ: Mapping[str, str] | None = None
) -> dict[str, Any]:
    """The options a blob file system is opened with (see the module's text for the order)."""
    env = os.environ if environ is None else environ
    options = dict(given or {})
    if _ACCOUNT_OPTIONS & options.keys():
        return options
    if env.get(CONNECTION_STRING_ENV):
        options["connection_string"] = env[CONNECTION_STRING_ENV]
    elif env.get(ACCOUNT_NAME_ENV):
        # adlfs signs in with DefaultAzureCredential for an account without a key or token.
        options.update(account_name=env[ACCOUNT_NAME_ENV], anon=False)
    return options


_CONNECTION_PARTS = re.compile(r"(?:AccountKey|SharedAccessSignature)=([^;]+)", re.IGNORECASE)

ADLFS_ENV_SECRETS = {
    "AZURE_STORAGE_CONNECTION_STRING": "connection_string",
    "AZURE_STORAGE_ACCOUNT_KEY": "account_key",
    "AZURE_STORAGE_SAS_TOKEN": "sas_token",
    "AZURE_STORAGE_CLIENT_SECRET": "client_secret",
}
"""Variables adlfs itself falls back on for an option not given: their values are secrets too."""


class Secrets:
    """The secret values among some storage options (and the environment variables adlfs falls
    back on), and :meth:`scrub`, which takes them out of a text (an error from the storage
    service or its client library)."""

    def __init__(
        self, options: Mapping[str, Any], environ: Mapping[str, str] | None = None
    ) -> None:
        env = os.environ if environ is None else environ
        fallbacks = {
            option: env[name] for name, option in ADLFS_ENV_SECRETS.items() if env.get(name)
        }
        values: set[str] = set()
        for key, value in [*options.items(), *fallbacks.items()]:
            if not isinstance(value, str) or not value:
                continue
            if key == "connection_string":
                values.add(value)
                values.update(m.group(1) for m in _CONNECTION_PARTS.finditer(value))
            elif looks_secret(key) or key in ("client_id", "tenant_id"):
                values.add(value)
        # The longest first: a key inside a connection string goes with the string.
        self._values = sorted(values, key=len, reverse=True)

    def scrub(self, text: str) -> str:
        for value in self._values:
            text = text.replace(value, SECRET_MASK)
        # A SAS token also travels in URLs' query strings, which redact_text drops.
        return redact_text(text)

    def __repr__(self) -> str:
        return f"Secrets({len(self._values)} hidden)"
