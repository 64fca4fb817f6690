"""The fake IdP's apps as Microsoft Graph shows them (`az ad sp show`, `az ad app show`, the
claims-mapping policy), fetched over HTTP: Graph's shape, read back by the doctor's reader
into the IdP's own settings, and `sp-sim doctor` on the downloaded files predicting what a
real sign-in against the same IdP does."""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from sp_sim.core.codes import Code
from sp_sim.idp.model import IdpTenant
from sp_sim.support.graph import merge, read_claims_policy, read_graph
from sp_sim.support.prediction import PREDICTS
from tests.helpers import NOW
from tests.helpers.commands import run
from tests.helpers.server import DEMO_TENANT, Running, Start
from tests.idp.conftest import MakeClient

USER = "B.Simon@contoso.com"


async def _get(client: Any, idp: IdpTenant, kind: str, app: str) -> Any:
    answer = await client.get(f"/{idp.tenant_id}/{kind}", params={"appid": app})
    assert answer.status == 200, await answer.text()
    assert answer.content_type == "application/json"
    return await answer.json()


async def test_service_principal_has_graphs_shape(
    idp_client: MakeClient, idp_tenant: IdpTenant
) -> None:
    app, active = idp_tenant.apps[0], idp_tenant.active_key.certificate
    sp = await _get(await idp_client(), idp_tenant, "serviceprincipal", app.app_id)
    assert sp["@odata.context"].endswith("#servicePrincipals/$entity")
    assert sp["appId"] == app.app_id
    assert sp["displayName"] == sp["appDisplayName"] == app.name
    assert sp["appOwnerOrganizationId"] == idp_tenant.tenant_id
    assert sp["servicePrincipalType"] == "Application"
    assert sp["preferredSingleSignOnMode"] == "saml"
    assert sp["servicePrincipalNames"] == [*app.identifiers, app.app_id]
    assert sp["replyUrls"] == list(app.reply_urls)
    assert sp["loginUrl"] is None
    assert sp["logoutUrl"] is None
    assert sp["appRoleAssignmentRequired"] is False
    assert sp["samlSingleSignOnSettings"] == {"relayState": None}
    # the active certificate's SHA-1 thumbprint, upper-case hex, as the portal shows it
    sha1 = hashlib.sha1(active.der, usedforsecurity=False).hexdigest().upper()
    assert sp["preferredTokenSigningKeyThumbprint"] == sha1
    # a Sign and a Verify keyCredential per signing certificate, active first
    assert [k["usage"] for k in sp["keyCredentials"]] == ["Sign", "Verify"] * len(
        idp_tenant.signing_keys
    )
    first = sp["keyCredentials"][0]
    assert base64.b64decode(first["customKeyIdentifier"]) == bytes.fromhex(active.thumbprint)
    assert first["type"] == "AsymmetricX509Cert"
    assert first["endDateTime"] == active.not_after.strftime("%Y-%m-%dT%H:%M:%SZ")
    assert sp["tokenEncryptionKeyId"] is None


async def test_read_back_it_is_the_idps_app(idp_client: MakeClient, idp_tenant: IdpTenant) -> None:
    client = await idp_client()
    app, active = idp_tenant.apps[0], idp_tenant.active_key.certificate
    sp = await _get(client, idp_tenant, "serviceprincipal", app.app_id)
    registration = await _get(client, idp_tenant, "application", app.app_id)
    policy = await _get(client, idp_tenant, "claimsmappingpolicy", app.app_id)
    entra = merge(
        read_graph(json.dumps(sp).encode(), "sp"), read_graph(json.dumps(registration).encode())
    )
    assert entra.sources == ("sp (servicePrincipal)", "az JSON (application)")
    assert entra.app_id == app.app_id
    assert entra.name == app.name
    assert entra.identifiers == app.identifiers
    assert entra.reply_urls == app.reply_urls
    assert entra.sign_on_url == ""  # the file says there is none: known, not unknown
    assert entra.logout_url is None
    assert entra.assignment_required is app.assignment_required
    assert entra.signing_thumbprint == active.thumbprint
    certificates = [k.certificate for k in idp_tenant.signing_keys]
    assert [(k.thumbprint, k.start, k.end) for k in entra.key_credentials[::2]] == [
        (c.thumbprint, c.not_before, c.not_after) for c in certificates
    ]
    assert read_claims_policy(json.dumps(policy).encode()) == app.name_id_source
    # the application object alone says what it can, and nothing of the Sign-on URL
    alone = read_graph(json.dumps(registration).encode())
    assert (alone.identifiers, alone.reply_urls) == (app.identifiers, app.reply_urls)
    assert alone.sign_on_url is None
    assert alone.signing_thumbprint is None


async def test_the_apps_own_settings_show(idp_client: MakeClient, idp_tenant: IdpTenant) -> None:
    """Each portal setting Graph carries, from an app that has it set."""
    by_id = {a.app_id: a for a in idp_tenant.apps}
    with_sign_on = replace(
        by_id["withlogout"],
        sign_on_url="https://us-api.mimecast.com/login/saml",
        name_id_source="user.userprincipalname",
    )
    tenant = replace(idp_tenant, apps=(*idp_tenant.apps, replace(with_sign_on, app_id="so")))
    client = await idp_client(tenant=tenant)
    assigned = read_graph(
        json.dumps(await _get(client, tenant, "serviceprincipal", "assigned")).encode()
    )
    assert assigned.assignment_required is True
    so = read_graph(json.dumps(await _get(client, tenant, "serviceprincipal", "so")).encode())
    assert (so.sign_on_url, so.logout_url) == (with_sign_on.sign_on_url, with_sign_on.logout_url)
    policy = await _get(client, tenant, "claimsmappingpolicy", "so")
    assert read_claims_policy(json.dumps(policy).encode()) == "user.userprincipalname"
    encrypting = await _get(client, tenant, "serviceprincipal", "encrypting")
    encrypt = [k for k in encrypting["keyCredentials"] if k["usage"] == "Encrypt"]
    assert [k["keyId"] for k in encrypt] == [encrypting["tokenEncryptionKeyId"]]
    groups = await _get(client, tenant, "application", "groups")
    assert groups["groupMembershipClaims"] == "SecurityGroup"


@pytest.mark.parametrize(
    ("path", "named"),
    [
        ("/{tenant}/serviceprincipal?appid=nope", "nope"),
        ("/{tenant}/serviceprincipal", "?appid="),
        ("/{tenant}/application?appid=", "?appid="),
        ("/other-tenant/serviceprincipal?appid={app}", "other-tenant"),
    ],
)
async def test_unknown_tenant_or_app_is_graphs_404(
    path: str, named: str, idp_client: MakeClient, idp_tenant: IdpTenant
) -> None:
    client = await idp_client()
    answer = await client.get(
        path.format(tenant=idp_tenant.tenant_id, app=idp_tenant.apps[0].app_id)
    )
    assert answer.status == 404
    error = (await answer.json())["error"]
    assert error["code"] == "Request_ResourceNotFound"
    assert f"'{named}'" in error["message"]
    # it names what this IdP does have
    known = idp_tenant.tenant_id if named == "other-tenant" else idp_tenant.apps[0].app_id
    assert known in error["sp_sim"]


async def test_the_index_links_each_apps_graph_json(
    idp_client: MakeClient, idp_tenant: IdpTenant
) -> None:
    client = await idp_client()
    page = await (await client.get("/")).text()
    for app in idp_tenant.apps:
        for kind in ("serviceprincipal", "application", "claimsmappingpolicy"):
            assert f"/{idp_tenant.tenant_id}/{kind}?appid={app.app_id}" in page
    assert "az ad sp show" in page


async def _download(running: Running, folder: Path) -> list[str]:
    """The doctor's inputs, fetched from the simulator's mounted IdP as CI would."""
    idp, app = running.idp, running.idp.apps[0]
    files = []
    for kind in ("serviceprincipal", "application", "claimsmappingpolicy"):
        url = f"{running.base}/idp/{idp.tenant_id}/{kind}?appid={app.app_id}"
        async with running.flows.session.get(url) as answer:
            assert answer.status == 200
            (folder / f"{kind}.json").write_bytes(await answer.read())
        files.append(str(folder / f"{kind}.json"))
    metadata = (
        f"{running.base}/idp/{idp.tenant_id}/federationmetadata/2007-06/federationmetadata.xml"
    )
    async with running.flows.session.get(metadata, params={"appid": app.app_id}) as answer:
        (folder / "federationmetadata.xml").write_bytes(await answer.read())
    return files


def _doctor(folder: Path, files: list[str]) -> tuple[int, dict[str, Any]]:
    sp, registration, policy = files
    result = run(
        "doctor",
        "--tenant",
        str(DEMO_TENANT),
        "--entra-app",
        sp,
        "--entra-app",
        registration,
        "--claims-policy",
        policy,
        "--idp-metadata",
        str(folder / "federationmetadata.xml"),
        "--at",
        NOW.isoformat(),
        "--format",
        "json",
    )
    return result.returncode, json.loads(result.stdout)


async def test_doctor_on_the_downloaded_json_says_what_the_sign_in_does(
    sp_start: Start, tmp_path: Path
) -> None:
    running = await sp_start()
    status, document = _doctor(tmp_path, await _download(running, tmp_path))
    assert (status, document["verdict"]) == (0, "works"), document
    assert (await running.flows.sp_initiated(USER)).works


@pytest.mark.parametrize(
    ("changes", "code", "status"),
    [
        (
            {"reply_urls": ("https://eu-api.mimecast.com/login/saml",)},
            Code.DOCTOR_REPLY_URL_MISSING,
            "fail",
        ),
        (
            {"identifiers": ("https://us-api.mimecast.com/sso/cusa1a1",)},
            Code.DOCTOR_IDENTIFIER_MISMATCH,
            "fail",
        ),
        # the doctor cannot know who is assigned: it warns, and its verdict is unknown
        # (exit 3), never works; B.Simon is not assigned, so Entra refuses
        ({"assignment_required": True}, Code.DOCTOR_ASSIGNMENT_REQUIRED, "warn"),
    ],
    ids=["reply-url-other-region", "identifier-lower-case", "assignment-required"],
)
async def test_doctor_on_a_faulty_app_predicts_the_refusal(
    changes: dict[str, Any], code: Code, status: str, sp_start: Start, tmp_path: Path
) -> None:
    running = await sp_start()
    running.change_idp_app(**changes)
    exit_status, document = _doctor(tmp_path, await _download(running, tmp_path))
    predicted = {f["code"] for f in document["findings"] if f["status"] in ("fail", "warn")}
    assert predicted == {str(code)}, document
    assert [f["status"] for f in document["findings"] if f["code"] == str(code)] == [status]
    assert (exit_status, document["verdict"]) == (
        (1, "fails") if status == "fail" else (3, "unknown")
    )
    outcome = await running.flows.sp_initiated(USER)
    assert outcome.aadsts == PREDICTS[code]
