"""sp-sim: a SAML service-provider simulator and test harness that stands in for Mimecast.

from sp_sim import check_response, load_tenant
report = check_response(data, load_tenant(path).check_settings(), now)
"""

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
