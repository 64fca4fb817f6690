"""Exceptions for misuse and infrastructure. Validation outcomes are findings, never these.

Every exception sp-sim raises derives from `SpSimError`; the CLI maps the tree to exit 2
(unusable input) in one place.

SpSimError
 ├── ConfigError        a settings file, flag or certificate cannot be used
 │    ├── CertificateError   (core.certs) no certificate can be read from the bytes
 │    └── MetadataError      (core.metadata) IdP metadata that cannot be read
 ├── InputError         a file named by the user cannot be read
 │    ├── EvidenceError      (support.evidence) a capture that cannot be read
 │    └── GraphError         (support.graph) Entra app JSON that cannot be read
 ├── UnsafeXML          (core.xml) a document with a DTD, refused unread
 ├── BindingError       (core.bindings) a message that cannot be read off its binding
 ├── ImportFailed       (server.metadata) a metadata Import that could not complete
 ├── StoreFull          (server.state) a security store full of unexpired entries
 └── EntraError         (idp.requests) the fake IdP's AADSTS refusal of a request

Those that callers have long caught as `ValueError` keep it as a second base.
"""

from __future__ import annotations


class SpSimError(Exception):
    """Base of every sp-sim exception."""


class ConfigError(SpSimError):
    """Settings that cannot be used; the message names the file and key."""


class InputError(SpSimError):
    """An input named by the user cannot be read."""
