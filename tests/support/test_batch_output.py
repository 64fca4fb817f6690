"""What `case batch`, `case run`, `doctor` and `evidence` show, through the installed
`sp-sim`: cases in natural order, folders that hold no case listed as skipped, an unusable
path exit 2, regressions and failures first, `--color` on every one, instants in `Z`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sp_sim.core.xml import parse_instant
from sp_sim.support.batch import natural_key
from sp_sim.support.case import create_case
from tests.helpers.commands import run
from tests.helpers.server import DEMO_TENANT

RESPONSE = DEMO_TENANT.parent / "response.xml"
AT = "2026-11-22T10:00:30Z"


@pytest.fixture(scope="module")
def cases(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("cases")
    for name in ("case-10", "case-2", "case-1"):
        create_case(root / name, DEMO_TENANT, evidence=RESPONSE, at=parse_instant(AT))
    (root / "notes").mkdir()
    (root / "notes" / "todo.txt").write_text("not a case")
    return root


def test_natural_order() -> None:
    names = ["case-10", "case-2", "case-1", "Case-3"]
    assert sorted(names, key=lambda n: natural_key(Path(n))) == [
        "case-1",
        "case-2",
        "Case-3",
        "case-10",
    ]


def test_batch_runs_cases_in_natural_order_and_names_what_it_skips(cases: Path) -> None:
    result = run("case", "batch", str(cases), "--color", "never")
    rows = [line.split()[0] for line in result.stdout.splitlines() if line.startswith("case-")]
    assert rows == ["case-1", "case-2", "case-10"], result.stdout
    assert f"skipped {cases / 'notes'}: not a case folder and holds none" in result.stdout
    assert "\x1b[" not in result.stdout


def test_batch_of_a_path_that_is_not_there_is_exit_2(tmp_path: Path) -> None:
    result = run("case", "batch", str(tmp_path / "no-such-dir"))
    assert result.returncode == 2
    missing = tmp_path / "no-such-dir"
    assert result.stderr == f"sp-sim: {missing}: no such case folder or capture file\n"


def test_regressions_come_first_and_in_colour(cases: Path, tmp_path: Path) -> None:
    folder = tmp_path / "case-7"
    create_case(folder, DEMO_TENANT, evidence=RESPONSE, at=parse_instant(AT))
    report = folder / "report.json"
    document = json.loads(report.read_text())
    document["verdict"] = "works" if document["verdict"] != "works" else "fails"
    report.write_text(json.dumps(document))
    batch = run("case", "batch", str(tmp_path), "--check", "--color", "always")
    assert batch.returncode == 1
    assert "REGRESSION" in batch.stdout.splitlines()[0]
    assert "\x1b[41;97;1mREGRESSION\x1b[0m" in batch.stdout
    single = run("case", "run", str(folder), "--color", "never")
    assert single.returncode == 1
    assert single.stdout.splitlines()[0] == "1 REGRESSION(s) from the stored report:"


@pytest.mark.parametrize(
    "command",
    [
        ["evidence", str(RESPONSE), "--tenant", str(DEMO_TENANT), "--at", AT],
        ["doctor", "--tenant", str(DEMO_TENANT)],
        ["case", "run", "{case}"],
        ["case", "batch", "{cases}"],
        ["check", str(RESPONSE), "--tenant", str(DEMO_TENANT), "--at", AT],
    ],
    ids=lambda c: " ".join(c[:2]),
)
def test_every_text_command_takes_color(command: list[str], cases: Path) -> None:
    filled = [a.format(case=cases / "case-1", cases=cases) for a in command]
    painted = run(*filled, "--color", "always")
    plain = run(*filled, "--color", "never")
    assert "\x1b[" in painted.stdout
    assert "\x1b[" not in plain.stdout
    assert painted.returncode == plain.returncode


def test_instants_are_written_in_z(cases: Path) -> None:
    result = run("case", "run", str(cases / "case-1"))
    assert "+00:00" not in result.stdout
    assert "judged at 2026-11-22T10:00:30.000Z" in result.stdout
    evidence = run("evidence", str(RESPONSE), "--tenant", str(DEMO_TENANT), "--at", AT)
    assert "+00:00" not in evidence.stdout
