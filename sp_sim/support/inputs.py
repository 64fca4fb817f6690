"""The doctor's inputs, read from what support collected: `az` JSON (servicePrincipal and/or
application), a claims-mapping policy and federation metadata. One place for the doctor
command and case bundles; anything unreadable is a ConfigError naming its source."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from sp_sim.core.certs import Certificate, CertificateError, load_certificates
from sp_sim.core.metadata import IdpMetadata, MetadataError, parse_idp_metadata
from sp_sim.errors import ConfigError
from sp_sim.support.graph import EntraApp, GraphError, merge, read_claims_policy, read_graph
from sp_sim.support.prediction import Evidence, Intent
from sp_sim.tenant import AuthenticationProfile, Tenant

Named = tuple[str, bytes]  # (where it came from, its bytes)


def gather_evidence(
    tenant: Tenant,
    profile: AuthenticationProfile,
    *,
    entra_apps: Sequence[Named] = (),
    claims_policy: Named | None = None,
    idp_metadata: Named | None = None,
    intent: Intent = Intent.BOTH,
) -> Evidence:
    """Everything the doctor reads; pieces not given stay unknown."""
    entra: EntraApp | None = None
    try:
        for source, data in entra_apps:
            read = read_graph(data, source)
            entra = read if entra is None else merge(entra, read)
        if claims_policy is not None:
            source, data = claims_policy
            entra = replace(
                entra or EntraApp(),
                name_id_source=read_claims_policy(data, source),
                sources=(*(entra.sources if entra else ()), source),
            )
    except GraphError as error:
        raise ConfigError(str(error)) from None
    metadata: IdpMetadata | None = None
    certificates: tuple[Certificate, ...] = ()
    if idp_metadata is not None:
        source, data = idp_metadata
        try:
            metadata, certificates = parse_idp_metadata(data), load_certificates(data, source)
        except (MetadataError, CertificateError) as error:
            raise ConfigError(f"{source}: {error}") from None
    return Evidence(tenant, profile, entra, metadata, certificates, intent)
