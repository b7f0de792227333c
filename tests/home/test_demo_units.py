"""The demo's units read as names: a demo seeded when the sample tree gave departments codes ("Vụ 14") gets
the names at its next start, and a unit an administrator renamed keeps the name it was given."""

from __future__ import annotations

import pytest

from portal.home.demo import seed_units
from portal.units.models import Unit

pytestmark = pytest.mark.django_db


def test_a_demo_seeded_with_code_like_short_names_gets_names_and_a_renamed_unit_stays():
    seed_units()
    Unit.objects.filter(code="VKSNDTC-V14").update(short_name="Vụ 14")
    Unit.objects.filter(code="VKSNDTC-C2").update(short_name="Cục 2")
    Unit.objects.filter(code="VKSNDTC-V7").update(short_name="Vụ Phúc thẩm hình sự")  # renamed by an administrator

    seed_units()

    assert str(Unit.objects.get(code="VKSNDTC-V14")) == "Vụ Tổ chức cán bộ"
    assert str(Unit.objects.get(code="VKSNDTC-C2")) == "Cục Thống kê tội phạm và CNTT"
    assert str(Unit.objects.get(code="VKSNDTC-V7")) == "Vụ Phúc thẩm hình sự"
