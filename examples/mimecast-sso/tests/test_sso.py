"""Fabrikam's SSO to Mimecast, proven in CI with the sp-sim pytest plugin."""

from sp_sim.harness import assert_sso_fails, assert_sso_works


def test_staff_sign_in_from_mimecast(spsim):
    assert_sso_works(spsim.sp_initiated("alex.wilber@fabrikam.com"))


def test_staff_sign_in_from_my_apps(spsim):
    assert_sso_works(spsim.idp_initiated("AlexW@fabrikam.onmicrosoft.com"))


def test_mfa_users_get_in_because_no_context_is_requested(spsim):
    assert_sso_works(spsim.sp_initiated("megan.bowen@fabrikam.com"))


def test_unassigned_users_are_kept_out(spsim):
    outcome = spsim.idp_initiated("contractor@fabrikam.onmicrosoft.com")
    assert_sso_fails(outcome, "AADSTS50105")


def test_ticking_a_context_checkbox_would_lock_out_mfa_users(
    spsim, spsim_make_profile, spsim_make_tenant
):
    profile = spsim_make_profile(use_password_protected_context=True)
    spsim.use(tenant=spsim_make_tenant(profile=profile))
    assert_sso_fails(spsim.sp_initiated("megan.bowen@fabrikam.com"), "AADSTS75011")


def test_the_upn_would_not_match_the_mimecast_address(spsim, spsim_make_app):
    spsim.use(app=spsim_make_app(name_id_source="user.userprincipalname"))
    outcome = spsim.idp_initiated("AlexW@fabrikam.onmicrosoft.com")
    assert_sso_fails(outcome, "nameid.upn-not-address")


def test_a_rolled_over_certificate_is_caught(spsim, spsim_response):
    tampered = spsim_response("alex.wilber@fabrikam.com", faults=["other-key"])
    assert_sso_fails(spsim.check(tampered), "signature.key-mismatch")
