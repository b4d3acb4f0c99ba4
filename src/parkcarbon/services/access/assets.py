"""Access to an enterprise's carbon assets (碳资产授权): holdings, transactions, position and strategy.

Carbon assets are the enterprise's commercial position, so they follow the ownership rule of
``docs/access.md`` strictly:

* the enterprise's members read them; only its **admin** records transactions (the platform admin does
  not: it runs the installation, it is not a party to the enterprise's trades);
* an organisation the enterprise granted the ``assets`` scope reads them (a bank financing a compliance
  purchase, a service provider managing the account); unit prices (``price_cny``) additionally need the
  ``costs`` scope (:func:`~parkcarbon.services.access.rules.can_read_costs`);
* the platform admin reads them (as every enterprise record), prices blanked;
* park staff and regulators see **nothing** of an enterprise's holdings without a grant (403 inside the
  park, 404 outside it, as everywhere).

Audit events on ``asset_transaction`` are private to the enterprise (``AUDIT_PRIVATE_ENTITIES``).
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from parkcarbon.services.access.rules import (
    enterprise_of,
    granted_scopes,
    is_enterprise_admin,
    is_enterprise_member,
)
from parkcarbon.services.errors import Forbidden
from parkcarbon.services.principal import Principal
from parkcarbon.store.models import GrantScope, Organisation

__all__ = ["can_read_assets", "can_write_assets", "require_assets_read", "require_assets_write"]


def can_read_assets(s: Session, p: Principal, park_id: int, enterprise_id: int) -> bool:
    """Holdings, transactions, position, strategy: members, ``assets`` grantees, the platform admin."""
    if p.is_platform_admin or is_enterprise_member(p, enterprise_id):
        return True
    if park_id not in p.park_ids:
        return False
    return GrantScope.ASSETS in granted_scopes(s, p, enterprise_id)


def can_write_assets(p: Principal, enterprise_id: int) -> bool:
    """Recording a transaction: the enterprise's own admin only."""
    return is_enterprise_admin(p, enterprise_id)


def require_assets_read(s: Session, p: Principal, enterprise_id: int) -> Organisation:
    org = enterprise_of(s, p, enterprise_id)
    if not can_read_assets(s, p, org.park_id, org.id):
        raise Forbidden("the enterprise has not shared its carbon assets with you")
    return org


def require_assets_write(s: Session, p: Principal, enterprise_id: int) -> Organisation:
    org = enterprise_of(s, p, enterprise_id)
    if not can_write_assets(p, org.id):
        raise Forbidden("only the enterprise's admin records its carbon-asset transactions")
    return org
