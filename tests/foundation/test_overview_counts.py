"""Issue 13 §7: the overview's counts are right for every role — count queries in the service, scoped by
access (``parks.overview_counts``).

The seeded park A (``demo.seed.seed_park``) holds, by construction: 3 enterprises, a provider, a
verifier and a financier (3 service organisations besides the operator and the regulator), 2 areas and
one main meter per enterprise (3), and E01 shares its meter data with the park operator. So the registry
figures are the same for every member, while the meters whose *data* a role reads are 3 for park staff,
1 for E01's own users and 0 for the others. On the old page the counts came from a first page of 1 000
rows and the regulator's meter count was 0 (its meter list is empty without a grant).
"""

from __future__ import annotations

import pytest

from parkcarbon.services.accounts import auth
from parkcarbon.services.errors import NotFound
from parkcarbon.services.registry import parks
from parkcarbon.store.db import Database
from tests.conftest import World

DATA = {
    "park_admin": 3, "park_analyst": 3, "regulator": 0, "enterprise_admin": 1, "enterprise_member": 1,
    "provider": 0, "verifier": 0, "financier": 0,
}  # fmt: skip


@pytest.mark.parametrize("role", sorted(DATA))
def test_every_role_gets_the_park_registry_and_its_own_data_count(
    db: Database, world: World, role: str
) -> None:
    p = auth.authenticate(db, world.token("a", role))
    counts = parks.overview_counts(db, p, world.a.park_id)
    assert (counts.enterprises, counts.service_organisations, counts.areas, counts.meters) == (3, 3, 2, 3)
    assert counts.meters_with_data == DATA[role]


def test_another_parks_counts_are_not_found(db: Database, world: World) -> None:
    p = auth.authenticate(db, world.token("a", "park_admin"))
    with pytest.raises(NotFound):
        parks.overview_counts(db, p, world.b.park_id)
