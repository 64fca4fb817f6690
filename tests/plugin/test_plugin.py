"""The pytest plugin, tested with pytester in fresh projects (each run in a subprocess)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from sp_sim.core.model import Report
from sp_sim.harness import Harness
from sp_sim.idp.config import load_idp
from sp_sim.server import acs
from sp_sim.serving import sp_sim_process
from tests.helpers.plugin import INI

BASIC = """
from sp_sim.harness import assert_sso_fails, assert_sso_works

def test_sp_initiated(spsim):
    assert_sso_works(spsim.sp_initiated("B.Simon@contoso.com"))

def test_idp_initiated(spsim):
    assert_sso_works(spsim.idp_initiated("B.Simon@contoso.com"))

def test_a_fault_is_caught(spsim):
    outcome = spsim.idp_initiated("B.Simon@contoso.com", faults=["xsw3"])
    assert_sso_fails(outcome, "xml.multiple-assertions")

def test_response_factory(spsim, spsim_response):
    assert_sso_works(spsim.check(spsim_response("B.Simon@contoso.com")))
    assert_sso_fails(spsim.check(spsim_response(faults=["sha1", "tampered"])),
                     "signature.digest-mismatch")

def test_factories(spsim, spsim_make_app, spsim_make_user):
    user = spsim_make_user("pat@contoso.onmicrosoft.com", mail="")
    spsim.use(users=[*spsim.idp.users, user])
    assert_sso_fails(spsim.idp_initiated("pat@contoso.onmicrosoft.com"), "nameid.opaque-id")
    spsim.use(app=spsim_make_app(assignment_required=True))
    assert_sso_fails(spsim.sp_initiated("B.Simon@contoso.com"), "AADSTS50105")

def test_state_is_reset_between_tests(spsim):
    assert spsim.idp.apps[0].assignment_required is False
    assert len(spsim.state.attempts) == 0
"""


@pytest.fixture
def project(pytester: pytest.Pytester) -> pytest.Pytester:
    pytester.makeini(INI)
    return pytester


def test_fixtures_work_in_a_fresh_project(project: pytest.Pytester) -> None:
    project.makepyfile(test_sso=BASIC)
    result = project.runpytest_subprocess()
    result.assert_outcomes(passed=6)


def test_a_failing_sso_names_the_check_and_the_fix(project: pytest.Pytester) -> None:
    project.makepyfile(
        test_sso="""
        from sp_sim.harness import assert_sso_works

        def test_expired(spsim):
            assert_sso_works(spsim.idp_initiated("B.Simon@contoso.com", faults=["expired"]))

        def test_reply_url(spsim, spsim_make_app):
            spsim.use(app=spsim_make_app(reply_urls=("https://eu-api.mimecast.com/login/saml",)))
            assert_sso_works(spsim.sp_initiated("B.Simon@contoso.com"))
    """
    )
    result = project.runpytest_subprocess()
    result.assert_outcomes(failed=2)
    result.stdout.fnmatch_lines(
        [
            "*SSO would fail (2 failing check(s)):*",
            "*FAIL time.expired: At * the assertion expired*",
            "*fix: server clocks*",
            "*Entra refused the sign-in with AADSTS50011*",
            "*fix: Entra app › Reply URL (Assertion Consumer Service URL)*",
        ]
    )


BROKEN = """
import sp_sim.server.acs

def test_broken_check(spsim, monkeypatch):
    def broken(*args):
        raise RuntimeError("the check broke")

    monkeypatch.setattr(sp_sim.server.acs, "check_decoded", broken)
    outcome = spsim.idp_initiated("B.Simon@contoso.com")
    assert outcome.report is None  # the browser saw only "could not process"

def test_the_next_test_is_clean(spsim):
    assert spsim.idp_initiated("B.Simon@contoso.com").works
"""


def test_a_server_side_exception_errors_the_test_at_teardown(project: pytest.Pytester) -> None:
    project.makepyfile(test_broken=BROKEN)
    result = project.runpytest_subprocess()
    result.assert_outcomes(passed=2, errors=1)
    result.stdout.fnmatch_lines(
        [
            "*ERROR at teardown of test_broken_check*",
            "*RuntimeError: the check broke",
            "*sp-sim: raised while handling POST /us/login/saml",
        ]
    )


def test_the_harness_raises_a_handler_exception_on_exit(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*args: object) -> Report:
        raise RuntimeError("the check broke")

    monkeypatch.setattr(acs, "check_decoded", broken)
    with pytest.raises(RuntimeError, match="the check broke") as raised, Harness() as sso:
        assert "could not process" in sso.idp_initiated("B.Simon@contoso.com").page
    assert "sp-sim: raised while handling POST /us/login/saml" in raised.value.__notes__


def test_region_and_account_options_and_the_marker(project: pytest.Pytester) -> None:
    project.makepyfile(
        test_sso="""
        import pytest
        from sp_sim.harness import assert_sso_works

        def test_option(spsim):
            outcome = spsim.sp_initiated("B.Simon@contoso.com")
            assert_sso_works(outcome)
            audience = [f for f in outcome.findings if f.code == "audience.match"][0]
            assert audience.expected == "https://eu-api.mimecast.com/sso/CUK7Q"

        @pytest.mark.sp_sim(region="au", account="CAU1")
        def test_marker(spsim):
            assert spsim.tenant.account.entity_id == "https://au-api.mimecast.com/sso/CAU1"
            assert_sso_works(spsim.idp_initiated("B.Simon@contoso.com"))
    """
    )
    result = project.runpytest_subprocess("--sp-sim-region", "eu", "--sp-sim-account", "CUK7Q")
    result.assert_outcomes(passed=2)


def test_tenant_file_option(project: pytest.Pytester) -> None:
    tenant = Path(__file__).resolve().parents[2] / "sp_sim" / "demo" / "tenant.toml"
    text = tenant.read_text().replace('code = "CUSA1A1"', 'code = "CUSA9ZZ"')
    text = text.replace('idp_certificate_files = ["demo-idp-signing.pem"]', "")
    project.makefile(".toml", tenant=text)
    project.makepyfile(
        test_sso="""
        from sp_sim.harness import assert_sso_works

        def test_file(spsim):
            assert spsim.tenant.account.code == "CUSA9ZZ"
            assert_sso_works(spsim.sp_initiated("BrittaSimon@contoso.com"))
    """
    )
    result = project.runpytest_subprocess("--sp-sim-tenant", str(project.path / "tenant.toml"))
    result.assert_outcomes(passed=1)


def test_reports_for_ci_artefacts(project: pytest.Pytester) -> None:
    project.makepyfile(test_sso=BASIC)
    reports = project.path / "reports"
    result = project.runpytest_subprocess("--sp-sim-report", str(reports))
    result.assert_outcomes(passed=6)
    written = sorted(p.name for p in reports.iterdir())
    assert "test_sso.py_test_sp_initiated-1.json" in written
    assert "test_sso.py_test_sp_initiated-1.html" in written
    document = json.loads((reports / "test_sso.py_test_sp_initiated-1.json").read_text())
    assert document["report"]["verdict"] == "works"
    assert 'data-verdict="works"' in (reports / "test_sso.py_test_sp_initiated-1.html").read_text()
    aadsts = json.loads((reports / "test_sso.py_test_factories-2.json").read_text())
    assert aadsts["aadsts"] == "AADSTS50105"


def test_parallel_runs_under_xdist_do_not_clash(project: pytest.Pytester) -> None:
    tests = "\n".join(
        f"def test_{i}(spsim):\n"
        f"    assert_sso_works(spsim.sp_initiated('B.Simon@contoso.com'))\n"
        f"    assert_sso_works(spsim.idp_initiated('B.Simon@contoso.com'))\n"
        for i in range(12)
    )
    project.makepyfile(test_many="from sp_sim.harness import assert_sso_works\n" + tests)
    reports = project.path / "reports"
    result = project.runpytest_subprocess("-n", "2", "--sp-sim-report", str(reports))
    result.assert_outcomes(passed=12)
    assert len(list(reports.glob("*.json"))) == 24


def test_a_real_idp_metadata_url(project: pytest.Pytester) -> None:
    """Another IdP (here `sp-sim idp` in its own process) stands in for a real Entra."""
    with sp_sim_process("idp", "--port", "0") as base:
        tenant_id = load_idp().tenant_id
        url = f"{base}/{tenant_id}/federationmetadata/2007-06/federationmetadata.xml"
        project.makepyfile(
            test_sso=f"""
            def test_real_idp(spsim):
                profile = spsim.tenant.profile()
                assert profile.metadata_url == {url!r}
                assert profile.login_url == {base + "/" + tenant_id + "/saml2"!r}
                outcome = spsim.sp_initiated("B.Simon@contoso.com")
                assert outcome.report is None  # a person signs in at the real IdP
                assert outcome.stage == "external"
                assert outcome.page.startswith({base + "/" + tenant_id + "/saml2?"!r})
                assert "SAMLRequest=" in outcome.page
        """
        )
        result = project.runpytest_subprocess("--sp-sim-idp-metadata", url)
    result.assert_outcomes(passed=1)


def test_the_example_project_runs() -> None:
    example = Path(__file__).resolve().parents[2] / "examples" / "mimecast-sso"
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"],
        cwd=example,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "7 passed" in result.stdout


def test_the_readme_example_test_file_passes(project: pytest.Pytester) -> None:
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    section = readme[readme.index("## The pytest plugin") :]
    start = section.index("```python") + len("```python")
    example = section[start : section.index("```\n", start)]
    project.makepyfile(test_mimecast_sso=example)
    result = project.runpytest_subprocess()
    result.assert_outcomes(passed=7)
