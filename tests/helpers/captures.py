"""The genuine Entra responses in idp_fixtures/entra-captures (sources in its README), with
the settings and instant each is valid at."""

from __future__ import annotations

from pathlib import Path

from sp_sim.core import CheckSettings, load_certificates
from tests.helpers import FIXTURES

CAPTURES = {
    "az-dow-sap-20191015": (
        "2019-10-15T19:36:50Z",
        "https://us1.hana.ondemand.com/ba5916745",
        "https://authn.us1.hana.ondemand.com/saml2/sp/acs/ba5916745/ba5916745",
        "https://sts.windows.net/c3e32f53-cb7f-4809-968d-1cc4ccc785fe/",
        "S5a509dfc-25a9-404f-9715-999716173792-gPZHs9W6bHtRApDLP5p0pftaDceJ22YMO7FiDWlmbPs",
    ),
    "az-pagero-20200717": (
        "2020-07-17T08:53:58Z",
        "spn:14f25d30-cebf-44f4-982c-271c09120079",
        "https://sso-dev.pageroonline.com/authn/authentication/creative_ad_saml_authenticator",
        "https://sts.windows.net/cf31badf-b9e1-40bd-aac9-1ac8beda0283/",
        "_1db890eb-55f1-4d2f-9a4a-985548c2eb8b",
    ),
}


def capture(name: str) -> tuple[bytes, CheckSettings, str]:
    at, audience, acs, issuer, request = CAPTURES[name]
    folder: Path = FIXTURES / "entra-captures" / name
    settings = CheckSettings(
        entity_id=audience,
        acs_url=acs,
        idp_issuer=issuer,
        certificates=load_certificates((folder / "signing-cert.pem").read_bytes()),
        outstanding_requests=frozenset({request}),
    )
    return (folder / "response.xml").read_bytes(), settings, at
