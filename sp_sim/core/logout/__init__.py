"""Single logout at the SP, pure: verify a LogoutRequest or LogoutResponse
(`check_redirect_logout`, `check_post_logout`). The bindings they arrive in are read by
`sp_sim.core.bindings`, which the SP and the fake IdP both use.

The query string or form as received, the profile's values and snapshots of the SP's
sessions and outstanding LogoutRequests in; a frozen `LogoutOutcome` out. No clock, no I/O.

- structure: SAMLRequest holds a samlp:LogoutRequest, SAMLResponse a samlp:LogoutResponse;
  each binding parameter once; Version 2.0, an ID, no two elements with one ID.
- issuer: "The <Issuer> element MUST be present and MUST contain the unique identifier of
  the requesting entity" (SAML Profiles §4.4.4.1): the profile's Issuer URL, exactly.
- signature: HTTP-Redirect, over `SAMLRequest=…&RelayState=…&SigAlg=…` as received
  (Bindings §3.4.4.1); HTTP-POST, the enveloped XML signature. Only what the signature
  covers is read afterwards.
- session: a LogoutRequest's NameID and SessionIndex name a session this SP issued; "If
  no <SessionIndex> elements are supplied, then all sessions associated with the
  principal MUST be invalidated" (SAML Core §3.7.3.2).
- request and status: a LogoutResponse answers an outstanding LogoutRequest of this SP,
  with a top-level StatusCode of Success.
"""

from sp_sim.core.logout.model import (
    REQUEST_DENIED,
    REQUEST_UNSUPPORTED,
    REQUESTER,
    RESPONDER,
    UNKNOWN_PRINCIPAL,
    KnownSession,
    LogoutKind,
    LogoutOutcome,
    LogoutSettings,
)
from sp_sim.core.logout.verify import check_post_logout, check_redirect_logout

__all__ = [
    "REQUESTER",
    "REQUEST_DENIED",
    "REQUEST_UNSUPPORTED",
    "RESPONDER",
    "UNKNOWN_PRINCIPAL",
    "KnownSession",
    "LogoutKind",
    "LogoutOutcome",
    "LogoutSettings",
    "check_post_logout",
    "check_redirect_logout",
]
