"""Mimecast's regions and the URLs derived from them.

Facts from shared/reference/mimecast-entra-sso.md §1. `parse_mimecast_url` reads a URL
that someone typed into an Entra app so that a check can say what is near-miss about it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit


@dataclass(frozen=True)
class Region:
    """One Mimecast grid."""

    key: str
    host: str
    account_prefix: str | None
    admin_host: str | None = None
    alias_hosts: tuple[str, ...] = ()

    @property
    def acs_url(self) -> str:
        return f"https://{self.host}/login/saml"

    def entity_id(self, account_code: str) -> str:
        return f"https://{self.host}/sso/{account_code}"

    @property
    def hosts(self) -> tuple[str, ...]:
        return (self.host, *self.alias_hosts)


REGIONS: dict[str, Region] = {
    r.key: r
    for r in (
        Region("eu", "eu-api.mimecast.com", "CUK", "login-eu.mimecast.com"),
        Region("de", "de-api.mimecast.com", "CDE"),
        Region("us", "us-api.mimecast.com", "CUSA", "login-us.mimecast.com"),
        Region("usb", "usb-api.mimecast.com", "CUSB", "login-usb.mimecast.com"),
        Region("ca", "ca-api.mimecast.com", "CCA"),
        Region("za", "za-api.mimecast.com", "CSA", "login-za.mimecast.com"),
        Region("au", "au-api.mimecast.com", "CAU", "login-au.mimecast.com"),
        # Microsoft's tutorials say jer-api; Mimecast's own scripts use je-api. Accept both.
        Region(
            "jer", "jer-api.mimecast.com", None, "login-jer.mimecast.com", ("je-api.mimecast.com",)
        ),
        Region("uspcom", "uspcom-api.mimecast-pscom-us.com", None),
    )
}

LEGACY_HOSTS = re.compile(r"^webmail-(us|uk|za)\.mimecast\.com$")
LEGACY_PATHS = ("/login/sso/mpp",)


def region_for_host(host: str) -> Region | None:
    """The region whose SAML host (or alias) this is, case-insensitively."""
    wanted = host.lower().rstrip(".")
    for region in REGIONS.values():
        if wanted in region.hosts:
            return region
    return None


def region_for_account(account_code: str) -> Region | None:
    """The region an account code's prefix belongs to, when the prefix says."""
    best: Region | None = None
    for region in REGIONS.values():
        prefix = region.account_prefix
        if (
            prefix
            and account_code.upper().startswith(prefix)
            and (best is None or len(prefix) > len(best.account_prefix or ""))
        ):
            best = region
    return best


@dataclass(frozen=True)
class MimecastUrl:
    """A URL, read as if it were meant to be one of Mimecast's."""

    raw: str
    scheme: str
    host: str
    path: str
    region: Region | None

    @property
    def is_legacy(self) -> bool:
        return bool(LEGACY_HOSTS.match(self.host)) or self.path.rstrip("/") in LEGACY_PATHS

    @property
    def account_code(self) -> str | None:
        """What follows /sso/ in an entity ID; '' when the path is /sso or /sso/."""
        match = re.fullmatch(r"/sso(?:/([^/]*))?/?", self.path)
        if match is None:
            return None
        return match.group(1) or ""


def parse_mimecast_url(value: str) -> MimecastUrl:
    """Split a URL; a value without a scheme is read as if https:// were missing."""
    text = value.strip()
    try:
        parts = urlsplit(text if "://" in text else f"//{text}")
        host = (parts.hostname or "").lower()
    except ValueError:  # "http://[" and the like: no host can be read; compare as text
        return MimecastUrl(raw=value, scheme="", host="", path="", region=None)
    return MimecastUrl(
        raw=value,
        scheme=parts.scheme.lower(),
        host=host,
        path=parts.path,
        region=region_for_host(host),
    )


def schemeless_entity_id(region: Region, account_code: str) -> str:
    """The form Mimecast asks non-Entra IdPs for: `<host>.<ACCOUNTCODE>`."""
    return f"{region.host}.{account_code}"


def other_spelling(observed: MimecastUrl, expected: MimecastUrl) -> bool:
    """The same https URL on another spelling of the region's host (jer-api / je-api)."""
    return (
        observed.region is not None
        and observed.region == expected.region
        and observed.host != expected.host
        and observed.scheme == expected.scheme == "https"
        and observed.path == expected.path
    )
