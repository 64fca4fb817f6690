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
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import tomli_w

from sp_sim.core.model import Finding, Status
from sp_sim.core.xml import ASSERTION, parse_instant, parse_untrusted, qname
from sp_sim.errors import ConfigError
from sp_sim.render.doctor import doctor_text
from sp_sim.render.timeline import timelines_text
from sp_sim.support.doctor import diagnose
from sp_sim.support.evidence import EvidenceError, Step, read_evidence
from sp_sim.support.inputs import gather_evidence
from sp_sim.support.prediction import Evidence
from sp_sim.support.redact import Redactor
from sp_sim.support.timeline import SignIn, build_timelines, judge
from sp_sim.tenant import Tenant, load_tenant
from sp_sim.tenant.config import tenant_to_toml

MANIFEST = "case.toml"
REDACTION_NOTE = (
    "Personal data in this bundle was replaced by pseudonyms after sp-sim "
    "judged the original: signatures were verified before redaction, and the "
    "SAML messages here no longer verify. The verdict and findings are the "
    "original's."
)


@dataclass
class CaseResult:
    """What a case comes to: the sign-ins in its evidence and the doctor's predictions."""

    instant: datetime
    capture_format: str | None = None
    sign_ins: list[SignIn] = field(default_factory=list)
    doctor: list[Finding] = field(default_factory=list)

    @property
    def works(self) -> bool:
        return all(s.works for s in self.sign_ins) and not any(
            f.status is Status.FAIL for f in self.doctor
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "verdict": "works" if self.works else "fails",
            "instant": self.instant.isoformat(),
            "evidence": None
            if self.capture_format is None
            else {"format": self.capture_format, "sign_ins": [s.to_dict() for s in self.sign_ins]},
            "doctor": [f.to_dict() for f in self.doctor],
        }

    def text(self) -> str:
        parts = []
        if self.capture_format is not None:
            parts.append(timelines_text(self.capture_format, self.sign_ins))
        parts.append(doctor_text(self.doctor, ["the case's settings"]))
        verdict = "WORKS" if self.works else "FAILS"
        return f"case verdict: {verdict} (judged at {self.instant.isoformat()})\n\n" + "\n".join(
            parts
        )


@dataclass(frozen=True)
class Manifest:
    folder: Path
    instant: datetime
    intent: str
    redacted: bool
    inputs: dict[str, Any]

    def path(self, key: str) -> Path | None:
        value = self.inputs.get(key)
        return None if not value else self.folder / str(value)

    def paths(self, key: str) -> list[Path]:
        return [self.folder / str(v) for v in self.inputs.get(key, [])]


def _first_capture_time(steps: list[Step]) -> datetime | None:
    times = [s.at for s in steps if s.at is not None]
    return min(times) if times else None


def create_case(
    folder: Path,
    tenant_file: Path,
    *,
    evidence: Path | None = None,
    entra_apps: tuple[Path, ...] = (),
    claims_policy: Path | None = None,
    idp_metadata: Path | None = None,
    at: datetime | None = None,
    intent: str = "both",
) -> CaseResult:
    """Copy the inputs into a new case folder, pin the instant, and compute the report.
    On any unusable input the folder is removed again (creating it anew must work)."""
    if folder.exists() and any(folder.iterdir()):
        raise ConfigError(f"{folder}: not empty; a case is created in a new folder")
    try:
        return _write_case(
            folder, tenant_file, evidence, entra_apps, claims_policy, idp_metadata, at, intent
        )
    except (ConfigError, OSError) as error:
        shutil.rmtree(folder, ignore_errors=True)
        if isinstance(error, OSError):
            raise ConfigError(f"cannot read {error.filename} ({error.strerror})") from None
        raise


def _write_case(
    folder: Path,
    tenant_file: Path,
    evidence: Path | None,
    entra_apps: tuple[Path, ...],
    claims_policy: Path | None,
    idp_metadata: Path | None,
    at: datetime | None,
    intent: str,
) -> CaseResult:
    inputs_dir = folder / "inputs"
    inputs_dir.mkdir(parents=True, exist_ok=True)
    (inputs_dir / "tenant.toml").write_text(tenant_to_toml(load_tenant(tenant_file)))
    inputs: dict[str, Any] = {"tenant": "inputs/tenant.toml"}
    pinned = at
    if evidence is not None:
        target = inputs_dir / f"evidence{evidence.suffix or '.txt'}"
        shutil.copyfile(evidence, target)
        inputs["evidence"] = f"inputs/{target.name}"
        try:
            pinned = pinned or _first_capture_time(read_evidence(target.read_bytes())[1])
        except EvidenceError as error:
            raise ConfigError(f"{evidence}: {error}") from None
    for number, app_file in enumerate(entra_apps, start=1):
        shutil.copyfile(app_file, inputs_dir / f"entra-app-{number}.json")
        inputs.setdefault("entra_apps", []).append(f"inputs/entra-app-{number}.json")
    for key, optional, name in (
        ("claims_policy", claims_policy, "claims-policy.json"),
        ("idp_metadata", idp_metadata, "federationmetadata.xml"),
    ):
        if optional is not None:
            shutil.copyfile(optional, inputs_dir / name)
            inputs[key] = f"inputs/{name}"
    now = datetime.now(UTC)
    manifest = {
        "case": {
            "created": now.isoformat(),
            "instant": (pinned or now).isoformat(),
            "intent": intent,
            "redacted": False,
        },
        "inputs": inputs,
    }
    (folder / MANIFEST).write_text(tomli_w.dumps(manifest))
    result = run_case(folder)
    (folder / "report.json").write_text(json.dumps(result.to_dict(), indent=2, ensure_ascii=False))
    (folder / "report.txt").write_text(result.text())
    return result


def load_manifest(folder: Path) -> Manifest:
    try:
        data = tomllib.loads((folder / MANIFEST).read_text())
        case = data["case"]
        return Manifest(
            folder,
            parse_instant(case["instant"]),
            case.get("intent", "both"),
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
    result = CaseResult(manifest.instant)
    evidence_path = manifest.path("evidence")
    if evidence_path is not None:
        try:
            result.capture_format, steps = read_evidence(evidence_path.read_bytes())
        except EvidenceError as error:
            raise ConfigError(f"{evidence_path}: {error}") from None
        sign_ins = build_timelines(steps)
        raw = result.capture_format == "raw message"
        result.sign_ins = judge(
            sign_ins, tenant.check_settings(), manifest.instant if raw else None
        )
    result.doctor = diagnose(_doctor_evidence(manifest, tenant), manifest.instant)
    return result


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
