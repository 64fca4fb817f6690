"""`sp-sim serve --config`: the tenant's profile is pointed at the fake IdP unless
`--external-idp` (or SP_SIM_EXTERNAL_IDP, or `--no-idp`) keeps it; then the banner, the
home page and the sign-in page say that SP-initiated sign-ins leave this machine."""

from __future__ import annotations

import pytest

from sp_sim.server.external import is_local_host
from sp_sim.stack import DEMO_TENANT
from tests.helpers.serving import served

ENTRA_LOGIN = "https://login.microsoftonline.com/0d3b5c2e-8f4a-4b6e-9c1d-2a7e5f6b8c90/saml2"
"""The Login URL the demo tenant's file holds, as a tenant of one's own would."""


def test_a_tenant_file_is_wired_to_the_fake_idp_and_signs_in() -> None:
    with served("--config", str(DEMO_TENANT)) as server:
        assert "note:" not in server.banner
        assert "id=external-idp" not in server.get("/")
        assert "id=external-idp" not in server.get("/us/login")
        outcome = server.post_json("/api/sign-ins", {"user": "B.Simon@contoso.com"})
        assert outcome["stage"] == "sp-acs", outcome
        assert outcome["report"]["verdict"] == "works"
        assert any(hop.startswith("GET /idp/") for hop in outcome["hops"]), outcome["hops"]


@pytest.mark.parametrize(
    ("args", "env"),
    [
        (("--external-idp",), {}),
        ((), {"SP_SIM_EXTERNAL_IDP": "1"}),
        (("--no-idp",), {}),
    ],
)
def test_an_external_idp_is_announced_everywhere(
    args: tuple[str, ...], env: dict[str, str]
) -> None:
    with served("--config", str(DEMO_TENANT), *args, **env) as server:
        sentence = f"go to {ENTRA_LOGIN} — a real IdP, off this machine"
        assert sentence in server.banner
        for path in ("/", "/us/login", "/eu/login"):
            page = server.get(path)
            assert "id=external-idp" in page, path
            assert sentence in page, path
        outcome = server.post_json("/api/sign-ins", {"user": "B.Simon@contoso.com"})
        assert outcome["stage"] == "external"  # the flow stops at Entra, sends nothing there
        assert not any("/idp/" in hop for hop in outcome["hops"]), outcome["hops"]


def test_the_demo_with_an_external_idp_keeps_its_entra_profile() -> None:
    with served("--external-idp") as server:
        assert ENTRA_LOGIN in server.banner


@pytest.mark.parametrize(
    ("host", "local"),
    [
        ("localhost", True),
        ("LOCALHOST", True),
        ("idp.localhost", True),
        ("127.0.0.1", True),
        ("127.5.6.7", True),
        ("::1", True),
        ("[::1]", True),
        ("sp-sim.test", True),  # a host this server answers to
        ("login.microsoftonline.com", False),
        ("10.0.0.5", False),
        ("", False),
    ],
)
def test_which_login_hosts_are_local(host: str, local: bool) -> None:
    assert is_local_host(host, ("sp-sim.test",)) is local
