"""The simulated Mimecast account and its TOML file."""

from sp_sim.tenant.config import load_tenant, tenant_from_dict
from sp_sim.tenant.model import Account, AuthenticationProfile, Tenant

__all__ = ["Account", "AuthenticationProfile", "Tenant", "load_tenant", "tenant_from_dict"]
