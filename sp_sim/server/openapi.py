"""The OpenAPI 3.1 description of the JSON API (`sp_sim.server.api`), served at
/api/openapi.json. The report schema is left open: it is `Report.to_dict()`, whose finding
codes are documented in `sp_sim.core.codes`."""

from __future__ import annotations

from typing import Any

_JSON = "application/json"


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _answer(description: str, schema: str) -> dict[str, Any]:
    return {"description": description, "content": {_JSON: {"schema": _ref(schema)}}}


_ERRORS = {
    "400": _answer("The input cannot be used; `message` says why", "Error"),
}

_CHECK_BODY = {
    "required": True,
    "description": "The SAMLResponse as raw XML, base64 or a form body (`at` and "
    "`request_id` then in the query), or a JSON object.",
    "content": {
        _JSON: {"schema": _ref("CheckRequest")},
        "application/xml": {"schema": {"type": "string"}},
        "text/plain": {"schema": {"type": "string"}},
        "application/x-www-form-urlencoded": {"schema": {"type": "string"}},
    },
}

_QUERY = [
    {
        "name": "at",
        "in": "query",
        "required": False,
        "description": "The instant to judge at (ISO 8601 with offset); default: now",
        "schema": {"type": "string", "format": "date-time"},
    },
    {
        "name": "request_id",
        "in": "query",
        "required": False,
        "description": "The AuthnRequest ID to treat as outstanding",
        "schema": {"type": "string"},
    },
]


def _filter(name: str, description: str, allowed: list[str] | None = None) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "string"}
    if allowed:
        schema["enum"] = allowed
    return {
        "name": name,
        "in": "query",
        "required": False,
        "description": description,
        "schema": schema,
    }


_RESULT_FILTERS = [
    _filter("verdict", "Only this verdict (`refused`: by the IdP)", ["works", "fails", "refused"]),
    _filter("initiator", "Only SP- or IdP-initiated sign-ins", ["sp", "idp"]),
    _filter("user", "Only users whose address contains this (any case)"),
    _filter("code", "Only results with a failing code (or AADSTS code) containing this"),
]

_PATHS: dict[str, Any] = {
    "/api/check": {
        "post": {
            "operationId": "check",
            "summary": "Judge a SAMLResponse against the running tenant (changes no state)",
            "parameters": _QUERY,
            "requestBody": _CHECK_BODY,
            "responses": {"200": _answer("The report", "Report"), **_ERRORS},
        }
    },
    "/api/results": {
        "get": {
            "operationId": "listResults",
            "summary": "The recent attempts at the ACS and sign-ins the fake IdP refused, "
            "newest first",
            "parameters": _RESULT_FILTERS,
            "responses": {
                "200": _answer("The results", "Results"),
                "400": _answer("A filter value that is not accepted", "Error"),
            },
        }
    },
    "/api/results/{attempt}": {
        "get": {
            "operationId": "getResult",
            "summary": "One attempt and its report, or one IdP refusal",
            "parameters": [
                {"name": "attempt", "in": "path", "required": True, "schema": {"type": "string"}}
            ],
            "responses": {
                "200": {
                    "description": "The attempt (`kind` attempt) or refusal (`kind` refusal)",
                    "content": {_JSON: {"schema": _ref("Result")}},
                },
                "404": _answer("No such attempt (only the recent ones are kept)", "Error"),
            },
        }
    },
    "/api/tenant": {
        "get": {
            "operationId": "getTenant",
            "summary": "The simulated Mimecast account, as its TOML file holds it",
            "responses": {"200": _answer("The tenant", "Tenant")},
        },
        "put": {
            "operationId": "putTenant",
            "summary": "Replace the tenant (the shape GET answers), validated as the TOML file "
            "is; the next sign-in uses it",
            "description": "Only `application/json` is taken (a cross-site page cannot send it "
            "without a CORS preflight, which is never granted) and a foreign `Origin` is "
            "refused. `idp_certificate_files` and `idp_metadata_file` are refused: give "
            "certificates as PEM in `idp_certificates`.",
            "requestBody": {"required": True, "content": {_JSON: {"schema": _ref("Tenant")}}},
            "responses": {
                "200": _answer("The tenant as now served", "Tenant"),
                "400": _answer("Not valid as a tenant; `message` names the key", "Error"),
                "403": _answer("Sent from another origin", "Error"),
                "415": _answer("The body is not application/json", "Error"),
            },
        },
    },
    "/api/sign-ins": {
        "post": {
            "operationId": "signIn",
            "summary": "Drive a sign-in through this server and its fake IdP",
            "requestBody": {
                "required": True,
                "content": {_JSON: {"schema": _ref("SignInRequest")}},
            },
            "responses": {
                "200": _answer("Where the flow ended, and the report", "FlowOutcome"),
                **_ERRORS,
                "415": _answer("The body is not application/json", "Error"),
            },
        }
    },
    "/api/openapi.json": {
        "get": {
            "operationId": "openapi",
            "summary": "This document",
            "responses": {"200": {"description": "OpenAPI 3.1", "content": {_JSON: {}}}},
        }
    },
}

_OBJECT = {"type": "object", "additionalProperties": True}

_SCHEMAS: dict[str, Any] = {
    "Error": {
        "type": "object",
        "required": ["error", "message"],
        "properties": {"error": {"type": "string"}, "message": {"type": "string"}},
    },
    "CheckRequest": {
        "type": "object",
        "required": ["message"],
        "properties": {
            "message": {"type": "string", "description": "raw XML, base64 or a form body"},
            "at": {"type": "string", "format": "date-time"},
            "request_id": {"type": "string"},
        },
    },
    "Report": {
        **_OBJECT,
        "description": "Report.to_dict(): verdict, findings (code, status, hint), user",
        "properties": {
            "verdict": {"type": "string", "enum": ["works", "fails"]},
            "findings": {"type": "array"},
        },
    },
    "Attempt": {
        "type": "object",
        "required": ["kind", "attempt", "at", "region", "verdict", "report"],
        "properties": {
            "kind": {"const": "attempt"},
            "attempt": {"type": "string"},
            "at": {"type": "string", "format": "date-time"},
            "region": {"type": "string"},
            "via": {"type": "string"},
            "verdict": {"type": "string"},
            "report": _ref("Report"),
        },
    },
    "Refusal": {
        "type": "object",
        "description": "The fake IdP answered a sign-in with an AADSTS error page: no "
        "response reached the ACS, so there is no report (and never `works`).",
        "required": ["kind", "attempt", "at", "verdict", "initiated_by", "aadsts", "message"],
        "properties": {
            "kind": {"const": "refusal"},
            "attempt": {"type": "string", "description": "The refusal's ID under /results"},
            "at": {"type": "string", "format": "date-time"},
            "verdict": {"const": "refused by IdP"},
            "initiated_by": {"enum": ["SP", "IdP"]},
            "user": {"type": ["string", "null"]},
            "aadsts": {"type": "string"},
            "message": {"type": "string"},
        },
    },
    "Result": {"oneOf": [_ref("Attempt"), _ref("Refusal")]},
    "Results": {
        "type": "object",
        "properties": {"results": {"type": "array", "items": _ref("Result")}},
    },
    "Tenant": {
        **_OBJECT,
        "description": "The tenant TOML file as JSON (see sp_sim/demo/tenant.toml)",
        "required": ["account", "profiles"],
        "properties": {
            "account": {
                "type": "object",
                "required": ["code", "region"],
                "properties": {"code": {"type": "string"}, "region": {"type": "string"}},
            },
            "checks": {
                "type": "object",
                "properties": {"clock_skew_seconds": {"type": "integer"}},
            },
            "profiles": {"type": "array", "minItems": 1, "items": _OBJECT},
            "directory": {
                "type": "object",
                "properties": {
                    "domains": {"type": "array", "items": {"type": "string"}},
                    "addresses": {"type": "array", "items": _OBJECT},
                },
            },
        },
    },
    "SignInRequest": {
        "type": "object",
        "properties": {
            "user": {"type": "string", "default": "B.Simon@contoso.com"},
            "initiator": {"type": "string", "enum": ["sp", "idp"], "default": "sp"},
            "faults": {"type": "array", "items": {"type": "string"}},
            "region": {"type": "string", "description": "default: the account's region"},
        },
    },
    "FlowOutcome": {
        "type": "object",
        "properties": {
            "stage": {"type": "string", "enum": ["sp-sign-in", "idp", "sp-acs", "external"]},
            "status": {"type": "integer"},
            "aadsts": {"type": ["string", "null"]},
            "hops": {"type": "array", "items": {"type": "string"}},
            "attempt": {"type": ["string", "null"]},
            "report": {"oneOf": [_ref("Report"), {"type": "null"}]},
        },
    },
}

OPENAPI: dict[str, Any] = {
    "openapi": "3.1.0",
    "info": {
        "title": "sp-sim",
        "version": "1",
        "description": "The Mimecast SAML SP simulator's JSON API.",
    },
    "paths": _PATHS,
    "components": {"schemas": _SCHEMAS},
}
