"""Case bundles: a folder holding a customer's settings and evidence and sp-sim's report,
re-runnable later with the same result (the instant is pinned), and exportable with
personal data replaced by consistent pseudonyms.

    case/
      case.toml          what the case holds, the pinned instant, whether it is redacted
      inputs/            tenant.toml (self-contained), evidence, az JSON, metadata, policy
      report.json        timelines and doctor findings, as computed
      report.txt         the same, for a person
"""

from __future__ import annotations

import contextlib
import json
import shutil
import tomllib
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import tomli_w

from sp_sim.core.xml import ASSERTION, format_instant, parse_instant, parse_untrusted, qname
from sp_sim.errors import ConfigError
from sp_sim.render.json import to_json
from sp_sim.render.verdict import Verdict
from sp_sim.support.doctor import diagnose
from sp_sim.support.evidence import CaptureFormat, EvidenceError, read_evidence
from sp_sim.support.inputs import gather_evidence
from sp_sim.support.prediction import Diagnosis, Evidence, Intent
from sp_sim.support.redact import Redactor
from sp_sim.support.timeline import SignIn, Timelines, judge_capture
from sp_sim.support.timeline_text import timelines_text
from sp_sim.tenant import Tenant, load_tenant
from sp_sim.tenant.config import tenant_to_toml

MANIFEST = "case.toml"
_CASE_SOURCES = ("the case's settings",)
REDACTION_NOTE = (
    "Personal data in this bundle was replaced by pseudonyms after sp-sim "
    "judged the original: signatures were verified before redaction, and the "
    "SAML messages here no longer verify. The verdict and findings are the "
    "original's."
)


@dataclass(frozen=True)
class CaseResult:
    """What a case comes to: the sign-ins in its evidence and the doctor's predictions."""

    instant: datetime
    diagnosis: Diagnosis
    timelines: Timelines | None = None

    @property
    def sign_ins(self) -> tuple[SignIn, ...]:
        return () if self.timelines is None else self.timelines.sign_ins

    @property
    def verdict(self) -> Verdict:
        """Fails when a sign-in fails or the doctor predicts a failure. With sign-ins in the
        evidence, they are the facts and the doctor's unknowns stay in the report; with
        none, the case rests on the doctor alone, so its unknowns make the case unknown
        (an unknown is not a pass)."""
        if not self.sign_ins:
            return self.diagnosis.verdict
        predicted = Verdict.of(self.diagnosis.verdict is not Verdict.FAILS)
        return Verdict.all_of([*(s.verdict for s in self.sign_ins), predicted], empty=Verdict.WORKS)

    @property
    def works(self) -> bool:
        return self.verdict.works

    def to_dict(self) -> dict[str, Any]:
        return {
            "verdict": str(self.verdict),
            "instant": format_instant(self.instant),
            "evidence": None if self.timelines is None else self.timelines.to_dict(),
            "doctor": [f.to_dict() for f in self.diagnosis.findings],
        }

    def text(self) -> str:
        parts = [] if self.timelines is None else [timelines_text(self.timelines)]
        parts.append(self.diagnosis.text())
        head = f"case verdict: {self.verdict.heading} (judged at {format_instant(self.instant)})"
        return f"{head}\n\n" + "\n".join(parts)


@dataclass(frozen=True)
class Manifest:
    folder: Path
    instant: datetime
    intent: Intent
    redacted: bool
    inputs: dict[str, Any]

    def path(self, key: str) -> Path | None:
        value = self.inputs.get(key)
        return None if not value else self.folder / str(value)

    def paths(self, key: str) -> list[Path]:
        return [self.folder / str(v) for v in self.inputs.get(key, [])]


@dataclass(frozen=True)
class _Sent:
    """The files support received, before they are copied into a case."""

    tenant: Path
    evidence: Path | None
    entra_apps: tuple[Path, ...]
    claims_policy: Path | None
    idp_metadata: Path | None


def create_case(
    folder: Path,
    tenant_file: Path,
    *,
    evidence: Path | None = None,
    entra_apps: tuple[Path, ...] = (),
    claims_policy: Path | None = None,
    idp_metadata: Path | None = None,
    at: datetime | None = None,
    intent: Intent = Intent.BOTH,
) -> CaseResult:
    """Copy the inputs into a new case folder, pin the instant, and compute the report.
    On any unusable input the folder is removed again (creating it anew must work)."""
    if folder.exists() and any(folder.iterdir()):
        raise ConfigError(f"{folder}: not empty; a case is created in a new folder")
    sent = _Sent(tenant_file, evidence, entra_apps, claims_policy, idp_metadata)
    try:
        return _write_case(folder, sent, at, intent)
    except (ConfigError, OSError) as error:
        shutil.rmtree(folder, ignore_errors=True)
        if isinstance(error, OSError):
            raise ConfigError(f"cannot read {error.filename} ({error.strerror})") from None
        raise


def _write_case(folder: Path, sent: _Sent, at: datetime | None, intent: Intent) -> CaseResult:
    inputs = _copy_inputs(folder / "inputs", sent)
    captured = _first_capture_time(folder, inputs, sent.evidence)
    now = datetime.now(UTC)
    pinned = at or captured or now
    manifest = {
        "case": {
            "created": format_instant(now),
            "instant": format_instant(pinned),
            "intent": str(intent),
            "redacted": False,
        },
        "inputs": inputs,
    }
    (folder / MANIFEST).write_text(tomli_w.dumps(manifest))
    result = run_case(folder)
    (folder / "report.json").write_text(to_json(result.to_dict()))
    (folder / "report.txt").write_text(result.text())
    return result


def _copy_inputs(inputs_dir: Path, sent: _Sent) -> dict[str, Any]:
    """Copy what was sent into `inputs/` (the tenant written back self-contained); the
    manifest's `inputs` table, each path relative to the case folder."""
    inputs_dir.mkdir(parents=True, exist_ok=True)
    (inputs_dir / "tenant.toml").write_text(tenant_to_toml(load_tenant(sent.tenant)))
    inputs: dict[str, Any] = {"tenant": "inputs/tenant.toml"}

    def copy(source: Path, name: str) -> str:
        shutil.copyfile(source, inputs_dir / name)
        return f"inputs/{name}"

    if sent.evidence is not None:
        inputs["evidence"] = copy(sent.evidence, f"evidence{sent.evidence.suffix or '.txt'}")
    if sent.entra_apps:
        inputs["entra_apps"] = [
            copy(path, f"entra-app-{number}.json")
            for number, path in enumerate(sent.entra_apps, start=1)
        ]
    for key, source, name in (
        ("claims_policy", sent.claims_policy, "claims-policy.json"),
        ("idp_metadata", sent.idp_metadata, "federationmetadata.xml"),
    ):
        if source is not None:
            inputs[key] = copy(source, name)
    return inputs


def _first_capture_time(
    folder: Path, inputs: dict[str, Any], evidence: Path | None
) -> datetime | None:
    """The earliest time the copied capture shows, for pinning the case's instant."""
    if "evidence" not in inputs:
        return None
    try:
        _, steps = read_evidence((folder / inputs["evidence"]).read_bytes())
    except EvidenceError as error:
        raise ConfigError(f"{evidence}: {error}") from None
    times = [s.at for s in steps if s.at is not None]
    return min(times) if times else None


def load_manifest(folder: Path) -> Manifest:
    try:
        data = tomllib.loads((folder / MANIFEST).read_text())
        case = data["case"]
        return Manifest(
            folder,
            parse_instant(case["instant"]),
            Intent(case.get("intent", Intent.BOTH)),
            bool(case.get("redacted", False)),
            dict(data.get("inputs", {})),
        )
    except OSError:
        raise ConfigError(f"{folder}: no {MANIFEST}; not a case folder") from None
    except (tomllib.TOMLDecodeError, KeyError, ValueError) as error:
        raise ConfigError(f"{folder / MANIFEST}: unreadable ({error})") from None


def run_case(folder: Path) -> CaseResult:
    """Compute the case's report from its inputs, at its pinned instant."""
    manifest = load_manifest(folder)
    if manifest.redacted:
        raise ConfigError(
            f"{folder}: a redacted case is not re-judged (its messages no longer "
            "verify); its report.json holds the original verdict"
        )
    tenant_path = manifest.path("tenant")
    if tenant_path is None:
        raise ConfigError(f"{folder}: the case has no tenant")
    tenant = load_tenant(tenant_path)
    timelines = None
    evidence_path = manifest.path("evidence")
    if evidence_path is not None:
        try:
            capture_format, steps = read_evidence(evidence_path.read_bytes())
        except EvidenceError as error:
            raise ConfigError(f"{evidence_path}: {error}") from None
        raw = capture_format is CaptureFormat.RAW
        at = manifest.instant if raw else None
        timelines = judge_capture(capture_format, steps, tenant.check_settings(), at)
    diagnosis = diagnose(_doctor_evidence(manifest, tenant), manifest.instant, _CASE_SOURCES)
    return CaseResult(manifest.instant, diagnosis, timelines)


def _doctor_evidence(manifest: Manifest, tenant: Tenant) -> Evidence:
    def named(path: Path | None) -> tuple[str, bytes] | None:
        return None if path is None else (path.name, path.read_bytes())

    return gather_evidence(
        tenant,
        tenant.profile(),
        entra_apps=[(p.name, p.read_bytes()) for p in manifest.paths("entra_apps")],
        claims_policy=named(manifest.path("claims_policy")),
        idp_metadata=named(manifest.path("idp_metadata")),
        intent=manifest.intent,
    )


def _people(folder: Path, tenant: Tenant) -> set[str]:
    """Names to redact: directory global names and the name claims in the evidence."""
    names = {a.global_name for a in tenant.directory.addresses if a.global_name}
    manifest = load_manifest(folder)
    evidence = manifest.path("evidence")
    if evidence is None:
        return names
    try:
        _, steps = read_evidence(evidence.read_bytes())
    except EvidenceError:
        return names
    wanted = ("givenname", "surname", "displayname", "/name")
    for step in steps:
        if step.xml is None:
            continue
        root = parse_untrusted(step.xml)
        for attribute in root.iter(qname(ASSERTION, "Attribute")):
            if attribute.get("Name", "").endswith(wanted):
                names.update(v.text.strip() for v in attribute if v.text and v.text.strip())
    return names


def export_case(folder: Path, out: Path, *, correlation_ids: bool = False) -> Redactor:
    """Write a redacted copy of a case to `out`; returns the redactor (its pseudonym map,
    one for every file of the export, stays with support, not in the bundle)."""
    manifest = load_manifest(folder)
    tenant_path = manifest.path("tenant")
    tenant = load_tenant(tenant_path) if tenant_path else None
    redactor = Redactor(
        names=_people(folder, tenant) if tenant else set(), redact_trace_ids=correlation_ids
    )
    if out.exists() and any(out.iterdir()):
        raise ConfigError(f"{out}: not empty")
    files = sorted(p for p in folder.rglob("*") if p.is_file())
    for path in files:  # cookies, tokens and request IDs first, from every file
        text = path.read_text(errors="replace")
        redactor.learn_trace_ids(text)
        if path.suffix in (".json", ".har"):
            with contextlib.suppress(ValueError):
                redactor.learn(json.loads(text))
    for domain in tenant.directory.domains if tenant else ():
        redactor.domain(domain)
    # Two passes: the first meets every address, so that the second replaces each domain
    # wherever it stands, even before its first address.
    for write in (False, True):
        for path in files:
            output = _redacted(redactor, path)
            if write:
                target = out / path.relative_to(folder)
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(output)
    return redactor


def _redacted(redactor: Redactor, path: Path) -> bytes:
    if path.name != MANIFEST:
        return redactor.file(path.name, path.read_bytes())
    data = tomllib.loads(path.read_text())
    data["case"].update({"redacted": True, "note": REDACTION_NOTE})
    return redactor.text(tomli_w.dumps(data)).encode()
