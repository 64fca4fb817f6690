"""The harness names the real cause, tested with pytester: an unknown fault, user or app is
a ValueError naming it (and the nearest known name) before any flow; SsoFailed quotes the
page's own error; unusable plugin settings are one line; no output holds a traceback of
sp-sim's own; the example project runs without pytest-asyncio's options."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from sp_sim.harness import page_error
from sp_sim.idp.pages import error_page
from tests.helpers.plugin import INI

_NOW = datetime(2026, 6, 1, tzinfo=UTC)
EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "mimecast-sso"


@pytest.fixture
def project(pytester: pytest.Pytester) -> pytest.Pytester:
    pytester.makeini(INI)
    return pytester


def test_unknown_faults_users_and_apps_raise_before_any_flow(project: pytest.Pytester) -> None:
    project.makepyfile(
        test_names="""
        import pytest

        def test_fault(spsim):
            with pytest.raises(ValueError, match="unknown fault 'expird'; did you mean 'expired'"):
                spsim.idp_initiated("B.Simon@contoso.com", faults=["expird"])
            with pytest.raises(ValueError, match="did you mean 'tampered'"):
                spsim.sp_initiated("B.Simon@contoso.com", faults=["tamperd"])
            with pytest.raises(ValueError, match="clock-offset=99999999999999: at most"):
                spsim.idp_initiated("B.Simon@contoso.com", faults=["clock-offset=99999999999999"])
            with pytest.raises(ValueError, match="faults is a list of names"):
                spsim.idp_initiated("B.Simon@contoso.com", faults="expired")
            assert spsim.recorded() == []  # no flow ran

        def test_user_and_app(spsim, spsim_response):
            with pytest.raises(ValueError, match="no user 'B.Simon@contoso.con'; did you mean"):
                spsim.idp_initiated("B.Simon@contoso.con")
            with pytest.raises(ValueError, match="no user 'nobody'"):
                spsim.sp_initiated("B.Simon@contoso.com", user="nobody")
            with pytest.raises(ValueError, match="no app 'no-such-app'"):
                spsim.idp_initiated("B.Simon@contoso.com", app="no-such-app")
            with pytest.raises(ValueError, match="did you mean 'expired'"):
                spsim_response(faults=["expird"])
            assert spsim.recorded() == []
    """
    )
    result = project.runpytest_subprocess()
    result.assert_outcomes(passed=2)


def test_sso_failed_quotes_the_idps_own_words(project: pytest.Pytester) -> None:
    project.makepyfile(
        test_quote="""
        from sp_sim.harness import assert_sso_works

        def test_context(spsim, spsim_make_profile, spsim_make_tenant):
            profile = spsim_make_profile(use_password_protected_context=True)
            spsim.use(tenant=spsim_make_tenant(profile=profile))
            assert_sso_works(spsim.sp_initiated("BrittaSimon@contoso.com"))
    """
    )
    result = project.runpytest_subprocess()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "*Entra refused the sign-in with AADSTS75011*",
            "*the page says: AADSTS75011: *",
        ]
    )
    assert "without a report" not in result.stdout.str()


def test_page_error_reads_an_entra_page_and_a_plain_text_page() -> None:
    page = error_page("AADSTS50034", "The user account x does not exist.", "c-1", _NOW)
    assert page_error(page) == "AADSTS50034: The user account x does not exist."
    assert page_error("unknown fault 'expird'\n") == "unknown fault 'expird'"


def test_unusable_plugin_settings_fail_in_one_line(project: pytest.Pytester) -> None:
    project.makepyfile(test_one="def test_one(spsim):\n    pass\n")
    result = project.runpytest_subprocess("--sp-sim-tenant", "no-such-tenant.toml")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*sp-sim: no-such-tenant.toml: cannot read*"])
    assert "sp_sim/harness.py" not in result.stdout.str()  # no traceback into sp-sim
    refused = project.runpytest_subprocess("--sp-sim-region", "mars")
    assert refused.ret == pytest.ExitCode.USAGE_ERROR
    refused.stderr.fnmatch_lines(["*--sp-sim-region: invalid choice: 'mars'*"])


def test_the_plugin_options_are_documented(project: pytest.Pytester) -> None:
    result = project.runpytest_subprocess("--help")
    for option in (
        "--sp-sim-region={au,ca,de,eu,jer,us,usb,uspcom,za}",
        "--sp-sim-account=CODE",
        "--sp-sim-tenant=FILE",
        "--sp-sim-idp-config=FILE",
        "--sp-sim-idp-metadata=URL",
        "--sp-sim-local-urls",
        "--sp-sim-report=DIR",
    ):
        assert option in result.stdout.str(), option


def test_the_example_project_runs_with_a_plain_install() -> None:
    """What `pip install sp-sim pytest` gives: no pytest-asyncio, pytest-aiohttp or xdist."""
    without = ["-p", "no:asyncio", "-p", "no:aiohttp", "-p", "no:xdist"]
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *without],
        cwd=EXAMPLE,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "7 passed" in result.stdout
    assert (
        "asyncio_default_fixture_loop_scope"
        not in (EXAMPLE / "pyproject.toml").read_text(encoding="utf-8").split("filterwarnings")[0]
    )
