"""Documents the token scheme in the OpenAPI schema (loaded in ApiConfig.ready)."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension


class ApiTokenScheme(OpenApiAuthenticationExtension):
    target_class = "api.authentication.ApiTokenAuthentication"
    name = "apiToken"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "A personal API token (HR > API tokens, or `manage.py api_token`).",
        }


ERROR_SCHEMA = {
    "type": "object",
    "description": "Every error: a code, a sentence, and the messages per bad field.",
    "properties": {
        "code": {"type": "string", "example": "invalid"},
        "detail": {"type": "string", "example": "email: Enter a valid email address."},
        "fields": {
            "type": "object",
            "additionalProperties": {"type": "array", "items": {"type": "string"}},
            "example": {"people[3].email": ["Enter a valid email address."]},
        },
    },
    "required": ["code", "detail", "fields"],
}
ERRORS = {
    "400": "Invalid input; `fields` names every bad field.",
    "401": "No valid token or session.",
    "403": "The role does not allow this.",
    "404": "Not found, or outside what the viewer may see.",
    "405": "Method not allowed.",
    "406": "Not acceptable.",
    "415": "Unsupported media type.",
    "429": "Rate limit reached; see Retry-After.",
}


def error_responses(result: dict, generator, request, public) -> dict:
    """drf-spectacular post-processing: document the one error body on every operation."""
    components = result.setdefault("components", {}).setdefault("schemas", {})
    components["Error"] = ERROR_SCHEMA
    ref = {"$ref": "#/components/schemas/Error"}
    for path, item in result.get("paths", {}).items():
        for method, operation in item.items():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            responses = operation["responses"]
            for code, description in ERRORS.items():
                if code in ("400", "415") and method == "get" and not operation.get("parameters"):
                    continue
                responses[code] = {
                    "content": {"application/json": {"schema": ref}},
                    "description": description,
                }
            if method in ("post", "put", "patch"):
                responses["409"] = {"content": {"application/json": {"schema": ref}},
                                    "description": "Conflicts with what exists (e.g. a taken "
                                    "email, key or code; a check-in already recorded)."}  # fmt: skip
            if path.endswith("/submit/"):
                responses["410"] = {"content": {"application/json": {"schema": ref}},
                                    "description": "The round has closed."}  # fmt: skip
    return result


def response_fields_required(result: dict, generator, request, public) -> dict:
    """drf-spectacular post-processing: every field of a response body is always present (DRF
    writes each serializer field, null where empty), so each is required. Request bodies keep
    their optional fields (their components end in "Request")."""
    for name, component in result.get("components", {}).get("schemas", {}).items():
        if name.endswith("Request") or "properties" not in component:
            continue
        component["required"] = list(component["properties"])
    return result
