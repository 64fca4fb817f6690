"""Status: did the IdP say Success?

SAML Core §3.2.2.2. Entra puts its AADSTS error text in StatusMessage (and in
StatusDetail), with the top-level code Requester or Responder.
"""

from __future__ import annotations

from lxml import etree

from sp_sim.core.aadsts import find_aadsts
from sp_sim.core.codes import Code
from sp_sim.core.model import Finding, Status
from sp_sim.core.xml import PROTOCOL, STATUS_SUCCESS, qname, text_of


def check_status(response: etree._Element) -> tuple[bool, Finding]:
    """(succeeded, finding) for the Response's Status element."""
    status = response.find(qname(PROTOCOL, "Status"))
    if status is None:
        return False, Finding(
            Code.STATUS_MISSING,
            Status.FAIL,
            "The Response has no Status.",
            expected=STATUS_SUCCESS,
            location="/Response/Status",
        )
    top = status.find(qname(PROTOCOL, "StatusCode"))
    value = "" if top is None else top.get("Value", "")
    if value == STATUS_SUCCESS:
        return True, Finding(
            Code.STATUS_SUCCESS,
            Status.PASS,
            "The IdP reports success.",
            expected=STATUS_SUCCESS,
            observed=value,
            location="/Response/Status/StatusCode",
        )
    second = None if top is None else top.find(qname(PROTOCOL, "StatusCode"))
    message = text_of(status.find(qname(PROTOCOL, "StatusMessage"))) or ""
    detail = status.find(qname(PROTOCOL, "StatusDetail"))
    detail_text = text_of(detail) if detail is not None else ""
    codes = " / ".join(v for v in (value, None if second is None else second.get("Value")) if v)
    aadsts = find_aadsts(message) or find_aadsts(detail_text)
    said = message or detail_text or "no message"
    explained = f" {aadsts.code}: {aadsts.meaning}" if aadsts else ""
    return False, Finding(
        Code.STATUS_ERROR,
        Status.FAIL,
        f"The IdP answered with an error, not an assertion.{explained} It said: {said}",
        expected=STATUS_SUCCESS,
        observed=codes or "(no StatusCode)",
        hint=aadsts.hint if aadsts else None,
        location="/Response/Status",
    )
