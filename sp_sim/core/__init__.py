"""The pure validation core: bytes, settings and an instant in, a Report out.

No sockets, no files, no clock reads. Server, fake IdP, CLI and pytest plugin sit on it.
"""

from sp_sim.core.certs import Certificate, CertificateError, load_certificates
from sp_sim.core.codes import Code
from sp_sim.core.engine import check_response
from sp_sim.core.metadata import IdpMetadata, MetadataError, parse_idp_metadata
from sp_sim.core.model import Finding, Hint, Report, Side, Status
from sp_sim.core.settings import Address, CheckSettings, Directory, ProfileView

__all__ = [
    "Address",
    "Certificate",
    "CertificateError",
    "CheckSettings",
    "Code",
    "Directory",
    "Finding",
    "Hint",
    "IdpMetadata",
    "MetadataError",
    "ProfileView",
    "Report",
    "Side",
    "Status",
    "check_response",
    "load_certificates",
    "parse_idp_metadata",
]
