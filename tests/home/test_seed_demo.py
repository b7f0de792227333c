"""`seed_demo` builds a usable demo, and running it again changes nothing."""

from __future__ import annotations

from io import StringIO

from django.core.management import call_command

from wagtail.models import Page, Revision

import pytest

from portal.home.demo import DEMO_PASSWORD, DEMO_USERS
from portal.home.models import Topic
from portal.units import roles
from portal.units.models import Unit, User

pytestmark = pytest.mark.django_db


def log_in(client, username: str):
    return client.post("/dang-nhap/", {"username": username, "password": DEMO_PASSWORD})


def snapshot() -> dict:
    return {
        "units": sorted(Unit.objects.values_list("code", "name", "parent__code", "kind", "active")),
        "users": sorted(
            (u.username, u.unit.code, u.password, tuple(sorted(u.groups.values_list("name", flat=True))))
            for u in User.objects.all()
        ),
        "pages": sorted(Page.objects.values_list("url_path", "title", "live")),
        "revisions": Revision.objects.count(),
        "topics": sorted(Topic.objects.values_list("name", "slug")),
    }


def test_it_creates_one_user_per_role_who_can_log_in(client):
    call_command("seed_demo", "--force", "--no-recordings", stdout=StringIO())
    expected = {
        "admin": roles.ADMINISTRATOR,
        "editor": roles.TRAINING_EDITOR,
        "reviewer": roles.REVIEWER,
        "submitter": roles.SUBMITTER,
        "viewer": roles.VIEWER,
    }
    for username, role in expected.items():
        user = User.objects.get(username=username)
        assert user.groups.filter(name=role).exists()
        assert user.unit is not None
        assert log_in(client, username).status_code == 302, username
        client.logout()
    assert {spec.username for spec in DEMO_USERS} == set(expected)


def test_it_fills_the_home_page_with_vietnamese_content(client):
    call_command("seed_demo", "--force", "--no-recordings", stdout=StringIO())
    log_in(client, "viewer")
    html = client.get("/").content.decode()
    assert "Tập huấn kỹ năng kiểm sát viên tại phiên tòa hình sự" in html
    assert "Số hóa hồ sơ kiểm sát để tra cứu nhanh khi tham gia phiên tòa" in html
    assert Unit.objects.filter(kind="regional").count() >= 5
    assert Unit.objects.filter(kind__startswith="military").exists()


def test_running_it_twice_gives_the_same_data():
    call_command("seed_demo", "--force", "--no-recordings", stdout=StringIO())
    first = snapshot()
    call_command("seed_demo", "--force", "--no-recordings", stdout=StringIO())
    assert snapshot() == first


def test_it_leaves_what_people_changed_alone():
    call_command("seed_demo", "--force", "--no-recordings", stdout=StringIO())
    viewer = User.objects.get(username="viewer")
    viewer.set_password("something-else")
    viewer.save()
    Unit.objects.filter(code="HN").update(name="Viện kiểm sát nhân dân Thủ đô Hà Nội")
    call_command("seed_demo", "--force", "--no-recordings", stdout=StringIO())
    viewer.refresh_from_db()
    assert viewer.check_password("something-else")
    assert Unit.objects.get(code="HN").name == "Viện kiểm sát nhân dân Thủ đô Hà Nội"


def test_it_refuses_to_run_without_debug_unless_forced(settings):
    from django.core.management.base import CommandError

    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG"):
        call_command("seed_demo", "--no-recordings", stdout=StringIO())
    assert not User.objects.filter(username="admin").exists()


def test_it_adds_published_practices_of_several_units_and_one_in_each_review_state(client):
    from wagtail.models import TaskState, WorkflowState

    from portal.notifications.models import Notification
    from portal.practices.models import GoodPracticePage
    from portal.practices.workflow import SubmissionStatus, submission_states

    call_command("seed_demo", "--force", "--no-recordings", stdout=StringIO())
    published = GoodPracticePage.objects.live()
    assert published.values("unit").distinct().count() >= 4
    assert all(page.field_of_work and page.problem and page.how_to_apply for page in published)

    submitter = User.objects.get(username="submitter")
    own = list(GoodPracticePage.objects.filter(unit=submitter.unit))
    states = submission_states(own)
    by_status = {state.status: state for state in states.values()}
    assert set(by_status) >= {
        SubmissionStatus.DRAFT,
        SubmissionStatus.IN_REVIEW,
        SubmissionStatus.CHANGES_REQUESTED,
        SubmissionStatus.REJECTED,
    }
    assert by_status[SubmissionStatus.CHANGES_REQUESTED].comment
    assert by_status[SubmissionStatus.REJECTED].comment
    assert by_status[SubmissionStatus.CHANGES_REQUESTED].by == User.objects.get(username="reviewer")
    assert Notification.objects.filter(recipient=submitter).exists()

    counts = (WorkflowState.objects.count(), TaskState.objects.count(), Notification.objects.count())
    call_command("seed_demo", "--force", "--no-recordings", stdout=StringIO())
    assert (WorkflowState.objects.count(), TaskState.objects.count(), Notification.objects.count()) == counts

    log_in(client, "submitter")
    html = client.get("/cach-lam-hay/cua-don-vi/").content.decode()
    assert all(page.draft_title in html for page in own)
