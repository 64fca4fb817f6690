"""Support workflow: evidence a customer sends (HAR, SAML-tracer, raw messages), their
settings (Mimecast profile, Entra metadata, `az` JSON), the doctor, and case bundles."""
