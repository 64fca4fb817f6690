"""Checked responses per second on one core, sp-sim against established libraries, in one
run with the validators interleaved (round by round) so that a noisy machine moves them all.

    python3 dev.py bench engine [--seconds 0.4] [--rounds 5] [--pysaml2]

Per signing variant (assertion, response, both) on an Entra-shaped response:
- floor: base64 + lxml parse + exc-c14n + SHA-256 + one RSA-2048 verify per signature
  (lxml, hashlib, cryptography): what verifying the signature alone costs at least;
- python-xmlsec alone: the same signature(s) verified by libxmlsec1, nothing else checked;
- sp-sim check_response: every check (auto verifier, and `Verifier.XMLSEC`);
- python3-saml 1.16 `is_valid`, strict (the full SP check of OneLogin's library);
- optionally pysaml2 (it shells out to the xmlsec1 binary per signature).
Then the size sweep (1 / 50 / 500 attributes, assertion signed): the cost per extra KB.
Fresh, distinct responses (new IDs, new signatures) are cycled through on every repeat.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import os
import statistics
import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import UTC, datetime
from itertools import cycle
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding
from lxml import etree
from onelogin.saml2.response import OneLogin_Saml2_Response
from onelogin.saml2.settings import OneLogin_Saml2_Settings

from sp_sim.core import CheckSettings, check_response
from sp_sim.core.libxmlsec import xmlsec
from sp_sim.core.mimecast import REGIONS
from sp_sim.core.settings import Address, Directory, Verifier
from sp_sim.core.xml import ASSERTION, DSIG, qname
from sp_sim.idp.config import load_idp
from sp_sim.idp.mint import Signing, Token, mint_response_element
from sp_sim.tenant import Account, AuthenticationProfile, Tenant

CLAIMS = "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/"
US = REGIONS["us"]
ENTITY_ID, ACS_URL = US.entity_id("CUSA1A1"), US.acs_url
POOL = 40  # distinct responses per variant, cycled


def pin_to_one_core() -> str:
    try:
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})
        return f"pinned to cpu {sorted(os.sched_getaffinity(0))[0]}"
    except (AttributeError, OSError):
        return "not pinned"


def token(issuer: str, now: datetime, signing: Signing, attributes: int) -> Token:
    values = tuple(
        (f"{CLAIMS}attribute{i}", (f"value {i} for B.Simon",)) for i in range(attributes)
    )
    return Token(
        issuer=issuer,
        audience=ENTITY_ID,
        recipient=ACS_URL,
        destination=ACS_URL,
        name_id="B.Simon@contoso.com",
        issue_instant=now,
        signing=signing,
        attributes=((f"{CLAIMS}emailaddress", ("B.Simon@contoso.com",)), *values),
    )


def responses(signing: Signing, attributes: int, now: datetime) -> list[bytes]:
    idp = load_idp()
    return [
        etree.tostring(
            mint_response_element(token(idp.issuer, now, signing, attributes), idp.active_key)
        )
        for _ in range(POOL)
    ]


def sp_sim_settings() -> CheckSettings:
    idp = load_idp()
    profile = AuthenticationProfile(
        "Entra ID SSO", issuer_url=idp.issuer, certificates=(idp.active_key.certificate,)
    )
    tenant = Tenant(
        Account("CUSA1A1", US),
        (profile,),
        Directory(
            frozenset({"contoso.com"}),
            (Address("B.Simon@contoso.com", "B.Simon", "Entra ID SSO", "personal_portal"),),
        ),
    )
    return tenant.check_settings()


# --- the floor: what verifying the signatures costs at the least ----------------------------


def floor(public_key: Any) -> Callable[[bytes], object]:
    def verify(encoded: bytes) -> object:
        root = etree.fromstring(base64.b64decode(encoded))
        for element in (root, root.find(qname(ASSERTION, "Assertion"))):
            signature = None if element is None else element.find(qname(DSIG, "Signature"))
            if element is None or signature is None:
                continue
            position = element.index(signature)
            element.remove(signature)
            canonical = etree.tostring(element, method="c14n", exclusive=True)
            element.insert(position, signature)
            signed_info = signature.find(qname(DSIG, "SignedInfo"))
            assert signed_info is not None
            digest = base64.b64encode(hashlib.sha256(canonical).digest()).decode()
            assert digest == signature.findtext(f".//{qname(DSIG, 'DigestValue')}")
            value = base64.b64decode(signature.findtext(qname(DSIG, "SignatureValue")) or "")
            public_key.verify(
                value,
                etree.tostring(signed_info, method="c14n", exclusive=True),
                padding.PKCS1v15(),
                hashes.SHA256(),
            )
        return root

    return verify


def python_xmlsec(key: Any) -> Callable[[bytes], object]:
    def verify(encoded: bytes) -> object:
        root = etree.fromstring(base64.b64decode(encoded))
        xmlsec.tree.add_ids(root, ["ID"])
        for signature in root.iter(qname(DSIG, "Signature")):
            context = xmlsec.SignatureContext()
            context.key = key
            context.verify(signature)
        return root

    return verify


def sp_sim(settings: CheckSettings, now: datetime) -> Callable[[bytes], object]:
    def check(encoded: bytes) -> object:
        report = check_response(b"SAMLResponse=" + encoded, settings, now)
        assert report.works, [str(f.code) for f in report.failures]
        return report

    return check


def python3_saml(certificate_b64: str, issuer: str) -> Callable[[bytes], object]:
    settings = OneLogin_Saml2_Settings(
        {
            "strict": True,
            "sp": {
                "entityId": ENTITY_ID,
                "assertionConsumerService": {"url": ACS_URL},
                "NameIDFormat": "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress",
            },
            "idp": {
                "entityId": issuer,
                "singleSignOnService": {"url": "https://login.example/saml2"},
                "x509cert": certificate_b64,
            },
            "security": {"wantAssertionsSigned": False, "wantMessagesSigned": False},
        },
        sp_validation_only=True,
    )
    request = {
        "https": "on",
        "http_host": US.host,
        "script_name": "/login/saml",
        "server_port": 443,
    }

    def check(encoded: bytes) -> object:
        response = OneLogin_Saml2_Response(settings, encoded.decode())
        assert response.is_valid(request), response.get_error()
        return response

    return check


def pysaml2_client(idp: Any) -> Callable[[bytes], object]:
    import tempfile  # noqa: PLC0415 - optional comparison, imported only when asked for
    from pathlib import Path  # noqa: PLC0415

    from saml2 import BINDING_HTTP_POST  # noqa: PLC0415
    from saml2.client import Saml2Client  # noqa: PLC0415
    from saml2.config import SPConfig  # noqa: PLC0415

    from sp_sim.idp.metadata import federation_metadata  # noqa: PLC0415

    folder = Path(tempfile.mkdtemp())
    (folder / "idp.xml").write_bytes(federation_metadata(idp, "https://login.example/saml2"))
    config = SPConfig()
    config.load(
        {
            "entityid": ENTITY_ID,
            "metadata": {"local": [str(folder / "idp.xml")]},
            "service": {
                "sp": {
                    "endpoints": {"assertion_consumer_service": [(ACS_URL, BINDING_HTTP_POST)]},
                    "allow_unsolicited": True,
                    "want_assertions_signed": False,
                    "want_response_signed": False,
                }
            },
            "xmlsec_binary": "/usr/bin/xmlsec1",
        }
    )
    client = Saml2Client(config)
    return lambda encoded: client.parse_authn_request_response(encoded.decode(), BINDING_HTTP_POST)


# --- the measurement ----------------------------------------------------------------------


def rates(
    contenders: dict[str, Callable[[bytes], object]],
    pool: list[bytes],
    seconds: float,
    rounds: int,
) -> dict[str, float]:
    """Median responses/s of each contender, measured round by round, interleaved."""
    encoded = [base64.b64encode(r) for r in pool]
    samples: dict[str, list[float]] = {name: [] for name in contenders}
    for work in contenders.values():
        work(encoded[0])  # warm up, and prove it passes
    for _ in range(rounds):
        for name, work in contenders.items():
            items: Iterator[bytes] = cycle(encoded)
            count, start = 0, time.perf_counter()
            while time.perf_counter() - start < seconds:
                work(next(items))
                count += 1
            samples[name].append(count / (time.perf_counter() - start))
    return {name: statistics.median(values) for name, values in samples.items()}


def print_table(title: str, measured: dict[str, float], size: int) -> None:
    base = measured["floor"]
    print(f"\n{title} ({size:,} bytes)")
    print(f"  {'':40} {'resp/s':>9} {'× floor':>8} {'sp-sim is':>10}")
    ours = measured["sp-sim check_response"]
    for name, rate in measured.items():
        print(f"  {name:40} {rate:9.0f} {rate / base:8.2f} {ours / rate:9.2f}×")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=0.4, help="per contender per round")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--pysaml2", action="store_true", help="also pysaml2 (slow)")
    args = parser.parse_args()
    print(f"sp-sim engine benchmark: {pin_to_one_core()}, {args.rounds} rounds interleaved")
    idp = load_idp()
    now = datetime.now(UTC)
    certificate = idp.active_key.certificate
    settings = sp_sim_settings()
    contenders: dict[str, Callable[[bytes], object]] = {
        "floor": floor(certificate.public_key),
        "python-xmlsec alone": python_xmlsec(certificate.xmlsec_key),
        "sp-sim check_response": sp_sim(settings, now),
        "sp-sim, verifier=xmlsec": sp_sim(replace(settings, verifier=Verifier.XMLSEC), now),
        "python3-saml 1.16 is_valid (strict)": python3_saml(certificate.base64, idp.issuer),
    }
    if args.pysaml2:
        contenders["pysaml2 parse_authn_request_response"] = pysaml2_client(idp)
    for signing in (Signing.ASSERTION, Signing.RESPONSE, Signing.BOTH):
        pool = responses(signing, 1, now)
        print_table(
            f"{signing.value} signed",
            rates(contenders, pool, args.seconds, args.rounds),
            len(pool[0]),
        )
    print("\nsize sweep, assertion signed: µs per check")
    sweep = {k: contenders[k] for k in ("floor", "sp-sim check_response")}
    points = []
    for attributes in (1, 50, 500):
        pool = responses(Signing.ASSERTION, attributes, now)
        measured = rates(sweep, pool, args.seconds, args.rounds)
        points.append((len(pool[0]), {k: 1e6 / v for k, v in measured.items()}))
        print(
            f"  {attributes:4} attributes, {len(pool[0]):8,} bytes: "
            + ", ".join(f"{k} {v:7.0f} µs" for k, v in points[-1][1].items())
        )
    (small, at_small), (large, at_large) = points[0], points[-1]
    kilobytes = (large - small) / 1024
    slopes = {k: (at_large[k] - at_small[k]) / kilobytes for k in at_small}
    print(
        "  per extra KB: "
        + ", ".join(f"{k} {v:.1f} µs" for k, v in slopes.items())
        + f"; sp-sim's slope is {slopes['sp-sim check_response'] / slopes['floor']:.1f}×"
        " the floor's"
    )


if __name__ == "__main__":
    main()
