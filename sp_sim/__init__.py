"""sp-sim: a SAML service-provider simulator and test harness that stands in for Mimecast.

from sp_sim import check_response, load_tenant
report = check_response(data, load_tenant(path).check_settings(), now)

The public names load on first use (PEP 562 `__getattr__`): importing `sp_sim` itself loads
nothing heavy (lxml, xmlsec, pydantic, aiohttp), so the `sp-sim` command's error boundary
(`sp_sim.cli.main`) is in place before any of them loads, and a Ctrl-C while they load is
an interruption like any other, not a traceback.
"""

from __future__ import annotations

import sys as _sys

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing (type checkers know it)
if TYPE_CHECKING:
    from sp_sim.core import (
        Certificate,
        CheckSettings,
        Code,
        Finding,
        Hint,
        Report,
        Side,
        Status,
        check_response,
        load_certificates,
    )
    from sp_sim.errors import ConfigError, InputError, SpSimError
    from sp_sim.tenant import Tenant, load_tenant

_SOURCES = {
    "Certificate": "sp_sim.core",
    "CheckSettings": "sp_sim.core",
    "Code": "sp_sim.core",
    "ConfigError": "sp_sim.errors",
    "Finding": "sp_sim.core",
    "Hint": "sp_sim.core",
    "InputError": "sp_sim.errors",
    "Report": "sp_sim.core",
    "Side": "sp_sim.core",
    "SpSimError": "sp_sim.errors",
    "Status": "sp_sim.core",
    "Tenant": "sp_sim.tenant",
    "check_response": "sp_sim.core",
    "load_certificates": "sp_sim.core",
    "load_tenant": "sp_sim.tenant",
}
"""Each public name and the module it comes from."""
del TYPE_CHECKING

__all__ = [
    "Certificate",
    "CheckSettings",
    "Code",
    "ConfigError",
    "Finding",
    "Hint",
    "InputError",
    "Report",
    "Side",
    "SpSimError",
    "Status",
    "Tenant",
    "check_response",
    "load_certificates",
    "load_tenant",
]


def __getattr__(name: str) -> object:
    """A public name, imported from its module on first use and kept."""
    source = _SOURCES.get(name)
    if source is None:
        raise AttributeError(f"module 'sp_sim' has no attribute {name!r}")
    __import__(source)
    value = getattr(_sys.modules[source], name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
