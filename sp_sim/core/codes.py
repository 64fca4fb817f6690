"""The catalogue of finding codes.

A code is public API: `<check>.<outcome>`. Never reuse or rename one; add a new one.
Every code has a one-line description (used by the README catalogue and `sp-sim codes`)
and a test case (tests/core/test_catalogue.py fails otherwise).
"""

from __future__ import annotations

from enum import StrEnum


class Code(StrEnum):
    """Stable finding codes."""

    @property
    def check(self) -> str:
        return self.value.split(".", 1)[0]

    @property
    def description(self) -> str:
        return DESCRIPTIONS[self]

    # endpoint: which regional /login/saml the message reached (server only)
    ENDPOINT_MATCH = "endpoint.match"
    ENDPOINT_WRONG_REGION = "endpoint.wrong-region"
    ENDPOINT_SKIPPED = "endpoint.skipped"
    # transport
    TRANSPORT_DECODED = "transport.decoded"
    TRANSPORT_EMPTY = "transport.empty"
    TRANSPORT_TOO_LARGE = "transport.too-large"
    TRANSPORT_NO_SAML_RESPONSE = "transport.no-saml-response"
    TRANSPORT_NOT_BASE64 = "transport.not-base64"
    TRANSPORT_DEFLATED = "transport.deflated"
    # xml safety and structure
    XML_SAFE = "xml.safe"
    XML_MALFORMED = "xml.malformed"
    XML_DTD_FORBIDDEN = "xml.dtd-forbidden"
    XML_NOT_A_RESPONSE = "xml.not-a-response"
    XML_MULTIPLE_RESPONSES = "xml.multiple-responses"
    XML_NO_ASSERTION = "xml.no-assertion"
    XML_MULTIPLE_ASSERTIONS = "xml.multiple-assertions"
    XML_ASSERTION_MISPLACED = "xml.assertion-misplaced"
    XML_ENCRYPTED_ASSERTION = "xml.encrypted-assertion"
    XML_DUPLICATE_ID = "xml.duplicate-id"
    XML_UNKNOWN_ELEMENT = "xml.unknown-element"
    XML_SCHEMA_INVALID = "xml.schema-invalid"
    XML_SKIPPED = "xml.skipped"
    # status
    STATUS_SUCCESS = "status.success"
    STATUS_ERROR = "status.error"
    STATUS_MISSING = "status.missing"
    STATUS_SKIPPED = "status.skipped"
    # signature and certificates
    SIGNATURE_VALID = "signature.valid"
    SIGNATURE_MISSING = "signature.missing"
    SIGNATURE_NO_CERTIFICATE = "signature.no-certificate"
    SIGNATURE_DIGEST_MISMATCH = "signature.digest-mismatch"
    SIGNATURE_KEY_MISMATCH = "signature.key-mismatch"
    SIGNATURE_INVALID = "signature.invalid"
    SIGNATURE_BAD_REFERENCE = "signature.bad-reference"
    SIGNATURE_UNSUPPORTED_ALGORITHM = "signature.unsupported-algorithm"
    SIGNATURE_SHA1 = "signature.sha1"
    SIGNATURE_ASSERTION_NOT_COVERED = "signature.assertion-not-covered"
    SIGNATURE_UNPROCESSABLE = "signature.unprocessable"
    SIGNATURE_SKIPPED = "signature.skipped"
    CERTIFICATE_VALID = "certificate.valid"
    CERTIFICATE_EXPIRED = "certificate.expired"
    CERTIFICATE_EXPIRING = "certificate.expiring"
    CERTIFICATE_SKIPPED = "certificate.skipped"
    # destination and recipient
    DESTINATION_MATCH = "destination.match"
    DESTINATION_MISMATCH = "destination.mismatch"
    DESTINATION_WRONG_REGION = "destination.wrong-region"
    DESTINATION_LEGACY_ENDPOINT = "destination.legacy-endpoint"
    DESTINATION_MISSING = "destination.missing"
    DESTINATION_SKIPPED = "destination.skipped"
    DESTINATION_BEHIND_PROXY = "destination.behind-proxy"
    RECIPIENT_MATCH = "recipient.match"
    RECIPIENT_MISMATCH = "recipient.mismatch"
    RECIPIENT_WRONG_REGION = "recipient.wrong-region"
    RECIPIENT_LEGACY_ENDPOINT = "recipient.legacy-endpoint"
    RECIPIENT_MISSING = "recipient.missing"
    RECIPIENT_SKIPPED = "recipient.skipped"
    RECIPIENT_BEHIND_PROXY = "recipient.behind-proxy"
    # issuer
    ISSUER_MATCH = "issuer.match"
    ISSUER_MISMATCH = "issuer.mismatch"
    ISSUER_TRAILING_SLASH = "issuer.trailing-slash"
    ISSUER_OTHER_TENANT = "issuer.other-tenant"
    ISSUER_LOGIN_URL = "issuer.login-url"
    ISSUER_MISSING = "issuer.missing"
    ISSUER_INCONSISTENT = "issuer.inconsistent"
    ISSUER_NOT_CONFIGURED = "issuer.not-configured"
    ISSUER_SKIPPED = "issuer.skipped"
    # audience
    AUDIENCE_MATCH = "audience.match"
    AUDIENCE_MISMATCH = "audience.mismatch"
    AUDIENCE_ACCOUNT_CODE_CASE = "audience.account-code-case"
    AUDIENCE_ACCOUNT_CODE_WRONG = "audience.account-code-wrong"
    AUDIENCE_ACCOUNT_CODE_MISSING = "audience.account-code-missing"
    AUDIENCE_WRONG_REGION = "audience.wrong-region"
    AUDIENCE_MISSING_SCHEME = "audience.missing-scheme"
    AUDIENCE_MISSING = "audience.missing"
    AUDIENCE_NOT_CONFIGURED = "audience.not-configured"
    AUDIENCE_SKIPPED = "audience.skipped"
    # time
    TIME_VALID = "time.valid"
    TIME_NOT_YET_VALID = "time.not-yet-valid"
    TIME_EXPIRED = "time.expired"
    TIME_CONFIRMATION_EXPIRED = "time.confirmation-expired"
    TIME_MISSING = "time.missing"
    TIME_UNREADABLE = "time.unreadable"
    TIME_SKIPPED = "time.skipped"
    # subject confirmation and request correlation
    SUBJECT_BEARER = "subject.bearer"
    SUBJECT_NOT_BEARER = "subject.not-bearer"
    SUBJECT_NO_CONFIRMATION = "subject.no-confirmation"
    SUBJECT_SP_INITIATED = "subject.sp-initiated"
    SUBJECT_IDP_INITIATED = "subject.idp-initiated"
    SUBJECT_UNKNOWN_REQUEST = "subject.unknown-request"
    SUBJECT_COOKIE_LOST = "subject.cookie-lost"
    SUBJECT_IN_RESPONSE_TO_MISMATCH = "subject.in-response-to-mismatch"
    SUBJECT_IN_RESPONSE_TO_UNSIGNED = "subject.in-response-to-unsigned"
    SUBJECT_SKIPPED = "subject.skipped"
    # replay
    REPLAY_FRESH = "replay.fresh"
    REPLAY_REPLAYED = "replay.replayed"
    REPLAY_SKIPPED = "replay.skipped"
    # authentication statement
    AUTHN_STATEMENT = "authn.statement"
    AUTHN_MISSING = "authn.missing"
    AUTHN_CONTEXT_DIFFERS = "authn.context-differs"
    AUTHN_SKIPPED = "authn.skipped"
    # NameID and the directory
    NAMEID_MAPPED = "nameid.mapped"
    NAMEID_MISSING = "nameid.missing"
    NAMEID_UPN_NOT_ADDRESS = "nameid.upn-not-address"
    NAMEID_OPAQUE_ID = "nameid.opaque-id"
    NAMEID_UNREGISTERED_DOMAIN = "nameid.unregistered-domain"
    NAMEID_UNKNOWN_ADDRESS = "nameid.unknown-address"
    NAMEID_SP_NAME_QUALIFIER = "nameid.sp-name-qualifier-mismatch"
    NAMEID_SKIPPED = "nameid.skipped"
    # the authentication profile that applies to the user
    PROFILE_APPLIES = "profile.applies"
    PROFILE_OTHER_PROFILE = "profile.other-profile"
    PROFILE_SAML_NOT_ENFORCED = "profile.saml-not-enforced"
    PROFILE_SSO_NOT_ALLOWED = "profile.sso-not-allowed"
    PROFILE_SKIPPED = "profile.skipped"
    # single logout: LogoutRequest / LogoutResponse at the SLO endpoint (server only)
    LOGOUT_ACCEPTED = "logout.accepted"
    LOGOUT_MALFORMED = "logout.malformed"
    LOGOUT_ISSUER_MISMATCH = "logout.issuer-mismatch"
    LOGOUT_UNSIGNED = "logout.unsigned"
    LOGOUT_SIGNATURE_INVALID = "logout.signature-invalid"
    LOGOUT_UNSUPPORTED_ALGORITHM = "logout.unsupported-algorithm"
    LOGOUT_SHA1 = "logout.sha1"
    LOGOUT_UNKNOWN_SESSION = "logout.unknown-session"
    LOGOUT_UNKNOWN_REQUEST = "logout.unknown-request"
    LOGOUT_FAILED = "logout.failed"
    # the doctor: both sides' settings cross-checked before anyone signs in
    DOCTOR_IDENTIFIER = "doctor.identifier"
    DOCTOR_IDENTIFIER_MISMATCH = "doctor.identifier-mismatch"
    DOCTOR_IDENTIFIER_NOT_URL = "doctor.identifier-not-url"
    DOCTOR_REPLY_URL = "doctor.reply-url"
    DOCTOR_REPLY_URL_MISSING = "doctor.reply-url-missing"
    DOCTOR_CONTEXT = "doctor.context"
    DOCTOR_CONTEXT_REQUESTED = "doctor.context-requested"
    DOCTOR_CERTIFICATE = "doctor.certificate"
    DOCTOR_CERTIFICATE_NOT_IN_PROFILE = "doctor.certificate-not-in-profile"
    DOCTOR_CERTIFICATE_NOT_IN_METADATA = "doctor.certificate-not-in-metadata"
    DOCTOR_CERTIFICATE_EXPIRING = "doctor.certificate-expiring"
    DOCTOR_ISSUER = "doctor.issuer"
    DOCTOR_ISSUER_MISMATCH = "doctor.issuer-mismatch"
    DOCTOR_REGION = "doctor.region"
    DOCTOR_REGION_MISMATCH = "doctor.region-mismatch"
    DOCTOR_SIGN_ON_URL = "doctor.sign-on-url"
    DOCTOR_SIGN_ON_URL_SET = "doctor.sign-on-url-set"
    DOCTOR_NAMEID = "doctor.nameid"
    DOCTOR_NAMEID_UPN = "doctor.nameid-upn"
    DOCTOR_ASSIGNMENT = "doctor.assignment"
    DOCTOR_ASSIGNMENT_REQUIRED = "doctor.assignment-required"
    DOCTOR_DIRECTORY = "doctor.directory"
    DOCTOR_DIRECTORY_EMPTY = "doctor.directory-empty"
    DOCTOR_PROFILE_INCOMPLETE = "doctor.profile-incomplete"
    DOCTOR_UNKNOWN = "doctor.unknown"


DESCRIPTIONS: dict[Code, str] = {
    Code.ENDPOINT_MATCH: "The message reached the account's regional endpoint.",
    Code.ENDPOINT_WRONG_REGION: "The message reached another region's endpoint than the account's.",
    Code.ENDPOINT_SKIPPED: "Not checked: an offline check, or no account region known.",
    Code.TRANSPORT_DECODED: "The HTTP-POST body or file was decoded to XML.",
    Code.TRANSPORT_EMPTY: "Nothing was received.",
    Code.TRANSPORT_TOO_LARGE: "The message is larger than the size limit.",
    Code.TRANSPORT_NO_SAML_RESPONSE: "A form body without a SAMLResponse field.",
    Code.TRANSPORT_NOT_BASE64: "SAMLResponse is not valid base64.",
    Code.TRANSPORT_DEFLATED: "The response is deflated as for HTTP-Redirect; "
    "responses must use HTTP-POST.",
    Code.XML_SAFE: "Well-formed, no DTD, one Response holding one Assertion.",
    Code.XML_MALFORMED: "The XML does not parse.",
    Code.XML_DTD_FORBIDDEN: "A DOCTYPE, entity declaration or external reference "
    "(forbidden in SAML).",
    Code.XML_NOT_A_RESPONSE: "The root element is not samlp:Response.",
    Code.XML_MULTIPLE_RESPONSES: "More than one Response element (a wrapping attack shape).",
    Code.XML_NO_ASSERTION: "A successful Response without an Assertion.",
    Code.XML_MULTIPLE_ASSERTIONS: "More than one Assertion (a wrapping attack shape).",
    Code.XML_ASSERTION_MISPLACED: "The Assertion is not a direct child of the Response.",
    Code.XML_ENCRYPTED_ASSERTION: "Token encryption is on at the IdP; Mimecast cannot decrypt.",
    Code.XML_DUPLICATE_ID: "Two elements share one ID (a wrapping attack shape).",
    Code.XML_UNKNOWN_ELEMENT: "An element SAML 2.0 does not allow there (a foreign or "
    "look-alike namespace).",
    Code.XML_SCHEMA_INVALID: "The Response or Assertion does not conform to the SAML 2.0 schemas.",
    Code.XML_SKIPPED: "Not checked: the message could not be decoded.",
    Code.STATUS_SUCCESS: "StatusCode is Success.",
    Code.STATUS_ERROR: "The IdP answered with an error status (AADSTS code shown).",
    Code.STATUS_MISSING: "No Status element.",
    Code.STATUS_SKIPPED: "Not checked: no readable Response.",
    Code.SIGNATURE_VALID: "A signature verifies with a configured certificate.",
    Code.SIGNATURE_MISSING: "Neither the Response nor the Assertion is signed.",
    Code.SIGNATURE_NO_CERTIFICATE: "No IdP certificate is configured to verify with.",
    Code.SIGNATURE_DIGEST_MISMATCH: "Signed content was altered after signing.",
    Code.SIGNATURE_KEY_MISMATCH: "Signed with a certificate the profile does not hold.",
    Code.SIGNATURE_INVALID: "The signature value does not verify.",
    Code.SIGNATURE_BAD_REFERENCE: "The signature does not reference the element that holds it.",
    Code.SIGNATURE_UNSUPPORTED_ALGORITHM: "An algorithm or transform that is not accepted.",
    Code.SIGNATURE_SHA1: "Signed with SHA-1.",
    Code.SIGNATURE_ASSERTION_NOT_COVERED: "No verified signature covers the Assertion.",
    Code.SIGNATURE_UNPROCESSABLE: "The signature or signed element cannot be processed "
    "(canonicalisation or key error); nothing verified.",
    Code.SIGNATURE_SKIPPED: "Not checked: no readable Response.",
    Code.CERTIFICATE_VALID: "The configured certificate is within its validity.",
    Code.CERTIFICATE_EXPIRED: "The configured certificate has expired.",
    Code.CERTIFICATE_EXPIRING: "The configured certificate expires within 60 days.",
    Code.CERTIFICATE_SKIPPED: "Not checked: no certificate configured.",
    Code.DESTINATION_MATCH: "Response Destination equals the ACS URL.",
    Code.DESTINATION_MISMATCH: "Response Destination is another URL.",
    Code.DESTINATION_WRONG_REGION: "Response Destination is another region's Mimecast host.",
    Code.DESTINATION_LEGACY_ENDPOINT: "Response Destination is an old Mimecast endpoint.",
    Code.DESTINATION_MISSING: "Response has no Destination.",
    Code.DESTINATION_SKIPPED: "Not checked: no readable Response, or no ACS URL configured.",
    Code.DESTINATION_BEHIND_PROXY: (
        "Destination differs from the ACS URL only in scheme, host or port, and an untrusted "
        "reverse proxy's headers name it: trust the proxy or fix its headers."
    ),
    Code.RECIPIENT_MATCH: "SubjectConfirmationData Recipient equals the ACS URL.",
    Code.RECIPIENT_MISMATCH: "Recipient is another URL.",
    Code.RECIPIENT_WRONG_REGION: "Recipient is another region's Mimecast host.",
    Code.RECIPIENT_LEGACY_ENDPOINT: "Recipient is an old Mimecast endpoint.",
    Code.RECIPIENT_MISSING: "SubjectConfirmationData has no Recipient.",
    Code.RECIPIENT_SKIPPED: "Not checked: no assertion, or no ACS URL configured.",
    Code.RECIPIENT_BEHIND_PROXY: (
        "Recipient differs from the ACS URL only in scheme, host or port, and an untrusted "
        "reverse proxy's headers name it: trust the proxy or fix its headers."
    ),
    Code.ISSUER_MATCH: "Issuer equals the profile's Issuer URL.",
    Code.ISSUER_MISMATCH: "Issuer is another value.",
    Code.ISSUER_TRAILING_SLASH: "Issuer differs only by the trailing slash.",
    Code.ISSUER_OTHER_TENANT: "Issuer names another Entra tenant.",
    Code.ISSUER_LOGIN_URL: "The profile's Issuer URL holds the Entra Login URL.",
    Code.ISSUER_MISSING: "The Assertion has no Issuer.",
    Code.ISSUER_INCONSISTENT: "Response and Assertion name different issuers.",
    Code.ISSUER_NOT_CONFIGURED: "No Issuer URL configured; the issuer was not compared.",
    Code.ISSUER_SKIPPED: "Not checked: no assertion.",
    Code.AUDIENCE_MATCH: "Audience equals the entity ID.",
    Code.AUDIENCE_MISMATCH: "Audience is another value.",
    Code.AUDIENCE_ACCOUNT_CODE_CASE: "Audience has the account code in the wrong case.",
    Code.AUDIENCE_ACCOUNT_CODE_WRONG: "Audience names another account code.",
    Code.AUDIENCE_ACCOUNT_CODE_MISSING: "Audience lacks the account code.",
    Code.AUDIENCE_WRONG_REGION: "Audience names another region's host.",
    Code.AUDIENCE_MISSING_SCHEME: "Audience lacks https://.",
    Code.AUDIENCE_MISSING: "No AudienceRestriction.",
    Code.AUDIENCE_NOT_CONFIGURED: "No entity ID configured; the audience was not compared.",
    Code.AUDIENCE_SKIPPED: "Not checked: no assertion.",
    Code.TIME_VALID: "Within NotBefore / NotOnOrAfter, allowing the clock skew.",
    Code.TIME_NOT_YET_VALID: "Before Conditions NotBefore.",
    Code.TIME_EXPIRED: "At or after Conditions NotOnOrAfter.",
    Code.TIME_CONFIRMATION_EXPIRED: "At or after SubjectConfirmationData NotOnOrAfter.",
    Code.TIME_MISSING: "No Conditions or no time limits.",
    Code.TIME_UNREADABLE: "A time attribute is not an xs:dateTime.",
    Code.TIME_SKIPPED: "Not checked: no assertion.",
    Code.SUBJECT_BEARER: "SubjectConfirmation uses the bearer method.",
    Code.SUBJECT_NOT_BEARER: "SubjectConfirmation uses another method.",
    Code.SUBJECT_NO_CONFIRMATION: "No SubjectConfirmation.",
    Code.SUBJECT_SP_INITIATED: "InResponseTo answers a request this SP sent.",
    Code.SUBJECT_IDP_INITIATED: "No InResponseTo: an IdP-initiated (unsolicited) response.",
    Code.SUBJECT_UNKNOWN_REQUEST: "InResponseTo names no outstanding request.",
    Code.SUBJECT_COOKIE_LOST: "Answers an outstanding request, but the browser did not "
    "bring the cookie the SP set when it sent it (SameSite).",
    Code.SUBJECT_IN_RESPONSE_TO_MISMATCH: "Response and SubjectConfirmationData "
    "InResponseTo differ.",
    Code.SUBJECT_IN_RESPONSE_TO_UNSIGNED: "Only the unsigned Response envelope names an "
    "InResponseTo; the signed assertion does not.",
    Code.SUBJECT_SKIPPED: "Not checked: no assertion.",
    Code.REPLAY_FRESH: "The assertion ID has not been seen before.",
    Code.REPLAY_REPLAYED: "The assertion ID was already used.",
    Code.REPLAY_SKIPPED: "Not checked: no replay cache (offline check) or no assertion.",
    Code.AUTHN_STATEMENT: "An AuthnStatement is present; its context class is reported.",
    Code.AUTHN_MISSING: "No AuthnStatement.",
    Code.AUTHN_CONTEXT_DIFFERS: "The context class differs from the one the profile requests.",
    Code.AUTHN_SKIPPED: "Not checked: no assertion.",
    Code.NAMEID_MAPPED: "NameID is a directory address.",
    Code.NAMEID_MISSING: "No NameID.",
    Code.NAMEID_UPN_NOT_ADDRESS: "NameID is a UPN or alias that is not the directory address.",
    Code.NAMEID_OPAQUE_ID: "NameID is an opaque (persistent / pairwise) ID.",
    Code.NAMEID_UNREGISTERED_DOMAIN: "NameID's domain is not registered in the directory.",
    Code.NAMEID_UNKNOWN_ADDRESS: "NameID's domain is registered but the address is missing.",
    Code.NAMEID_SP_NAME_QUALIFIER: "NameID SPNameQualifier is not the entity ID.",
    Code.NAMEID_SKIPPED: "Not checked: no directory configured, or no assertion.",
    Code.PROFILE_APPLIES: "The user's application setting reaches this profile, "
    "which enforces SAML.",
    Code.PROFILE_OTHER_PROFILE: "The user's application setting uses another profile.",
    Code.PROFILE_SAML_NOT_ENFORCED: "The profile does not enforce SAML for the application.",
    Code.PROFILE_SSO_NOT_ALLOWED: "The profile's Allow Single Sign On is not ticked.",
    Code.PROFILE_SKIPPED: "Not checked: no tenant profile, or the user was not found.",
    Code.LOGOUT_ACCEPTED: "The logout message is from the profile's IdP, verified, for a known "
    "session.",
    Code.LOGOUT_MALFORMED: "The logout message cannot be decoded or is not a logout message.",
    Code.LOGOUT_ISSUER_MISMATCH: "The logout message's Issuer is not the profile's Issuer URL.",
    Code.LOGOUT_UNSIGNED: "The logout message is not signed.",
    Code.LOGOUT_SIGNATURE_INVALID: "The logout message's signature does not verify with the "
    "profile's certificates.",
    Code.LOGOUT_UNSUPPORTED_ALGORITHM: "The logout message is signed with an algorithm that "
    "is not accepted (RSA with SHA-1/256/384/512 only).",
    Code.LOGOUT_SHA1: "The logout message is signed with SHA-1.",
    Code.LOGOUT_UNKNOWN_SESSION: "The LogoutRequest names no session this SP issued.",
    Code.LOGOUT_UNKNOWN_REQUEST: "The LogoutResponse answers no LogoutRequest this SP sent.",
    Code.LOGOUT_FAILED: "The IdP's LogoutResponse is not Success.",
    Code.DOCTOR_IDENTIFIER: "The Entra Identifier is the Mimecast entity ID.",
    Code.DOCTOR_IDENTIFIER_MISMATCH: "No Entra Identifier is the entity ID (AADSTS700016).",
    Code.DOCTOR_IDENTIFIER_NOT_URL: "The Identifier lacks https:// (AADSTS650056).",
    Code.DOCTOR_REPLY_URL: "A Reply URL is the region's ACS.",
    Code.DOCTOR_REPLY_URL_MISSING: "No Reply URL is the region's ACS (AADSTS50011).",
    Code.DOCTOR_CONTEXT: "No authentication context is requested.",
    Code.DOCTOR_CONTEXT_REQUESTED: "A context checkbox is ticked (AADSTS75011 for MFA users).",
    Code.DOCTOR_CERTIFICATE: "The profile holds Entra's active signing certificate.",
    Code.DOCTOR_CERTIFICATE_NOT_IN_PROFILE: "Entra signs with a certificate the profile lacks.",
    Code.DOCTOR_CERTIFICATE_NOT_IN_METADATA: "A profile certificate is not in the metadata.",
    Code.DOCTOR_CERTIFICATE_EXPIRING: "A signing certificate expires within 60 days.",
    Code.DOCTOR_ISSUER: "The profile's Issuer URL is the metadata's entityID.",
    Code.DOCTOR_ISSUER_MISMATCH: "The Issuer URL is not the metadata's entityID.",
    Code.DOCTOR_REGION: "The region matches the account code's prefix.",
    Code.DOCTOR_REGION_MISMATCH: "The region does not match the account code's prefix.",
    Code.DOCTOR_SIGN_ON_URL: "No Sign-on URL while IdP-initiated sign-in is intended.",
    Code.DOCTOR_SIGN_ON_URL_SET: "A Sign-on URL is set while IdP-initiated is intended.",
    Code.DOCTOR_NAMEID: "The NameID comes from user.mail.",
    Code.DOCTOR_NAMEID_UPN: "The NameID source may not match directory addresses.",
    Code.DOCTOR_ASSIGNMENT: "Assignment is not required.",
    Code.DOCTOR_ASSIGNMENT_REQUIRED: "Assignment is required (AADSTS50105 for others).",
    Code.DOCTOR_DIRECTORY: "The directory has registered domains.",
    Code.DOCTOR_DIRECTORY_EMPTY: "The directory has no registered domain.",
    Code.DOCTOR_PROFILE_INCOMPLETE: "The profile lacks an Issuer URL, Login URL or certificate.",
    Code.DOCTOR_UNKNOWN: "Not predicted: a piece of the settings was not provided.",
}
