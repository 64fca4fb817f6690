"""What both bindings share: their names, the parameters a message travels in, the one
error type hostile input raises, and SAML IDs as Entra writes them."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from enum import StrEnum

from sp_sim.core.errors import SpSimError


class Binding(StrEnum):
    """The two bindings a browser carries SAML messages in (SAML Bindings §3.4, §3.5). The
    values are the short names the CLI and `ServerOptions.binding` use; `uri` is the name
    in metadata and in an AuthnRequest's ProtocolBinding."""

    REDIRECT = "redirect"
    POST = "post"

    @property
    def uri(self) -> str:
        """The binding's URI, e.g. urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST."""
        suffix = "HTTP-Redirect" if self is Binding.REDIRECT else "HTTP-POST"
        return f"urn:oasis:names:tc:SAML:2.0:bindings:{suffix}"


class Parameter(StrEnum):
    """The query or form parameter that holds the message: SAMLRequest for a request,
    SAMLResponse for a response (Bindings §3.4.4, §3.5.4)."""

    REQUEST = "SAMLRequest"
    RESPONSE = "SAMLResponse"


class BindingError(SpSimError, ValueError):
    """A message that cannot be read off its binding: no message parameter, one twice, not
    base64, not DEFLATE, or larger than the limit. The only exception the readers raise on
    what a sender controls; the message says what is wrong."""


class TooLarge(BindingError):
    """The message inflates to more than the limit; `head` is what the limit let through."""

    def __init__(self, limit: int, head: bytes) -> None:
        super().__init__(f"the message inflates to more than {limit:,} bytes")
        self.limit = limit
        self.head = head


_BINDING_PARAMETERS = (*Parameter, "RelayState", "SigAlg", "Signature")


def new_id() -> str:
    """A message ID as Entra writes them: an underscore and a GUID. An xs:ID must not start
    with a digit, and Entra refuses a request whose ID does (AADSTS75005)."""
    return f"_{uuid.uuid4()}"


def binding_fields(pairs: Iterable[tuple[str, str]], where: str) -> dict[str, str]:
    """The binding's parameters among `pairs` (a query's or a form's, in order): exactly one
    message parameter, not empty, and each parameter at most once. Raises BindingError
    naming what is wrong, with `where` ("query", "form") in the sentence."""
    found: dict[str, str] = {}
    for name, value in pairs:
        if name not in _BINDING_PARAMETERS:
            continue
        if name in found:
            # Two of one: the signature could cover one and the reader take the other.
            raise BindingError(f"{name} appears twice in the {where}")
        found[name] = value
    present = [p for p in Parameter if p in found]
    if not present:
        raise BindingError(f"the {where} has neither SAMLRequest nor SAMLResponse")
    if len(present) > 1:
        raise BindingError(f"the {where} has both SAMLRequest and SAMLResponse")
    if not found[present[0]]:
        raise BindingError(f"{present[0]} is empty")
    return found


def message_parameter(fields: dict[str, str]) -> Parameter:
    """Which message parameter `binding_fields` found."""
    return next(p for p in Parameter if p in fields)
