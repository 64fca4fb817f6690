"""Checked responses per second: sp-sim's engine against pysaml2, on one Entra-shaped
response (about 6 KB, assertion signed, RSA-SHA256), in one run on one core.

    python3 dev.py bench engine [--seconds 5]

pysaml2 is the established Python SP library; by default it verifies with the xmlsec1
binary (a subprocess per signature), which is what most deployments run.
"""

from __future__ import annotations

import argparse
import base64
import tempfile
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from saml2 import BINDING_HTTP_POST
from saml2.client import Saml2Client
from saml2.config import SPConfig

from sp_sim.core import check_response
from sp_sim.core.schema import schema_errors
from sp_sim.core.xml import parse_untrusted
from sp_sim.idp.config import load_idp
from sp_sim.idp.metadata import federation_metadata
from sp_sim.idp.tokens import issue_response
from sp_sim.tenant import load_tenant


def rate(label: str, work: Callable[[], object], seconds: float) -> float:
    work()  # warm up
    count, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        work()
        count += 1
    per_second = count / (time.perf_counter() - start)
    print(f"{label:34} {per_second:10.1f} responses/s  ({1000 / per_second:7.3f} ms each)")
    return per_second


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=5.0)
    args = parser.parse_args()
    idp = load_idp()
    demo = Path(__file__).resolve().parent.parent / "sp_sim" / "demo" / "tenant.toml"
    tenant = load_tenant(demo)
    app, user = idp.apps[0], idp.users[0]
    now = datetime.now(UTC)
    response = issue_response(idp, app, user, now)
    settings = replace(
        tenant.check_settings(), certificates=(idp.active_key.certificate,), idp_issuer=idp.issuer
    )
    assert check_response(response, settings, now).works
    print(f"one Entra-shaped response: {len(response):,} bytes, assertion signed, RSA-SHA256\n")

    ours = rate(
        "sp-sim check_response", lambda: check_response(response, settings, now), args.seconds
    )
    root = parse_untrusted(response)
    schema = rate("  of which: SAML 2.0 schema check", lambda: schema_errors(root), args.seconds)
    print(f"  the schema check is {100 * ours / schema:.1f}% of a full check\n")

    with tempfile.TemporaryDirectory() as folder:
        metadata = Path(folder) / "idp.xml"
        metadata.write_bytes(federation_metadata(idp, "https://login.example/saml2"))
        config = SPConfig()
        config.load(
            {
                "entityid": tenant.account.entity_id,
                "metadata": {"local": [str(metadata)]},
                "service": {
                    "sp": {
                        "endpoints": {
                            "assertion_consumer_service": [
                                (tenant.account.acs_url, BINDING_HTTP_POST)
                            ]
                        },
                        "allow_unsolicited": True,
                        "want_assertions_signed": True,
                        "want_response_signed": False,
                    }
                },
                "xmlsec_binary": "/usr/bin/xmlsec1",
            }
        )
        client = Saml2Client(config)
        encoded = base64.b64encode(response).decode()

        def pysaml2() -> object:
            parsed = client.parse_authn_request_response(encoded, BINDING_HTTP_POST)
            assert parsed is not None
            assert parsed.name_id is not None
            return parsed

        theirs = rate("pysaml2 parse_authn_request_response", pysaml2, args.seconds)
    print(
        f"\nratio: sp-sim is {ours / theirs:.1f} times pysaml2 (and reports every check, "
        "not the first failure)"
    )


if __name__ == "__main__":
    main()
