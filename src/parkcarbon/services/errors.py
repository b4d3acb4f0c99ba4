"""Service errors. The API turns each into RFC 9457 problem+json; the console translates its code.

Every problem carries a stable ``code`` (:data:`ERROR_CODES`), and every field error in ``errors``
carries one too: the engine's codes (:data:`parkcarbon.core.errors.CALC_ERROR_CODES`), the request
validation codes (the ``input.*`` family, shared with the engine) or a service code below.  Codes are
never renamed; new ones may be added.  The console keeps a zh-CN/English text per code
(``parkcarbon.web.errors``) and a test checks that none is missing.
"""

from __future__ import annotations

from typing import Any

from parkcarbon.core.assets.errors import ASSET_ERROR_CODES
from parkcarbon.core.energy_system.errors import ENERGY_ERROR_CODES

PROBLEM_BASE = "https://parkcarbon.org/problems/"

#: Stable codes of service problems and of service field errors (code → meaning).
ERROR_CODES: dict[str, str] = {
    # problem-level codes, one per error class
    "bad_request": "the request cannot be answered as it stands",
    "unauthenticated": "no valid credentials were presented",
    "forbidden": "the signed-in user may not do this",
    "not_found": "the object does not exist or is not visible to the user",
    "conflict": "the request conflicts with the current state of the object",
    "invalid_input": "input that is well-formed but wrong (see errors[] for each field)",
    "too_many_attempts": "too many failed attempts; retry after Retry-After",
    "rate_limited": "too many password checks from this client address; retry after Retry-After",
    "login_failed": "wrong e-mail or password (the same answer for unknown accounts and during back-off)",
    "service_busy": "the server holds as much as it may at once; retry after Retry-After",
    "payload_too_large": "the upload is larger than allowed",
    "method_not_allowed": "the HTTP method is not allowed on this path",
    "unsupported_media_type": "the content type is not accepted here",
    "report_unavailable": "the report cannot be produced for this inventory yet",
    "internal_error": "an unexpected error occurred; it has been logged",
    "mail.not_configured": "the installation has no outgoing mail server (PARKCARBON_SMTP_URL)",
    "mail.send_failed": "the mail server did not accept the message",
    # field-level codes of services
    "state.not_allowed": "the action is not possible in the object's current state",
    "value.duplicate": "an object with this value exists already",
    "value.unknown_reference": "the referenced object does not exist in this park",
    "archive.has_evidence": "the object still holds evidence; archive it instead of deleting it",
    "mrv.no_sources": "the monitoring plan has no emission source yet",
    "mrv.months_not_reviewed": "some ended months have not been reviewed",
    "mrv.months_not_ended": "the months have not ended yet",
    "mrv.no_verifier": "no verifier is assigned to the case",
    "mrv.open_corrections": "correction requests remain open",
    "mrv.no_corrections": "no correction request has been added yet",
    "mrv.inventory_not_submitted": "the inventory must be submitted (frozen) first",
    "mrv.inventory_required": "the submitted inventory of the year is required",
    "mrv.inventory_mismatch": "the inventory is not the enterprise's inventory of the case year",
    "mrv.not_verifier_body": "the organisation is not a verification body of this park",
    "mrv.line_required": "a correction request names the line to correct",
    "mrv.line_unknown": "the line is not a line of this case's inventory",
    "mrv.needs_enterprise_admin": "only the enterprise's admin takes this step of the case",
    "mrv.no_proposed_verifier": "no verifier is waiting for the enterprise's acceptance",
    "mrv.verifier_not_accepted": "the enterprise has not accepted the proposed verifier yet",
    "log.inconsistent": "the stored log is not an extension of its last signed checkpoint; nothing is signed",
    "log.not_shared": "the enterprise has not shared this log entry with you",
    "log.no_checkpoint": "the log has signed no checkpoint yet",
    "log.size_out_of_range": "the tree sizes are not within the log (0 ≤ from ≤ to ≤ its size)",
    "membership.invite_instead": "an enterprise's members are added by its own admins; invite instead",
    "invitation.invalid_code": "the invitation code (with this e-mail) is not valid",
    "invitation.used": "the invitation code has been used already",
    "invitation.expired": "the invitation has expired",
    "invitation.awaiting_enterprise": "the enterprise's admin has not accepted the invitation yet",
    "invitation.park_side_account": "a park-side or platform account cannot join an enterprise by invitation",
    "invitation.self": "an inviter cannot invite their own account",
    "invitation.password": "the password is not the existing account's password",
    # energy-system models (issue 17, core/energy_system/errors.py)
    **ENERGY_ERROR_CODES,
    "market.sealed": "the bids are sealed until the request's deadline",
    "market.credit_code": "the unified social credit code is not valid (GB 32100-2015)",
    "market.reason_required": "this decision needs a reason",
    "market.qualification_expired": "the qualification has expired",
    "market.provider_not_approved": "the provider is not approved in this park",
    "market.unknown_category": "not a service category of the shelves",
    "market.price_required": "the price model needs a price (and a unit for per-unit prices)",
    "market.amount_precision": "amounts in CNY have at most 2 decimals",
    "market.deadline_passed": "the deadline must be in the future",
    "market.invalid_rule": "the award rule's parameters are not allowed (weights, price-weight floor)",
    "market.too_few_invited": "fewer providers are invited than the rule's minimum of valid bids",
    "market.bidding_closed": "bidding has closed (the deadline passed or the request is decided)",
    "market.not_winner": "the bid is not the one the award rule names",
    "market.already_rated": "the order has been rated already",
    # carbon assets (碳资产台账): the ledger's refusals, one code each
    **ASSET_ERROR_CODES,
    "invitation.revoked": "the invitation has been revoked",
    "archive.code_taken": "the code or name belongs to an archived object; restore it instead",
}


#: pydantic error types → the engine's ``input.*`` codes (parkcarbon.core.errors.CALC_ERROR_CODES)
_PYDANTIC_CODES = {
    "missing": "input.required",
    "json_invalid": "input.request",
    "model_attributes_type": "input.request",
    "greater_than": "input.range",
    "greater_than_equal": "input.range",
    "less_than": "input.range",
    "less_than_equal": "input.range",
    "multiple_of": "input.range",
    "finite_number": "input.range",
    "literal_error": "input.choice",
    "enum": "input.choice",
    "extra_forbidden": "input.choice",
    "string_pattern_mismatch": "input.format",
    "string_too_short": "input.format",
    "string_too_long": "input.format",
    "too_short": "input.format",
    "too_long": "input.format",
    "value_error": "input.invalid",
}


def validation_code(pydantic_type: str, message: str = "") -> str:
    """The stable code of a pydantic error type (``int_parsing``, ``missing`` …); ``message`` tells the
    JSON type checks of the schemas (``must be a JSON number``) from other value errors."""
    if pydantic_type == "value_error" and "must be a JSON" in message:
        return "input.type"
    if pydantic_type in _PYDANTIC_CODES:
        return _PYDANTIC_CODES[pydantic_type]
    if pydantic_type.endswith(("_type", "_parsing")) or pydantic_type.startswith(("date", "time", "url")):
        return "input.type"
    return "input.invalid"


class ServiceError(Exception):
    """Base of every error a service raises on purpose."""

    status = 400
    title = "Bad request"
    #: Stable code of this kind of problem (:data:`ERROR_CODES`); an instance may name a finer one.
    code = "bad_request"
    #: Code of a field error given without one (the specific reason is then only in ``reason``).
    field_code: str | None = None

    def __init__(
        self,
        detail: str,
        *,
        errors: list[dict[str, Any]] | None = None,
        code: str | None = None,
        **extra: Any,
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        if code is not None:
            self.code = code
        # every field error names its code; one given without falls back to the problem's code
        fallback = self.field_code or self.code
        self.errors = [e if e.get("code") else {**e, "code": fallback} for e in errors or []]
        self.extra = extra

    def to_problem(self, instance: str | None = None) -> dict[str, Any]:
        """The RFC 9457 problem document (the API answers it; the CLI prints the same)."""
        return {
            "type": PROBLEM_BASE + self.title.lower().replace(" ", "-"),
            "title": self.title,
            "status": self.status,
            "detail": self.detail,
            "instance": instance,
            "code": self.code,
            "errors": self.errors,
        }


class Unauthorized(ServiceError):
    status = 401
    title = "Not authenticated"
    code = "unauthenticated"


class Forbidden(ServiceError):
    status = 403
    title = "Forbidden"
    code = "forbidden"


class NotFound(ServiceError):
    """Also raised for another tenant's objects, so their existence is not revealed."""

    status = 404
    title = "Not found"
    code = "not_found"


class Conflict(ServiceError):
    status = 409
    title = "Conflict"
    code = "conflict"


class InvalidInput(ServiceError):
    """Input that is well-formed but wrong; ``errors`` names each field and the reason."""

    status = 422
    title = "Invalid input"
    code = "invalid_input"
    field_code = "input.invalid"

    @classmethod
    def field(cls, field: str, reason: str, *, code: str = "input.invalid") -> InvalidInput:
        return cls(f"{field}: {reason}", errors=[{"field": field, "reason": reason, "code": code}])


class TooManyAttempts(ServiceError):
    status = 429
    title = "Too many failed attempts"
    code = "too_many_attempts"


class RateLimited(ServiceError):
    """The client address used up its rate of password checks (``retry_after_seconds`` in ``extra``)."""

    status = 429
    title = "Too many requests"
    code = "rate_limited"


class PayloadTooLarge(ServiceError):
    status = 413
    title = "Payload too large"
    code = "payload_too_large"
