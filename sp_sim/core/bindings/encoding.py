"""How a message is written into its parameter: base64 (Bindings §3.5.4), of raw DEFLATE
(RFC 1951) on HTTP-Redirect (§3.4.4.1). Inflating is bounded, so a deflate bomb costs at
most the limit."""

from __future__ import annotations

import base64
import binascii
import zlib
from urllib.parse import unquote

from sp_sim.core.bindings.model import Binding, BindingError, TooLarge

MAX_INFLATED = 1024 * 1024
"""The most bytes a Redirect message may inflate to."""
_RAW_DEFLATE = -15


def decode_base64(text: str, *, lenient: bool = False) -> bytes:
    """The bytes of base64 `text`, line breaks and spaces ignored. `lenient` also takes what
    users paste: percent-encoded, the URL-safe alphabet, padding missing. Raises
    BindingError when it is not base64."""
    compact = "".join(text.split())
    if lenient:
        if "%" in compact:
            compact = unquote(compact)
        compact = compact.replace("-", "+").replace("_", "/")
        compact += "=" * (-len(compact) % 4)
    try:
        return base64.b64decode(compact, validate=True)
    except (binascii.Error, ValueError):
        raise BindingError("the message is not base64") from None


def deflate(data: bytes) -> bytes:
    """Raw DEFLATE, as the Redirect binding compresses a message."""
    compressor = zlib.compressobj(wbits=_RAW_DEFLATE)
    return compressor.compress(data) + compressor.flush()


def inflate(raw: bytes, limit: int = MAX_INFLATED) -> bytes:
    """What raw DEFLATE `raw` inflates to. Raises BindingError when it is not DEFLATE, and
    TooLarge (holding the first `limit` bytes) when it inflates to more than `limit`."""
    inflater = zlib.decompressobj(_RAW_DEFLATE)
    try:
        # One byte over the limit tells "exactly the limit" from "more than the limit".
        data = inflater.decompress(raw, limit + 1)
    except zlib.error:
        raise BindingError("the message is not DEFLATE-compressed") from None
    if len(data) > limit:
        raise TooLarge(limit, data[:limit])
    return data


def encode_message(xml: bytes, binding: Binding) -> str:
    """The value of SAMLRequest / SAMLResponse for `binding`: base64, of raw DEFLATE on
    HTTP-Redirect."""
    data = deflate(xml) if binding is Binding.REDIRECT else xml
    return base64.b64encode(data).decode("ascii")


def decode_message(value: str, binding: Binding, limit: int = MAX_INFLATED) -> bytes:
    """The message in a (URL-decoded) SAMLRequest / SAMLResponse value sent with `binding`.
    Raises BindingError when it is not base64 or not DEFLATE, or inflates past `limit`."""
    raw = decode_base64(value)
    return inflate(raw, limit) if binding is Binding.REDIRECT else raw
