"""The command line's one error boundary, through the installed `sp-sim`: every bad option
is refused at parse time in one line (exit 2), Ctrl-C is one line and exit 130 (a server
that is up stops quietly, 0), a closed pipe is a quiet exit 141, anything unexpected is
one line naming `--debug` (exit 2), and no output ever holds a traceback."""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519
from cryptography.x509.oid import NameOID

from sp_sim.cli.common import clock_skew_arg, count_arg, instant_arg, port_arg
from sp_sim.cli.parser import build_parser, parsers
from tests.helpers.commands import SP_SIM, run, wait_until_serving

DEMO = Path(__file__).resolve().parents[2] / "sp_sim" / "demo"
TENANT, RESPONSE = str(DEMO / "tenant.toml"), str(DEMO / "response.xml")

BAD_VALUES = {
    port_arg: ["-1", "65536", "99999", "eighty"],
    clock_skew_arg: ["-1", "86401", "9999999999", "99999999999999", "5m"],
    instant_arg: ["0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59Z", "yesterday"],
    count_arg: ["-1", "many"],
}
# what each command needs to get as far as its options (positionals, required options)
FILLERS = {
    "check": [RESPONSE],
    "evidence": [RESPONSE],
    "doctor": ["--tenant", TENANT],
    "case create": ["{tmp}/new-case", "--tenant", TENANT],
    "case run": ["{tmp}"],
    "case export": ["{tmp}", "{tmp}/out"],
    "case batch": ["{tmp}"],
    "serve": ["--port", "0"],
    "idp": ["--port", "0"],
}


def _commands() -> Iterator[tuple[str, argparse.ArgumentParser]]:
    for parser in parsers(build_parser()):
        if not any(isinstance(a, argparse._SubParsersAction) for a in parser._actions):
            yield parser.prog.removeprefix("sp-sim ").strip(), parser


def _bad_arguments() -> Iterator[tuple[str, str, str]]:
    """(command, option, a value it must refuse) for every option of every command."""
    for command, parser in _commands():
        for action in parser._actions:
            if not action.option_strings or action.option_strings[0] in ("-h", "--debug"):
                continue
            option = action.option_strings[-1]
            if action.type in BAD_VALUES:
                for value in BAD_VALUES[action.type]:
                    yield command, option, value
            elif action.choices is not None:
                yield command, option, "no-such-choice"
            elif action.nargs == 0:
                yield command, f"{option}=yes", ""  # a flag takes no value
            elif action.metavar == "FILE":
                yield command, option, "/no/such/file"


BAD = list(_bad_arguments())


def test_the_walk_covers_every_command_and_numeric_option() -> None:
    commands = {c for c, _ in _commands()}
    assert {"check", "evidence", "doctor", "serve", "idp", "case batch", "codes"} <= commands
    assert {(c, o) for c, o, _ in BAD} >= {
        ("serve", "--port"),
        ("idp", "--port"),
        ("check", "--clock-skew"),
        ("check", "--at"),
        ("doctor", "--at"),
        ("case batch", "--clock-skew"),
    }
    for _, parser in _commands():
        for action in parser._actions:  # no number is read without its range
            assert action.type not in (int, float), (parser.prog, action.option_strings)
        assert any("--color" in a.option_strings for a in parser._actions), parser.prog


@pytest.mark.parametrize(("command", "option", "value"), BAD, ids=[" ".join(b) for b in BAD])
def test_every_option_refuses_a_bad_value_in_one_line(
    command: str, option: str, value: str, tmp_path: Path
) -> None:
    filler = [a.format(tmp=tmp_path) for a in FILLERS.get(command, [])]
    given = [option, value] if value else [option]
    result = run(*command.split(), *filler, *given)
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert result.stderr.startswith("sp-sim"), result.stderr
    assert "Traceback" not in result.stdout


@pytest.mark.parametrize(
    "arguments",
    [
        ["serve", "--port", "99999"],
        ["serve", "--port", "-1"],
        ["idp", "--port", "70000"],
        ["check", RESPONSE, "--clock-skew", "9999999999"],
        ["check", RESPONSE, "--at", "0001-01-01T00:00:00+01:00"],
        ["check", RESPONSE, "--at", "9999-12-31T23:59:59Z"],
    ],
    ids=lambda a: " ".join(a[:1] + a[-2:]),
)
def test_the_reported_values_are_refused_with_their_range(arguments: list[str]) -> None:
    result = run(*arguments)
    assert result.returncode == 2
    assert "out of range" in result.stderr
    assert result.stdout == ""


def test_the_largest_instant_and_skew_accepted_still_judge() -> None:
    for at in ("0002-01-01T00:00:00Z", "9998-12-31T00:00:00Z"):
        result = run("check", RESPONSE, "--tenant", TENANT, "--at", at, "--clock-skew", "86400")
        assert result.returncode == 1, result.stderr  # judged (too early / expired)


def _huge_skew_tenant(tmp_path: Path) -> Path:
    text = (DEMO / "tenant.toml").read_text()
    text = text.replace('"demo-idp-signing.pem"', f'"{DEMO / "demo-idp-signing.pem"}"')
    lines = [
        "clock_skew_seconds = 99999999999999" if "clock_skew_seconds" in line else line
        for line in text.splitlines()
    ]
    path = tmp_path / "skew.toml"
    path.write_text("\n".join(lines) + "\n")
    return path


def test_settings_files_out_of_range_or_too_deep_are_one_line(tmp_path: Path) -> None:
    deep_toml = tmp_path / "deep.toml"
    deep_toml.write_text('[account]\ncode = "CUSA1A1"\nx = ' + "[" * 5000 + "]" * 5000 + "\n")
    deep_json = tmp_path / "deep.json"
    deep_json.write_text("[" * 100000 + "]" * 100000)
    deep_object = tmp_path / "deep-object.json"
    deep_object.write_text('{"a":' * 100000 + "1" + "}" * 100000)
    for arguments in (
        ["check", RESPONSE, "--tenant", str(deep_toml)],
        ["doctor", "--tenant", str(deep_toml)],
        ["evidence", str(deep_json)],
        ["evidence", str(deep_object)],
        ["check", RESPONSE, "--tenant", str(_huge_skew_tenant(tmp_path))],
    ):
        result = run(*arguments)
        assert result.returncode == 2, (arguments, result.stdout, result.stderr)
        assert len(result.stderr.splitlines()) == 1, result.stderr
    assert "clock_skew_seconds" in result.stderr


def test_an_evidence_json_key_near_a_har_key_is_named(tmp_path: Path) -> None:
    capture = tmp_path / "capture.har"
    capture.write_text('{"log": {"entrie": []}}')
    result = run("evidence", str(capture))
    assert result.returncode == 2
    assert "did you mean 'entries'?" in result.stderr


def test_an_ed25519_idp_certificate_is_judged_not_a_crash(tmp_path: Path) -> None:
    key = ed25519.Ed25519PrivateKey.generate()
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "ed25519")])
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(1)
        .not_valid_before(datetime(2020, 1, 1))
        .not_valid_after(datetime(2040, 1, 1))
        .sign(key, None)
    )
    pem = tmp_path / "ed25519.pem"
    pem.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    result = run("check", RESPONSE, "--tenant", TENANT, "--idp-cert", str(pem))
    assert result.returncode in (1, 2), result.stderr
    assert "Traceback" not in result.stdout


def test_an_unexpected_failure_is_one_line_and_debug_shows_the_traceback() -> None:
    assert SP_SIM
    plain = _with_stdin_closed(SP_SIM, "check", "-")
    assert plain.returncode == 2
    assert "Traceback" not in plain.stderr
    assert plain.stderr.endswith("(run with --debug for the traceback)\n")
    assert len(plain.stderr.splitlines()) == 1
    debug = _with_stdin_closed(SP_SIM, "check", "-", "--debug")
    assert debug.returncode == 2
    assert "Traceback (most recent call last)" in debug.stderr


def _with_stdin_closed(*command: str) -> subprocess.CompletedProcess[str]:
    """`sp-sim check - <&-`: standard input closed, so Python has no sys.stdin at all."""
    return subprocess.run(
        command,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        preexec_fn=lambda: os.close(0),
    )


@pytest.mark.parametrize("command", [["codes"], ["demo"], ["check", RESPONSE, "--tenant", TENANT]])
def test_a_closed_pipe_is_a_quiet_exit(command: list[str]) -> None:
    assert SP_SIM
    with subprocess.Popen(
        [SP_SIM, *command], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    ) as process:
        assert process.stdout is not None
        assert process.stderr is not None
        process.stdout.close()  # `| head -0`: the reader is gone before the first line
        error = process.stderr.read()
        assert process.wait(timeout=60) == 141
    assert error == ""


def test_ctrl_c_on_a_running_server_stops_it_quietly() -> None:
    assert SP_SIM
    with subprocess.Popen(
        [SP_SIM, "serve", "--port", "0"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    ) as process:
        assert process.stdout is not None
        assert process.stderr is not None
        first = process.stdout.readline()
        base = first.strip().rsplit(" at ", 1)[1].rstrip("/")
        wait_until_serving(base)
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=30) == 0
        assert process.stderr.read() == ""


def test_ctrl_c_while_a_server_starts_is_interrupted_in_one_line() -> None:
    assert SP_SIM
    with subprocess.Popen(
        [SP_SIM, "serve", "--port", "0"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    ) as process:
        assert process.stdout is not None
        assert process.stderr is not None
        process.stdout.readline()  # the first line; the server is not up yet
        process.send_signal(signal.SIGINT)
        code = process.wait(timeout=30)
        error = process.stderr.read()
    # it lands while starting (130, one line) or, on a fast machine, once serving (0, quiet)
    assert (code, error) in ((130, "sp-sim: interrupted\n"), (0, "")), (code, error)


def test_ctrl_c_during_a_batch_prints_the_rows_so_far_then_interrupted(tmp_path: Path) -> None:
    assert SP_SIM
    captures = tmp_path / "captures"
    captures.mkdir()
    data = (DEMO / "response.xml").read_bytes()
    paths = []
    for number in range(1, 1201):
        path = captures / f"capture-{number}.xml"
        path.write_bytes(data)
        paths.append(str(path))
    with subprocess.Popen(
        [SP_SIM, "case", "batch", *paths, "--tenant", TENANT],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    ) as process:
        assert process.stdout is not None
        assert process.stderr is not None
        while not process.stderr.readline().startswith("[20/1200]"):
            pass
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=60)
    assert process.returncode == 130, err
    assert "Traceback" not in out + err
    assert err.splitlines()[-1] == "sp-sim: interrupted"
    assert "(interrupted: " in out
    assert " of 1200 run)" in out
    assert out.index("capture-2.xml") < out.index("capture-10.xml")
