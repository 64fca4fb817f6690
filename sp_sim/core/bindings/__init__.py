"""The SAML bindings, once for the SP, the fake IdP, the engine and the support tools:
HTTP-Redirect (deflate, base64, the query, its signature over the received octets) and
HTTP-POST (base64 in a form field, the auto-post page), and SAML message IDs.

Pure: bytes and strings in and out, no sockets, no clock. Readers raise only
`BindingError` on what a sender controls (no message, a parameter twice, not base64,
not DEFLATE, a message inflating past the limit).

- model.py     Binding, Parameter, BindingError, new_id, the binding's fields
- encoding.py  base64 and raw DEFLATE, bounded
- redirect.py  HTTP-Redirect: build, sign, read, verify
- post.py      HTTP-POST: form fields, the auto-post page
"""

from sp_sim.core.bindings.encoding import (
    MAX_INFLATED,
    decode_base64,
    decode_message,
    deflate,
    encode_message,
    inflate,
)
from sp_sim.core.bindings.model import (
    Binding,
    BindingError,
    Parameter,
    TooLarge,
    binding_fields,
    message_parameter,
    new_id,
)
from sp_sim.core.bindings.post import (
    AutoPost,
    PostMessage,
    autopost,
    post_fields,
    read_autopost,
    read_post_form,
)
from sp_sim.core.bindings.redirect import (
    SIGNATURE_HASHES,
    RedirectMessage,
    append_query,
    read_redirect_query,
    redirect_query,
    redirect_signer,
    replace_message,
)

__all__ = [
    "MAX_INFLATED",
    "SIGNATURE_HASHES",
    "AutoPost",
    "Binding",
    "BindingError",
    "Parameter",
    "PostMessage",
    "RedirectMessage",
    "TooLarge",
    "append_query",
    "autopost",
    "binding_fields",
    "decode_base64",
    "decode_message",
    "deflate",
    "encode_message",
    "inflate",
    "message_parameter",
    "new_id",
    "post_fields",
    "read_autopost",
    "read_post_form",
    "read_redirect_query",
    "redirect_query",
    "redirect_signer",
    "replace_message",
]
