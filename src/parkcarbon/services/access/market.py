"""Access rules of the marketplace (服务生态端授权): who reads and acts on providers, listings, purchase
requests, sealed bids, orders and ratings.

Sealed bids (密封投标) — the rule the rest of this module serves:

* before a request's deadline (开标时间) a bid is readable by its own provider only: not by the
  requesting enterprise, not by the park operator, not by other providers, not by the platform admin;
  nobody but the bidder even learns that it exists (财政部令第87号 forbids disclosing who and how many
  bid before the opening); its audit events carry no amount and are readable by their actor and the
  platform admin only (:data:`SEALED_AUDIT_ENTITIES`);
* after the deadline the requesting enterprise's members read every bid and the comparison; other
  providers never read a competitor's bid; the park reads only counts and awarded totals
  (:func:`can_read_market_summary`) unless the enterprise granted it its ``costs``
  (:class:`~parkcarbon.vocab.GrantScope`), the scope that already covers the enterprise's commercial
  figures.

Requests are read by the enterprise's members and by approved providers of the park it is open to (all
approved providers, or the invited ones); the park operator sees requests only as counts. Orders are
read by their two parties. Everything outside the principal's parks answers *not found*.
"""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from sqlalchemy.orm import Session

from parkcarbon.services.access.rules import (
    granted_scopes,
    is_enterprise_admin,
    is_enterprise_member,
    is_park_admin,
    is_park_staff,
    require_park_visible,
    require_user,
)
from parkcarbon.services.errors import Forbidden, NotFound
from parkcarbon.services.principal import PARK_SUPERVISION, Principal
from parkcarbon.vocab import GrantScope, Role

#: Audit entities of sealed objects: readable by the event's actor and the platform admin only.
SEALED_AUDIT_ENTITIES = frozenset({"market_bid"})


class _Request(Protocol):
    @property
    def park_id(self) -> int: ...
    @property
    def enterprise_id(self) -> int: ...
    @property
    def deadline(self) -> datetime: ...
    @property
    def invited_provider_ids(self) -> list[int]: ...


class _Bid(Protocol):
    @property
    def provider_id(self) -> int: ...


class _Order(Protocol):
    @property
    def park_id(self) -> int: ...
    @property
    def enterprise_id(self) -> int: ...
    @property
    def provider_id(self) -> int: ...


def provider_orgs(p: Principal) -> frozenset[int]:
    """Provider organisations ``p`` acts for (role ``provider``).

    Not in a park where ``p`` is also park staff or a regulator, nor for the platform admin: the operator
    reviews providers and must not read a bid by joining a provider (a conflict of interest the
    membership registry does not prevent: park admins manage park-side organisations' memberships).
    """
    if p.is_platform_admin:
        return frozenset()
    return frozenset(
        m.organisation_id
        for m in p.memberships
        if m.role == Role.PROVIDER and not p.roles_in_park(m.park_id) & PARK_SUPERVISION
    )


def is_provider_member(p: Principal, provider_id: int) -> bool:
    return provider_id in provider_orgs(p)


# --- providers and listings --------------------------------------------------------------------------


def can_review_market(p: Principal, park_id: int) -> bool:
    """Approving, asking for more, rejecting or suspending providers and listings: the park admin."""
    return is_park_admin(p, park_id)


def can_act_for_provider(p: Principal, provider_id: int) -> bool:
    """Applying, adding qualifications and listings, bidding: the provider's own members only (the
    platform admin runs the installation; it does not act for a provider)."""
    return is_provider_member(p, provider_id)


def can_read_provider_private(p: Principal, park_id: int, provider_id: int) -> bool:
    """A provider's application under review and its evidence documents: the provider, the park admin
    reviewing it and the platform admin."""
    return p.is_platform_admin or is_provider_member(p, provider_id) or is_park_admin(p, park_id)


def require_provider_actor(p: Principal, park_id: int, provider_id: int) -> None:
    require_park_visible(p, park_id, "provider")
    if not can_act_for_provider(p, provider_id):
        raise Forbidden("only the provider's own members act for it")


def require_market_reviewer(p: Principal, park_id: int) -> None:
    require_park_visible(p, park_id, "park")
    if not can_review_market(p, park_id):
        raise Forbidden("reviewing providers and listings needs park_admin")


# --- purchase requests -------------------------------------------------------------------------------


def bids_sealed(req: _Request, now: datetime) -> bool:
    """Whether the request's bids are still sealed at ``now`` (before its deadline)."""
    return now < req.deadline


def is_open_to(req: _Request, provider_id: int) -> bool:
    """The request is open to every approved provider, or only to the invited ones."""
    return not req.invited_provider_ids or provider_id in req.invited_provider_ids


def can_raise_request(p: Principal, enterprise_id: int) -> bool:
    """Raising a purchase request: the enterprise's members (admin or member)."""
    return is_enterprise_member(p, enterprise_id)


def can_decide_request(p: Principal, enterprise_id: int) -> bool:
    """Evaluating bids, awarding, accepting delivery, rating, cancelling: the enterprise's admin."""
    return is_enterprise_admin(p, enterprise_id)


def can_read_request(p: Principal, req: _Request, approved_provider_ids: frozenset[int]) -> bool:
    """The enterprise's members; approved providers it is open to; the platform admin (metadata only,
    never bids). Park staff see requests as counts (:func:`can_read_market_summary`)."""
    if p.is_platform_admin or is_enterprise_member(p, req.enterprise_id):
        return True
    return any(is_open_to(req, org) for org in provider_orgs(p) & approved_provider_ids)


def require_request_read(p: Principal, req: _Request, approved_provider_ids: frozenset[int]) -> None:
    require_park_visible(p, req.park_id, "request")
    if not can_read_request(p, req, approved_provider_ids):
        raise NotFound("request not found")


def require_request_decider(p: Principal, req: _Request, now: datetime, what: str) -> None:
    """The enterprise's admin, after the deadline (``what`` names the act for the message)."""
    if not can_decide_request(p, req.enterprise_id):
        raise Forbidden(f"only the enterprise's admin can {what}")
    if bids_sealed(req, now):
        raise Forbidden(f"the bids are sealed until the deadline; {what} after it", code="market.sealed")


# --- bids ----------------------------------------------------------------------------------------------


def can_read_bid(s: Session, p: Principal, req: _Request, bid: _Bid, now: datetime) -> bool:
    """A bid (amount, proposal, evaluation): its own provider always; after the deadline the requesting
    enterprise's members and the organisations it granted its ``costs``; nobody else, ever."""
    if is_provider_member(p, bid.provider_id):
        return True
    if bids_sealed(req, now):
        return False
    if is_enterprise_member(p, req.enterprise_id):
        return True
    if req.park_id not in p.park_ids:
        return False
    return GrantScope.COSTS in granted_scopes(s, p, req.enterprise_id)


def can_compare_bids(s: Session, p: Principal, req: _Request, now: datetime) -> bool:
    """The comparison table of all bids: the requesting enterprise (and its ``costs`` grantees), after
    the deadline only."""
    if bids_sealed(req, now):
        return False
    if is_enterprise_member(p, req.enterprise_id):
        return True
    if req.park_id not in p.park_ids:
        return False
    return GrantScope.COSTS in granted_scopes(s, p, req.enterprise_id)


def require_bid_comparison(s: Session, p: Principal, req: _Request, now: datetime) -> None:
    if can_compare_bids(s, p, req, now):
        return
    if bids_sealed(req, now):
        raise Forbidden("the bids are sealed until the deadline", code="market.sealed")
    raise Forbidden("the comparison of bids is for the requesting enterprise")


# --- orders and the park's view ------------------------------------------------------------------------


def is_order_party(p: Principal, order: _Order) -> str | None:
    """``"buyer"``, ``"provider"`` or ``None``."""
    if is_enterprise_member(p, order.enterprise_id):
        return "buyer"
    if is_provider_member(p, order.provider_id):
        return "provider"
    return None


def require_order_read(p: Principal, order: _Order) -> None:
    require_user(p)
    require_park_visible(p, order.park_id, "order")
    if is_order_party(p, order) is None:
        raise NotFound("order not found")


def can_read_market_summary(p: Principal, park_id: int) -> bool:
    """Counts of requests and bids, awarded totals by category: park_admin and park_analyst."""
    return is_park_staff(p, park_id)


def require_market_summary(p: Principal, park_id: int) -> None:
    require_park_visible(p, park_id)
    if not can_read_market_summary(p, park_id):
        raise Forbidden("the marketplace summary needs park_admin or park_analyst")
