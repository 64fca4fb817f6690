"""Read a fake Entra tenant from TOML (see sp_sim/demo/idp.toml). Errors name the key."""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

from sp_sim.configfile import read_toml
from sp_sim.core.certs import Certificate, CertificateError, load_certificates
from sp_sim.core.keys import SigningKey
from sp_sim.errors import ConfigError
from sp_sim.idp.faults import FaultSet
from sp_sim.idp.mint import Algorithm, Signing
from sp_sim.idp.model import NAMEID_FORMATS, EnterpriseApp, IdpTenant, User


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _Tenant(_Strict):
    id: str = Field(pattern=r"^[0-9a-fA-F-]{36}$")


class _Key(_Strict):
    key_file: str
    certificate_file: str


class _App(_Strict):
    app_id: str
    name: str
    identifiers: list[str] = Field(min_length=1)
    reply_urls: list[str] = Field(min_length=1)
    default_reply_url: str | None = None
    sign_on_url: str | None = None
    logout_url: str | None = None
    name_id_source: str = "user.userprincipalname"
    name_id_format: Literal["emailAddress", "persistent", "unspecified", "transient"] = (
        "emailAddress"
    )
    extra_claims: dict[str, str] = Field(default_factory=dict)
    groups_claim: bool = False
    signing: Signing = Signing.ASSERTION
    algorithm: Algorithm = Algorithm.SHA256
    token_encryption_certificate_file: str | None = None
    assignment_required: bool = False
    assigned_users: list[str] = Field(default_factory=list)
    assigned_groups: list[str] = Field(default_factory=list)
    require_signed_requests: bool = False
    verification_certificate_files: list[str] = Field(default_factory=list)
    faults: list[str] = Field(default_factory=list)
    not_before_minutes: int = Field(default=5, ge=0)
    lifetime_minutes: int = Field(default=60, ge=1)
    confirmation_minutes: int = Field(default=5, ge=1)


class _Group(_Strict):
    id: str
    name: str = ""


class _IdpFile(_Strict):
    tenant: _Tenant
    keys: list[_Key] = Field(default_factory=list)
    apps: list[_App] = Field(min_length=1)
    users: list[User] = Field(min_length=1)
    groups: list[_Group] = Field(default_factory=list)


def demo_idp_path() -> Path:
    """The embedded demo tenant's file."""
    return Path(str(resources.files("sp_sim") / "demo" / "idp.toml"))


def load_idp(path: Path | None = None) -> IdpTenant:
    """Read and validate an IdP tenant file (the demo when None). Raises ConfigError."""
    path = path or demo_idp_path()
    parsed = read_toml(path, _IdpFile)
    seen: dict[str, int] = {}
    for i, app in enumerate(parsed.apps):
        for identifier in app.identifiers:
            if identifier in seen:
                # Entra refuses to save a second app with an Identifier already in use.
                raise ConfigError(
                    f"{path}: apps[{i}].identifiers: {identifier!r} is already "
                    f"the Identifier of apps[{seen[identifier]}]"
                )
            seen[identifier] = i
    base = path.parent
    keys = tuple(_key(base, k, f"{path}: keys[{i}]") for i, k in enumerate(parsed.keys))
    return IdpTenant(
        tenant_id=parsed.tenant.id.lower(),
        signing_keys=keys or (SigningKey.generate(),),
        apps=tuple(_app(base, a, f"{path}: apps[{i}]") for i, a in enumerate(parsed.apps)),
        users=tuple(parsed.users),
        groups={g.id: g.name for g in parsed.groups},
    )


def _key(base: Path, raw: _Key, where: str) -> SigningKey:
    try:
        return SigningKey.load(base / raw.key_file, base / raw.certificate_file)
    except (OSError, ValueError) as error:
        raise ConfigError(f"{where}: cannot load the key pair ({error})") from None


def _certificates(base: Path, name: str, where: str) -> tuple[Certificate, ...]:
    try:
        return load_certificates((base / name).read_bytes(), where)
    except OSError as error:
        raise ConfigError(f"{where}: cannot read {name} ({error.strerror})") from None
    except CertificateError as error:
        raise ConfigError(str(error)) from None


def _app(base: Path, raw: _App, where: str) -> EnterpriseApp:
    try:
        FaultSet.parse(raw.faults)
    except ValueError as error:
        raise ConfigError(f"{where}.faults: {error}") from None
    encryption = None
    if raw.token_encryption_certificate_file:
        encryption = _certificates(
            base,
            raw.token_encryption_certificate_file,
            f"{where}.token_encryption_certificate_file",
        )[0]
    verification: list[Certificate] = []
    for i, name in enumerate(raw.verification_certificate_files):
        verification += _certificates(base, name, f"{where}.verification_certificate_files[{i}]")
    # Every field the file and the model share is carried over by name, so a setting the
    # file accepts cannot be dropped on the way (confirmation_minutes once was).
    shared = raw.model_dump(exclude=_FILE_ONLY)
    return _APP.validate_python(
        {
            **shared,
            "extra_claims": tuple(raw.extra_claims.items()),
            "token_encryption_certificate": encryption,
            "verification_certificates": tuple(verification),
        }
    )


_FILE_ONLY = {"token_encryption_certificate_file", "verification_certificate_files"}
_APP: TypeAdapter[EnterpriseApp] = TypeAdapter(EnterpriseApp)


__all__ = ["NAMEID_FORMATS", "demo_idp_path", "load_idp"]
