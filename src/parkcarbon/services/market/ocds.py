"""Open Contracting Data Standard 1.1 releases of a purchase request (OCDS 开放合同数据).

One release per request, tagged by its stage: ``tender`` while bids are sealed (no bid, not even their
number), ``award`` / ``contract`` after the award with the bids (bid extension ``bids.details``), the
award and the contract; ``tenderUpdate`` for a failed request. Validated in the tests against the
official release schema (``tests/market/ocds/release-schema.json``, OCDS 1.1.5).

Readable by whoever reads the comparison of the bids (the requesting enterprise after the deadline), or
before the deadline by the enterprise as a tender-only release.

References
----------
.. [1] Open Contracting Partnership, Open Contracting Data Standard 1.1 (1.1.5), release schema and
   codelists (releaseTag, tenderStatus, awardStatus, contractStatus, method, awardCriteria, partyRole).
.. [2] OCDS bid statistics and details extension (``bids.details``).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select

from parkcarbon.core.market import AwardRule
from parkcarbon.services import access
from parkcarbon.services.errors import Forbidden
from parkcarbon.services.market.procurement import get_request_row
from parkcarbon.services.market.schemas import RequestStatus
from parkcarbon.services.principal import Principal
from parkcarbon.store.db import Database
from parkcarbon.store.models import Bid, Organisation, Park, ServiceOrder, ServiceRequest

#: The platform's OCID prefix (not registered with the OCP; a deployment sets its own registered one).
OCID_PREFIX = "ocds-pkcarb"

_METHOD_DETAILS = {AwardRule.RFQ: "询价 request for quotation", AwardRule.SCORED: "综合评分 weighted scoring"}
_AWARD_CRITERIA = {AwardRule.RFQ: "priceOnly", AwardRule.SCORED: "ratedCriteria"}


def _iso(t: datetime) -> str:
    return t.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _value(amount: Any) -> dict[str, Any]:
    return {"amount": float(amount), "currency": "CNY"}


def release(db: Database, p: Principal, request_id: int, *, now: datetime | None = None) -> dict[str, Any]:
    """The request's current OCDS 1.1 release (a JSON object)."""
    now = now or datetime.now(UTC)
    with db.read() as s:
        req: ServiceRequest = get_request_row(s, p, request_id)
        sealed = access.bids_sealed(req, now)
        if not access.is_enterprise_member(p, req.enterprise_id) and not access.can_compare_bids(
            s, p, req, now
        ):
            raise Forbidden("the request's open-data release is published by the requesting enterprise")
        park = s.get(Park, req.park_id)
        ent = s.get(Organisation, req.enterprise_id)
        ocid = f"{OCID_PREFIX}-{park.code if park else req.park_id}-{req.id}"
        buyer_id = f"org-{req.enterprise_id}"
        parties: dict[str, dict[str, Any]] = {
            buyer_id: {
                "id": buyer_id,
                "name": ent.name if ent else "",
                "roles": ["buyer", "procuringEntity"],
                **(
                    {"identifier": {"scheme": "CN-USCC", "id": ent.credit_code}}
                    if ent and ent.credit_code
                    else {}
                ),
            }
        }
        rule = AwardRule(req.award_rule)
        tender: dict[str, Any] = {
            "id": f"request-{req.id}",
            "title": req.title,
            "description": req.scope,
            "status": {
                RequestStatus.OPEN: "active",
                RequestStatus.AWARDED: "complete",
                RequestStatus.FAILED: "unsuccessful",
                RequestStatus.CANCELLED: "cancelled",
            }[RequestStatus(req.status)],
            "procuringEntity": {"id": buyer_id, "name": parties[buyer_id]["name"]},
            "value": _value(req.budget_ceiling_cny),
            "procurementMethod": "selective" if req.invited_provider_ids else "open",
            "procurementMethodDetails": _METHOD_DETAILS[rule],
            "awardCriteria": _AWARD_CRITERIA[rule],
            "mainProcurementCategory": "goods" if req.procurement_object == "goods" else "services",
            "tenderPeriod": {"startDate": _iso(req.created_at), "endDate": _iso(req.deadline)},
        }
        out: dict[str, Any] = {
            "ocid": ocid,
            "id": f"{ocid}-{req.status}-{_iso(now)}",
            "date": _iso(now),
            "language": "zh",
            "initiationType": "tender",
            "buyer": {"id": buyer_id, "name": parties[buyer_id]["name"]},
            "tender": tender,
        }
        tags = ["tender"]
        if not sealed:
            bids = s.scalars(select(Bid).where(Bid.request_id == req.id).order_by(Bid.id)).all()
            names = {
                o.id: o
                for o in s.scalars(
                    select(Organisation).where(Organisation.id.in_({b.provider_id for b in bids} or {-1}))
                )
            }
            tenderers = []
            for b in bids:
                org = names[b.provider_id]
                pid = f"org-{org.id}"
                parties.setdefault(pid, {"id": pid, "name": org.name, "roles": []})
                if "tenderer" not in parties[pid]["roles"]:
                    parties[pid]["roles"].append("tenderer")
                tenderers.append({"id": pid, "name": org.name})
            tender["tenderers"] = tenderers
            tender["numberOfTenderers"] = len(bids)
            out["bids"] = {
                "details": [
                    {
                        "id": f"bid-{b.id}",
                        "date": _iso(b.submitted_at),
                        "status": "withdrawn"
                        if b.status == "withdrawn"
                        else ("valid" if b.compliant else "disqualified"),
                        "tenderers": [{"id": f"org-{b.provider_id}", "name": names[b.provider_id].name}],
                        "value": _value(b.amount_cny),
                    }
                    for b in bids
                ]
            }
            tags = ["tenderUpdate"]
        order = s.scalar(select(ServiceOrder).where(ServiceOrder.request_id == req.id))
        if order is not None and req.awarded_at is not None:
            sup = f"org-{order.provider_id}"
            parties[sup]["roles"].append("supplier")
            award_id = f"award-{req.id}"
            out["awards"] = [
                {
                    "id": award_id,
                    "status": "active",
                    "date": _iso(req.awarded_at),
                    "value": _value(order.amount_cny),
                    "suppliers": [{"id": sup, "name": parties[sup]["name"]}],
                    "description": req.award_reason or "",
                }
            ]
            out["contracts"] = [
                {
                    "id": f"order-{order.id}",
                    "awardID": award_id,
                    "status": "terminated" if order.status == "closed" else "active",
                    "value": _value(order.amount_cny),
                    "dateSigned": _iso(order.created_at),
                }
            ]
            tags = ["award", "contract"]
        out["tag"] = tags
        out["parties"] = list(parties.values())
        return out
