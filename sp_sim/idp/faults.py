"""Faults applied to a signed Response: what an attacker or a broken hop does to it.

Each is a named function `(response element) -> bytes`; the signature-wrapping variants
are `sp_sim.idp.wrapping`'s.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import timedelta
from functools import cache
from typing import Any

from lxml import etree

from sp_sim.core.certs import Certificate
from sp_sim.core.keys import SigningKey
from sp_sim.core.libxmlsec import xmlsec
from sp_sim.core.xml import ASSERTION, DSIG, qname
from sp_sim.idp.mint import Algorithm, Signing, Token
from sp_sim.idp.wrapping import WRAPPING_VARIANTS, Wrapping, assertion_in, serialized, wrap

__all__ = [
    "DOCTYPE_ATTACKS",
    "FAULTS",
    "LOGOUT_FAULTS",
    "WRAPPING_VARIANTS",
    "Fault",
    "FaultSet",
    "FaultValue",
    "Wrapping",
    "comment_in_name_id",
    "duplicate_assertion",
    "encrypt_assertion",
    "fault_value",
    "swap_keyinfo",
    "tamper_name_id",
    "with_doctype",
    "with_value",
    "wrap",
]

_NAMEID = f"{qname(ASSERTION, 'Subject')}/{qname(ASSERTION, 'NameID')}"

Fault = Callable[[etree._Element], bytes]


def tamper_name_id(name_id: str) -> Fault:
    """Change the NameID after signing (a digest mismatch)."""

    def fault(response: etree._Element) -> bytes:
        name = assertion_in(response).find(_NAMEID)
        assert name is not None
        name.text = name_id
        return serialized(response)

    return fault


def comment_in_name_id(split_at: str) -> Fault:
    """Insert a comment inside the NameID text (signature stays valid under exc-c14n)."""

    def fault(response: etree._Element) -> bytes:
        name = assertion_in(response).find(_NAMEID)
        assert name is not None
        assert name.text is not None
        head, sep, tail = name.text.partition(split_at)
        name.text = head + sep
        comment = etree.Comment("")
        comment.tail = tail
        name.append(comment)
        return serialized(response)

    return fault


def duplicate_assertion(response: etree._Element) -> bytes:
    """Append a second, identical signed assertion."""
    response.append(copy.deepcopy(assertion_in(response)))
    return serialized(response)


def swap_keyinfo(certificate: Certificate) -> Fault:
    """Replace the KeyInfo certificate, leaving the signature as it was."""

    def fault(response: etree._Element) -> bytes:
        for element in response.iter(qname(DSIG, "X509Certificate")):
            element.text = certificate.base64
        return serialized(response)

    return fault


def encrypt_assertion(certificate: Certificate) -> Fault:
    """Entra's token encryption: AES-256-CBC content, RSA-OAEP key transport."""

    def fault(response: etree._Element) -> bytes:
        original = assertion_in(response)
        wrapper = etree.Element(qname(ASSERTION, "EncryptedAssertion"))
        original.addprevious(wrapper)
        response.remove(original)
        wrapper.append(original)
        template = xmlsec.template.encrypted_data_create(
            wrapper, xmlsec.Transform.AES256, type=xmlsec.EncryptionType.ELEMENT, ns="xenc"
        )
        xmlsec.template.encrypted_data_ensure_cipher_value(template)
        key_info = xmlsec.template.encrypted_data_ensure_key_info(template, ns="dsig")
        encrypted_key = xmlsec.template.add_encrypted_key(key_info, xmlsec.Transform.RSA_OAEP)
        xmlsec.template.encrypted_data_ensure_cipher_value(encrypted_key)
        manager = xmlsec.KeysManager()
        manager.add_key(xmlsec.Key.from_memory(certificate.der, xmlsec.KeyFormat.CERT_DER))
        context = xmlsec.EncryptionContext(manager)
        context.key = xmlsec.Key.generate(xmlsec.KeyData.AES, 256, xmlsec.KeyDataType.SESSION)
        context.encrypt_xml(template, original)
        return serialized(response)

    return fault


DOCTYPE_ATTACKS = {
    "billion-laughs": b'<?xml version="1.0"?>\n<!DOCTYPE r [<!ENTITY a "aaaaaaaaaa">'
    b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;">]>\n',
    "external-entity": b'<?xml version="1.0"?>\n<!DOCTYPE r [<!ENTITY x SYSTEM '
    b'"file:///etc/passwd">]>\n',
}


def with_doctype(attack: str, entity: str) -> Fault:
    """Prefix a DOCTYPE and use its entity inside the NameID."""

    def fault(response: etree._Element) -> bytes:
        name = assertion_in(response).find(_NAMEID)
        assert name is not None
        marker = "ENTITY-MARKER"
        name.text = marker
        body = serialized(response).replace(marker.encode(), f"&{entity};".encode())
        return DOCTYPE_ATTACKS[attack] + body

    return fault


LOGOUT_FAULTS: dict[str, str] = {
    "unsigned-logout": "logout messages without SigAlg/Signature",
    "logout-wrong-issuer": "[=URI] logout messages from another Issuer (another tenant)",
    "logout-other-key": "logout messages signed with a key the SP does not know",
    "logout-sha1": "logout messages signed with RSA-SHA1",
    "logout-tampered": "[=NAMEID] the logout message changed after signing (a LogoutRequest's "
    "NameID; a LogoutResponse's StatusMessage)",
    "logout-unknown-session": "[=INDEX] an IdP-initiated LogoutRequest names a SessionIndex "
    "the SP never issued",
    "logout-failed": "the LogoutResponse says Responder: the IdP could not log the user out",
}
"""Faults of the single-logout messages (LogoutRequest, LogoutResponse) the IdP sends."""

FAULTS: dict[str, str] = {
    "clock-offset": "=SECONDS: the IdP's clock runs ahead (or behind, negative)",
    "expired": "the token was issued two hours ago",
    "not-yet-valid": "the token is issued 30 minutes in the future",
    "wrong-audience": "[=URI] another Audience",
    "wrong-issuer": "[=URI] another Issuer (another tenant)",
    "wrong-destination": "[=URL] another Response Destination",
    "wrong-recipient": "[=URL] another SubjectConfirmationData Recipient",
    "wrong-in-response-to": "[=ID] InResponseTo names another request",
    "unsigned": "no signature at all",
    "other-key": "signed with a key the SP does not know",
    "sha1": "RSA-SHA1 and SHA-1 instead of SHA-256",
    "tampered": "[=NAMEID] the NameID changed after signing",
    **{v: f"[=NAMEID] signature wrapping, {v}" for v in WRAPPING_VARIANTS},
    "duplicate-assertion": "a second copy of the signed assertion",
    "replay": "the same assertion ID on every sign-in",
    "encrypted-assertion": "token encryption: an EncryptedAssertion",
    "comment-in-nameid": "a comment inside the NameID text, after signing",
    **LOGOUT_FAULTS,
}
_RESPONSE_SIGNED = {v for v in Wrapping if v.attacks_response}


@cache
def _other_key() -> SigningKey:
    return SigningKey.generate()


CLOCK_OFFSET_LIMIT = 366 * 24 * 3600
"""The largest clock offset (seconds, either way) the fake IdP's clock may run: a year."""


@dataclass(frozen=True)
class FaultValue:
    """What a fault's `=value` is: its name in FAULTS (`SECONDS`, `URI`, …), whether it
    must be given, and the range of a number."""

    kind: str
    required: bool
    minimum: int | None = None
    maximum: int | None = None

    def describe(self) -> str:
        if self.minimum is not None and self.maximum is not None:
            what = f"a whole number of seconds from {self.minimum} to {self.maximum}"
        else:
            what = f"a {self.kind}"
        return what + ("" if self.required else " (optional: a default is used without it)")


def fault_value(name: str) -> FaultValue | None:
    """The value `name` takes, read from its FAULTS description (`=X: …` required,
    `[=X] …` optional); None for a fault that takes none (or an unknown name)."""
    description = FAULTS.get(name, "")
    if description.startswith("="):
        kind = description[1:].partition(":")[0].strip()
        if name == "clock-offset":
            return FaultValue(kind, True, -CLOCK_OFFSET_LIMIT, CLOCK_OFFSET_LIMIT)
        return FaultValue(kind, True)
    if description.startswith("[="):
        return FaultValue(description[2:].partition("]")[0].strip(), False)
    return None


def _check_clock_offset(value: str) -> None:
    example = "e.g. clock-offset=300 (five minutes ahead) or clock-offset=-300"
    try:
        seconds = int(value)
    except ValueError:
        got = f"got {value!r}" if value else "got none"
        raise ValueError(
            f"the fault clock-offset=SECONDS needs a whole number of seconds ({got}): {example}"
        ) from None
    if abs(seconds) > CLOCK_OFFSET_LIMIT:
        raise ValueError(
            f"the fault clock-offset={value}: at most {CLOCK_OFFSET_LIMIT} seconds "
            f"(366 days) either way, {example}"
        )


def _check_value(name: str, has_value: bool, value: str) -> None:
    spec = fault_value(name)
    if spec is None and has_value:
        raise ValueError(f"the fault {name} takes no value (got {name}={value}): give it as {name}")
    if name == "clock-offset":
        _check_clock_offset(value)


@dataclass(frozen=True)
class FaultSet:
    """Named faults with optional values, as given in a config file, a flag or a call."""

    faults: tuple[tuple[str, str | None], ...] = ()

    @classmethod
    def parse(cls, specs: Iterable[str]) -> FaultSet:
        """From `name` or `name=value` strings. Raises ValueError naming an unknown fault."""
        parsed: list[tuple[str, str | None]] = []
        for spec in specs:
            name, has_value, value = spec.strip().partition("=")
            if name not in FAULTS:
                raise ValueError(f"unknown fault {name!r}; known: {', '.join(FAULTS)}")
            _check_value(name, bool(has_value), value)
            parsed.append((name, value if has_value else None))
        return cls(tuple(parsed))

    def merged(self, other: FaultSet | None) -> FaultSet:
        return self if other is None else FaultSet(self.faults + other.faults)

    @property
    def names(self) -> frozenset[str]:
        return frozenset(name for name, _ in self.faults)

    def value(self, name: str, default: str) -> str:
        return next((v for n, v in self.faults if n == name and v is not None), default)

    def shape_token(self, token: Token, app_id: str) -> Token:
        """Apply the faults that change what is signed."""
        names = self.names
        changes: dict[str, Any] = {}
        instant = token.issue_instant
        if "clock-offset" in names:
            instant += timedelta(seconds=int(self.value("clock-offset", "0")))
        if "expired" in names:
            instant -= timedelta(hours=2)
        if "not-yet-valid" in names:
            instant += timedelta(minutes=30)
        changes["issue_instant"] = instant
        if "wrong-audience" in names:
            changes["audience"] = self.value("wrong-audience", "urn:sp-sim:wrong-audience")
        if "wrong-issuer" in names:
            changes["issuer"] = self.value(
                "wrong-issuer", "https://sts.windows.net/00000000-0000-0000-0000-000000000000/"
            )
        if "wrong-destination" in names:
            changes["destination"] = self.value("wrong-destination", "https://wrong.invalid/acs")
        if "wrong-recipient" in names:
            changes["destination"] = changes.get(
                "destination", token.destination or token.recipient
            )
            changes["recipient"] = self.value("wrong-recipient", "https://wrong.invalid/acs")
        if "wrong-in-response-to" in names:
            changes["in_response_to"] = self.value("wrong-in-response-to", "_not-the-request")
        if "unsigned" in names:
            changes["signing"] = Signing.NONE
        elif names & _RESPONSE_SIGNED:
            changes["signing"] = Signing.RESPONSE
        if "sha1" in names:
            changes["algorithm"] = Algorithm.SHA1
        if "replay" in names:
            changes["assertion_id"] = f"_replayed-{app_id}"
        return replace(token, **changes)

    def signing_key(self, active: SigningKey) -> SigningKey:
        return _other_key() if "other-key" in self.names else active

    def logout_signing_key(self, active: SigningKey) -> SigningKey | None:
        """The key that signs logout messages: none when unsigned, another when asked."""
        if "unsigned-logout" in self.names:
            return None
        return _other_key() if "logout-other-key" in self.names else active

    def after_signing(
        self, response: etree._Element, encryption: Certificate | None = None
    ) -> bytes:
        """Apply the faults that change the signed message; returns the bytes to send."""
        names = self.names
        if "tampered" in names:
            tamper_name_id(self.value("tampered", "attacker@wrong.invalid"))(response)
        if "comment-in-nameid" in names:
            comment_in_name_id("@")(response)
        for variant in WRAPPING_VARIANTS:
            if variant in names:
                root = etree.fromstring(
                    wrap(variant, self.value(variant, "attacker@wrong.invalid"))(response)
                )
                response = root
        if "duplicate-assertion" in names:
            duplicate_assertion(response)
        if "encrypted-assertion" in names:
            encrypt_assertion(encryption or _other_key().certificate)(response)
        return serialized(response)


def with_value(names: Iterable[str], value: str) -> list[str]:
    """The faults a form chose (`names`, from its select) with the value typed in its value
    box: `name=value` for the one chosen. Raises ValueError for a value without a fault."""
    chosen = [n for n in names if n]
    value = value.strip()
    if not value:
        return chosen
    if len(chosen) != 1:
        raise ValueError(
            f"a fault value ({value!r}) was typed but {len(chosen) or 'no'} fault was chosen: "
            "pick the one fault the value belongs to, or clear the value box"
        )
    return [f"{chosen[0]}={value}"]
