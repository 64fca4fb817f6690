"""Read a tenant from TOML. See sp_sim/demo/tenant.toml for the commented example.

Errors name the key: `tenant.toml: profiles[0].issuer_url: Input should be a valid string`.
Certificate and metadata files are read relative to the TOML file.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Annotated

import tomli_w
from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from sp_sim.configfile import read_toml, validate
from sp_sim.core.certs import Certificate, CertificateError, load_certificates, unique
from sp_sim.core.metadata import MetadataError, parse_idp_metadata
from sp_sim.core.mimecast import REGIONS
from sp_sim.core.settings import APPLICATIONS, Address, Directory
from sp_sim.errors import ConfigError
from sp_sim.tenant.model import Account, AuthenticationProfile, Tenant

AccountCode = Annotated[str, StringConstraints(pattern=r"^[A-Z0-9]+$")]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _Account(_Strict):
    code: AccountCode
    region: str


class _Profile(_Strict):
    name: str
    provider: str = "Azure Active Directory"
    issuer_url: str | None = None
    login_url: str | None = None
    logout_url: str | None = None
    metadata_url: str | None = None
    idp_certificates: list[str] = Field(default_factory=list)
    idp_certificate_files: list[str] = Field(default_factory=list)
    idp_metadata_file: str | None = None
    allow_single_sign_on: bool = True
    use_password_protected_context: bool = False
    use_integrated_authentication_context: bool = False
    enforce_saml_for: list[str] = Field(
        default_factory=lambda: [
            "administration_console",
            "personal_portal",
            "end_user_applications",
        ]
    )
    allow_unsigned_logout: bool = False


class _Directory(_Strict):
    domains: list[str] = Field(default_factory=list)
    addresses: list[Address] = Field(default_factory=list)


class _Checks(_Strict):
    clock_skew_seconds: int = Field(default=300, ge=0, le=86400)  # a day at most


class _TenantFile(_Strict):
    account: _Account
    profiles: list[_Profile] = Field(min_length=1)
    directory: _Directory = Field(default_factory=_Directory)
    checks: _Checks = Field(default_factory=_Checks)


def load_tenant(path: Path) -> Tenant:
    """Read and validate a tenant file. Raises ConfigError naming the file and key."""
    return _tenant(read_toml(path, _TenantFile), source=path)


def tenant_from_dict(data: dict[str, object], source: Path) -> Tenant:
    """Validate parsed TOML into a Tenant; `source` names it and anchors relative paths."""
    return _tenant(validate(data, _TenantFile, source), source)


def _tenant(parsed: _TenantFile, source: Path) -> Tenant:
    if parsed.account.region not in REGIONS:
        raise ConfigError(
            f"{source}: account.region: {parsed.account.region!r} is not one of "
            f"{', '.join(REGIONS)}"
        )
    profiles = tuple(_profile(p, i, source) for i, p in enumerate(parsed.profiles))
    names = [p.name for p in profiles]
    for i, address in enumerate(parsed.directory.addresses):
        where = f"{source}: directory.addresses[{i}]"
        if address.profile is not None and address.profile not in names:
            raise ConfigError(f"{where}.profile: no profile named {address.profile!r}")
        if address.application is not None and address.application not in APPLICATIONS:
            raise ConfigError(
                f"{where}.application: {address.application!r} is not one of "
                f"{', '.join(APPLICATIONS)}"
            )
        if "@" not in address.email:
            raise ConfigError(f"{where}.email: {address.email!r} is not an email address")
    return Tenant(
        account=Account(parsed.account.code, REGIONS[parsed.account.region]),
        profiles=profiles,
        directory=Directory(
            domains=frozenset(d.strip().lower() for d in parsed.directory.domains),
            addresses=tuple(parsed.directory.addresses),
        ),
        clock_skew=timedelta(seconds=parsed.checks.clock_skew_seconds),
    )


def _profile(raw: _Profile, index: int, source: Path) -> AuthenticationProfile:
    where = f"{source}: profiles[{index}]"
    for application in raw.enforce_saml_for:
        if application not in APPLICATIONS:
            raise ConfigError(
                f"{where}.enforce_saml_for: {application!r} is not one of {', '.join(APPLICATIONS)}"
            )
    certificates: list[Certificate] = []
    for i, text in enumerate(raw.idp_certificates):
        certificates += _certificates(text.encode(), f"{where}.idp_certificates[{i}]")
    base = source.parent
    for i, name in enumerate(raw.idp_certificate_files):
        certificates += _certificates(
            _read(base / name, f"{where}.idp_certificate_files[{i}]"),
            f"{where}.idp_certificate_files[{i}]",
        )
    issuer, login, logout = raw.issuer_url, raw.login_url, raw.logout_url
    if raw.idp_metadata_file is not None:
        key = f"{where}.idp_metadata_file"
        try:
            metadata = parse_idp_metadata(_read(base / raw.idp_metadata_file, key))
        except MetadataError as error:
            raise ConfigError(f"{key}: {error}") from None
        certificates += _certificates(
            "\n".join(
                f"-----BEGIN CERTIFICATE-----\n{c}\n-----END CERTIFICATE-----"
                for c in metadata.signing_certificates
            ).encode(),
            key,
        )
        issuer = issuer or metadata.entity_id
        login = login or metadata.login_url
        logout = logout or metadata.logout_url
    return AuthenticationProfile(
        name=raw.name,
        provider=raw.provider,
        issuer_url=issuer,
        login_url=login,
        logout_url=logout,
        metadata_url=raw.metadata_url,
        certificates=unique(tuple(certificates)),
        allow_single_sign_on=raw.allow_single_sign_on,
        use_password_protected_context=raw.use_password_protected_context,
        use_integrated_authentication_context=raw.use_integrated_authentication_context,
        enforce_saml_for=frozenset(raw.enforce_saml_for),
        allow_unsigned_logout=raw.allow_unsigned_logout,
    )


def _read(path: Path, key: str) -> bytes:
    try:
        return path.read_bytes()
    except OSError as error:
        raise ConfigError(f"{key}: cannot read {path} ({error.strerror})") from None


def _certificates(data: bytes, key: str) -> tuple[Certificate, ...]:
    try:
        return load_certificates(data, key)
    except CertificateError as error:
        raise ConfigError(str(error)) from None


def _profile_table(p: AuthenticationProfile) -> dict[str, object]:
    table: dict[str, object | None] = {
        "name": p.name,
        "provider": p.provider,
        "issuer_url": p.issuer_url,
        "login_url": p.login_url,
        "logout_url": p.logout_url,
        "metadata_url": p.metadata_url,
        "idp_certificates": [c.pem for c in p.certificates],
        "allow_single_sign_on": p.allow_single_sign_on,
        "use_password_protected_context": p.use_password_protected_context,
        "use_integrated_authentication_context": p.use_integrated_authentication_context,
        "enforce_saml_for": sorted(p.enforce_saml_for),
        "allow_unsigned_logout": p.allow_unsigned_logout,
    }
    return {k: v for k, v in table.items() if v is not None}


def tenant_to_toml(tenant: Tenant) -> str:
    """The tenant as a self-contained TOML file (certificates inline as PEM), which
    `load_tenant` reads back to an equal tenant."""
    addresses = [
        {
            k: v
            for k, v in {
                "email": a.email,
                "global_name": a.global_name,
                "profile": a.profile,
                "application": a.application,
            }.items()
            if v is not None
        }
        for a in tenant.directory.addresses
    ]
    document: dict[str, object] = {
        "account": {"code": tenant.account.code, "region": tenant.account.region.key},
        "checks": {"clock_skew_seconds": int(tenant.clock_skew.total_seconds())},
        "profiles": [_profile_table(p) for p in tenant.profiles],
        "directory": {"domains": sorted(tenant.directory.domains), "addresses": addresses},
    }
    return tomli_w.dumps(document)
