"""`serve` options from SP_SIM_* variables, validated like flags; TLS with the user's own
certificate; the generated certificate's host names."""

from __future__ import annotations

from pathlib import Path

from cryptography import x509

from sp_sim.server.tls import mimecast_hosts
from tests.helpers.commands import serve


def test_an_option_from_the_environment_is_checked_like_a_flag() -> None:
    result = serve(SP_SIM_PORT="70000")
    assert result.returncode == 2
    assert "--port" in result.stderr
    assert "Traceback" not in result.stderr
    result = serve(SP_SIM_STORE="http://nowhere")
    assert result.returncode == 2
    assert "redis://host:port/db" in result.stderr


def test_a_missing_own_certificate_is_one_line(tmp_path: Path) -> None:
    result = serve("--port", "0", "--tls-cert", str(tmp_path / "c.pem"), "--tls-key", "k.pem")
    assert result.returncode == 2
    assert "--tls-cert" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_the_generated_certificate_covers_every_mimecast_host() -> None:
    hosts = mimecast_hosts()
    assert "login-eu.mimecast.com" in hosts
    assert "webmail-uk.mimecast.com" in hosts
    assert "jer-api.mimecast.com" in hosts
    assert all(isinstance(h, str) for h in hosts)
    assert x509.DNSName("us-api.mimecast.com").value in hosts
