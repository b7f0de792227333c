"""Every role by every admin address: who sees which title or file name, and who may change what.

The addresses are not picked by hand: every URL pattern under /admin/ (Django's resolver over the admin
urlconf: Wagtail's pages, documents, images, snippets, choosers, reports, the admin API, our viewsets) is
filled in with each object it can take — a draft write-up of unit A in review and its attached file, a
published write-up and its file, a draft and a published training and the training's document, an image,
a recording, a unit, a topic — and requested as each persona. A pattern the matrix cannot fill must be named
in SKIPPED with the reason, so an admin screen added later is audited or explicitly set aside.

Two rules are checked:
- a persona never reads the title or file name of an object they may not see, in any answer (a page, a
  listing, a search, a chooser, a JSON answer, an error);
- a persona who may not change an object cannot change it through any of these addresses: the object is
  posted at every address that takes it (edit forms filled in as the browser would, deletes, moves, locks,
  workflow actions, bulk actions, API actions) and is compared before and after. The same request made by
  someone allowed to change the object (the administrator, or the reviewers for a write-up in review, which
  the workflow locks for everyone else) is the control: only requests that do change it are checked, and
  each object's edit and delete must be among them, or the check would prove nothing.

The world is built once for the module (inside a transaction rolled back at the end); every test is one
persona, and each write is rolled back at once.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.apps import apps
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.core.files.base import ContentFile
from django.db import transaction
from django.test import Client, override_settings
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from wagtail.admin.api.views import PagesAdminAPIViewSet
from wagtail.admin.views.bulk_action.registry import bulk_action_registry
from wagtail.documents.models import Document
from wagtail.images.models import Image
from wagtail.models import (
    Collection,
    CollectionViewRestriction,
    Page,
    PageViewRestriction,
    Task,
    TaskState,
    Workflow,
    WorkflowState,
)

import pytest
from bs4 import BeautifulSoup

from media.models import Video
from portal.home.models import Topic
from portal.practices.models import GoodPracticeIndexPage, GoodPracticePage, PracticeAttachment
from portal.practices.submission import practices_collection
from portal.practices.workflow import submit_for_review
from portal.trainings.collection import trainings_collection
from portal.trainings.models import Attachment, TrainingIndexPage, TrainingPage
from portal.units import roles
from portal.units.models import Unit, UnitKind, User
from tests.conftest import make_user

# Every test, even one that only reads the module's fixtures: the test database is set up for marked tests.
pytestmark = pytest.mark.django_db

PERSONAS = ["viewer", "submitter A", "submitter B", "reviewer", "training editor", "administrator", "binh"]
ADMIN_ONLY = frozenset({"administrator"})
PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
EVERYONE = frozenset(PERSONAS)


@dataclass
class Thing:
    """An object of interest: its markers (title, file name) and who may see and change it."""

    name: str
    obj: Any
    markers: list[str]
    seen_by: frozenset[str]
    changed_by: frozenset[str]


@dataclass
class World:
    people: dict[str, User]
    things: dict[str, Thing]


def png_bytes() -> bytes:
    import io

    from PIL import Image as PILImage

    buffer = io.BytesIO()
    PILImage.new("RGB", (8, 8), (200, 30, 30)).save(buffer, format="PNG")
    return buffer.getvalue()


def build_world() -> World:
    supreme = Unit.objects.create(name="Viện kiểm sát nhân dân tối cao", short_name="VKSND tối cao", code="MTC")
    unit_a = Unit.objects.create(
        name="Viện kiểm sát nhân dân thành phố Hà Nội", code="MTA", kind=UnitKind.PROVINCIAL, parent=supreme
    )
    unit_b = Unit.objects.create(
        name="Viện kiểm sát nhân dân thành phố Huế", code="MTB", kind=UnitKind.PROVINCIAL, parent=supreme
    )
    # A unit nobody belongs to yet (a unit with staff cannot be deleted at all).
    unit_c = Unit.objects.create(name="KQZUNIT Viện kiểm sát nhân dân khu vực 9", code="MTK", parent=unit_b)
    binh_group = Group.objects.create(name="Biên tập trang tin")
    binh_group.permissions.add(Permission.objects.get(content_type__app_label="wagtailadmin", codename="access_admin"))
    people = {
        "viewer": make_user("mt_lan", unit_a, roles.VIEWER),
        "submitter A": make_user("mt_minh", unit_a, roles.SUBMITTER),
        "submitter B": make_user("mt_an", unit_b, roles.SUBMITTER),
        "reviewer": make_user("mt_hoa", supreme, roles.REVIEWER),
        "training editor": make_user("mt_tuan", supreme, roles.TRAINING_EDITOR),
        "administrator": make_user("mt_quang", supreme, roles.ADMINISTRATOR),
        "binh": make_user("mt_binh", unit_a, None),
    }
    people["binh"].groups.add(binh_group)
    submitter_a, editor = people["submitter A"], people["training editor"]

    def document(title: str, filename: str, collection: Collection, by: User) -> Document:
        return Document.objects.create(
            title=title,
            file=ContentFile(PDF, name=filename),
            collection=collection,
            uploaded_by_user=by,
        )

    trainings = TrainingIndexPage.objects.get()
    training_file = document("KQZTRFILE Tài liệu tập huấn SEEKTRFILE", "kqztrname.pdf", trainings_collection(), editor)
    training = TrainingPage(title="KQZTRAINING Kỹ năng xét hỏi SEEKTRAINING")
    training.attachments = [Attachment(document=training_file)]  # type: ignore[assignment]
    trainings.add_child(instance=training)
    training.save_revision(user=editor).publish()
    practices = GoodPracticeIndexPage.objects.get()
    draft_file = document(
        "KQZDRAFTFILE Báo cáo nháp SEEKDRAFTFILE", "kqzdraftname.pdf", practices_collection(), submitter_a
    )
    draft = GoodPracticePage(
        title="KQZDRAFT Phối hợp rút ngắn thời hạn SEEKDRAFT",
        unit=unit_a,
        owner=submitter_a,
        live=False,
        summary="Tóm tắt.",
        # A link to the training: the training's usage listing names the pages that link to it.
        problem=f'<p>Xem <a linktype="page" id="{training.pk}">tập huấn</a>.</p>',
    )
    draft.attachments = [PracticeAttachment(document=draft_file, text="")]  # type: ignore[assignment]
    practices.add_child(instance=draft)
    draft.save_revision(user=submitter_a)
    draft.summary = "Tóm tắt, sửa lại."
    draft.save_revision(user=submitter_a)
    submit_for_review(draft, submitter_a)

    published_file = document(
        "KQZPUBFILE Báo cáo đã đăng SEEKPUBFILE", "kqzpubname.pdf", practices_collection(), people["submitter B"]
    )
    published = GoodPracticePage(title="KQZPUB Số hóa hồ sơ SEEKPUB", unit=unit_b, summary="Tóm tắt.")
    published.attachments = [PracticeAttachment(document=published_file, text="")]  # type: ignore[assignment]
    practices.add_child(instance=published)
    published.save_revision(user=people["reviewer"]).publish()

    draft_training = TrainingPage(title="KQZTRDRAFT Tập huấn chưa đăng SEEKTRDRAFT", live=False)
    trainings.add_child(instance=draft_training)
    draft_training.save_revision(user=editor)

    image = Image.objects.create(
        title="KQZIMAGE Ảnh hội nghị SEEKIMAGE",
        file=ContentFile(png_bytes(), name="kqzimgname.png"),
        collection=trainings_collection(),
        uploaded_by_user=editor,
    )
    video = Video.objects.create(
        title="KQZVIDEO Hội nghị trực tuyến SEEKVIDEO",
        original=ContentFile(b"not a real recording", name="kqzvidname.mp4"),
        original_name="kqzvidname.mp4",
        uploaded_by=editor,
    )
    topic = Topic.objects.create(name="KQZTOPIC Kiểm sát điều tra SEEKTOPIC")

    allowed_draft = frozenset({"submitter A", "reviewer", "administrator"})
    media_staff = frozenset({"training editor", "administrator"})
    things = [
        Thing(
            "draft write-up of unit A", draft, ["KQZDRAFT "], allowed_draft, frozenset({"reviewer", "administrator"})
        ),
        Thing("its attached file", draft_file, ["KQZDRAFTFILE", "kqzdraftname"], allowed_draft, ADMIN_ONLY),
        Thing("published write-up", published, ["KQZPUB "], EVERYONE, frozenset({"reviewer", "administrator"})),
        Thing("its file", published_file, ["KQZPUBFILE", "kqzpubname"], EVERYONE, ADMIN_ONLY),
        Thing("training", training, ["KQZTRAINING"], EVERYONE, media_staff),
        Thing("draft training", draft_training, ["KQZTRDRAFT"], media_staff, media_staff),
        Thing("training document", training_file, ["KQZTRFILE", "kqztrname"], EVERYONE, media_staff),
        Thing("image", image, ["KQZIMAGE", "kqzimgname"], media_staff | {"reviewer"}, media_staff),
        Thing("recording", video, ["KQZVIDEO", "kqzvidname"], media_staff, media_staff),
        Thing("unit", unit_c, ["KQZUNIT"], EVERYONE, ADMIN_ONLY),
        Thing("topic", topic, ["KQZTOPIC"], EVERYONE, ADMIN_ONLY),
    ]
    return World(people=people, things={thing.name: thing for thing in things})


@pytest.fixture(scope="module")
def world(tmp_path_factory, django_db_setup, django_db_blocker) -> Iterator[World]:
    root = tmp_path_factory.mktemp("admin-matrix")
    cached = {db: dict(models) for db, models in ContentType.objects._cache.items()}
    with override_settings(MEDIA_ROOT=root), django_db_blocker.unblock(), transaction.atomic():
        yield build_world()
        transaction.set_rollback(True)
    ContentType.objects._cache.clear()
    ContentType.objects._cache.update(cached)


# --- Addresses ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Route:
    pattern: str  # the full pattern, for messages
    name: str  # "namespace:name", as reverse() takes it
    params: tuple[str, ...]  # the names of its parameters
    raw: URLPattern


def admin_routes() -> list[Route]:
    """Every URL pattern under /admin/, walked from the project's root urlconf."""
    routes: list[Route] = []

    def walk(patterns: list[Any], prefix: str, regex: str, namespace: str) -> None:
        for entry in patterns:
            part = entry.pattern
            joined = regex + part.regex.pattern.lstrip("^").rstrip("$").removesuffix("\\Z")
            if isinstance(entry, URLResolver):
                walk(
                    entry.url_patterns,
                    prefix + str(part),
                    joined,
                    namespace + (f"{entry.namespace}:" if entry.namespace else ""),
                )
            elif isinstance(entry, URLPattern) and (prefix + str(part)).startswith("admin/"):
                params = tuple(re.compile(joined).groupindex)
                routes.append(Route(prefix + str(part), namespace + (entry.name or ""), params, entry))

    walk(get_resolver().url_patterns, "", "", "")
    return routes


# Patterns set aside, with the reason: they take no object and show no content, or need objects that only
# exist in the middle of another flow.
SKIPPED = {
    "wagtailadmin_login": "the login form",
    "wagtailadmin_logout": "logs out",
    "wagtailadmin_password_reset": "password reset: no content",
    "wagtailadmin_password_reset_done": "password reset: no content",
    "wagtailadmin_password_reset_confirm": "password reset: a token for one user",
    "wagtailadmin_password_reset_complete": "password reset: no content",
    "wagtailadmin_sprite": "the icon sprite",
    "wagtailadmin_javascript_catalog": "the translation catalogue",
    "wagtailadmin_error_test": "raises an error on purpose",
    "wagtaildocs:create_multiple_from_uploaded_document": "an upload in progress of the persona's own",
    "wagtaildocs:delete_upload_multiple": "an upload in progress of the persona's own",
    "wagtailimages:create_multiple_from_uploaded_image": "an upload in progress of the persona's own",
    "wagtailimages:delete_upload_multiple": "an upload in progress of the persona's own",
    "wagtailadmin_editing_sessions:ping": "an editing session of the persona's own",
    "wagtailadmin_editing_sessions:release": "an editing session of the persona's own",
    "media_captions_delete": "a caption file: the world has none (tests/media cover captions' permissions)",
    "media_captions_edit": "a caption file: the world has none (tests/media cover captions' permissions)",
    "wagtailredirects:edit": "a redirect: the world has none",
    "wagtailredirects:delete": "a redirect: the world has none",
    "wagtailsettings:edit": "no site settings are registered",
    "wagtailsettings:preview_on_edit": "no site settings are registered",
}

OBJECT_PARAMS = {"pk", "page_id", "page_pk", "page_to_move_id", "document_id", "doc_id", "image_id", "video_id"}


def model_of_route(route: Route) -> Any:
    """The model whose objects a route's id refers to, from its namespace (or its view's model)."""
    name = route.name
    if name.startswith(
        (
            "wagtailadmin_pages:",
            "wagtailadmin_api:pages:",
            "wagtailadmin_explore",
            "wagtailadmin_choose_page",
            "wagtailforms:",
            "training_slides",
            "wagtailadmin_workflows:remove",
        )
    ):
        return Page
    prefixes = {
        "wagtaildocs": Document,
        "wagtailadmin_api:documents:": Document,
        "wagtailimages": Image,
        "wagtailadmin_api:images:": Image,
        "media_": Video,
        "wagtailadmin_collections:": Collection,
        "wagtailadmin_workflows:enable": Workflow,
        "wagtailadmin_workflows:edit_task": Task,
        "wagtailadmin_workflows:disable_task": Task,
        "wagtailadmin_workflows:enable_task": Task,
    }
    for prefix, model in prefixes.items():
        if name.startswith(prefix) and not (prefix == "wagtailadmin_workflows:enable" and "task" in name):
            return model
    view = route.raw.callback
    model = (getattr(view, "view_initkwargs", None) or {}).get("model") or getattr(
        getattr(view, "view_class", None), "model", None
    )
    if isinstance(model, str):
        model = apps.get_model(model)
    return model if isinstance(model, type) else None


def page_values(world: World, page: Page) -> dict[str, list[Any]]:
    """What each parameter of a page's admin addresses can be, for `page`."""
    workflow_state = WorkflowState.objects.filter(
        base_content_type=ContentType.objects.get_for_model(Page), object_id=str(page.pk)
    ).first()
    task_state = (
        TaskState.objects.filter(workflow_state=workflow_state).order_by("-pk").first() if workflow_state else None
    )
    content_type = ContentType.objects.get_for_model(page.specific_class)
    reviewer = world.people["reviewer"]
    actions = [name for name, *_ in task_state.task.specific.get_actions(page, reviewer)] if task_state else []
    workflow = page.get_workflow()
    return {
        "page_id": [page.pk],
        "pk": [page.pk],
        "page_pk": [page.pk],
        "page_to_move_id": [page.pk],
        "parent_page_id": [page.pk, page.get_parent().pk],
        "destination_id": [page.get_parent().pk],
        "revision_id": [page.latest_revision_id],
        "revision_id_a": ["earliest"],
        "revision_id_b": ["latest"],
        "content_type_app_name": [content_type.app_label],
        "content_type_model_name": [content_type.model],
        "app_label": [content_type.app_label],
        "model_name": [content_type.model],
        "workflow_pk": [workflow.pk] if workflow else [],
        "workflow_state_id": [workflow_state.pk] if workflow_state else [],
        "task_state_id": [task_state.pk] if task_state else [],
        "task_id": [task_state.task_id] if task_state else [],
        "action_name": actions,
    }


def fill(route: Route, values: dict[str, list[Any]]) -> list[str]:
    """Every address of `route` with each combination of the values given for its parameters."""
    combos: list[dict[str, Any]] = [{}]
    for param in route.params:
        options = values.get(param, [])
        if not options:
            return []
        combos = [{**combo, param: option} for combo in combos for option in options]
    return [reverse(route.name, kwargs=combo) for combo in combos]


def defaults(route: Route, model: Any) -> dict[str, list[Any]]:
    """Values for the parameters that are no object of interest: the first of the route's model, a task."""
    first = model._default_manager.order_by("pk").first() if model is not None else None
    task = Task.objects.order_by("pk").first()
    values: dict[str, list[Any]] = {param: [first.pk] for param in OBJECT_PARAMS if first is not None}
    values.update(
        {
            "collection_id": [practices_collection().pk, trainings_collection().pk],
            "filter_spec": ["original"],
            "task_id": [task.pk] if task else [],
            "app_name": ["home"],  # the topics' tag autocompletion
            "model_name": ["topic"],
        }
    )
    if route.name == "wagtailadmin_workflows:add_task":
        values.update({"app_label": ["wagtailcore"], "model_name": ["groupapprovaltask"]})
    if model is Collection:
        values["pk"] = values["collection_id"]
    return values


def addresses(world: World) -> tuple[list[tuple[str, str, str | None]], set[str]]:
    """(name, url, thing) for every admin address; and the names of the patterns that produced none."""
    out: list[tuple[str, str, str | None]] = []
    unfilled: set[str] = set()
    for route in admin_routes():
        if route.name in SKIPPED or not route.name:
            continue
        produced: list[tuple[str, str, str | None]] = []
        model = model_of_route(route)
        if not route.params:
            produced.append((route.name, reverse(route.name), None))
        elif route.name == "wagtail_bulk_action":
            for thing in world.things.values():
                meta = (Page if isinstance(thing.obj, Page) else type(thing.obj))._meta
                for action in bulk_action_registry.get_bulk_actions_for_model(meta.app_label, meta.model_name):
                    url = reverse(
                        route.name,
                        kwargs={
                            "app_label": meta.app_label,
                            "model_name": meta.model_name,
                            "action": action.action_type,
                        },
                    )
                    produced.append((route.name, f"{url}?{urlencode({'id': thing.obj.pk})}", thing.name))
        else:
            for thing in world.things.values():
                obj = thing.obj
                if model is Page and isinstance(obj, Page):
                    values = page_values(world, obj)
                    if route.name == "wagtailadmin_api:pages:action":
                        values["action_name"] = list(PagesAdminAPIViewSet.actions)
                elif model is not None and isinstance(obj, model) and not isinstance(obj, Page):
                    values = {**defaults(route, model), **{param: [obj.pk] for param in OBJECT_PARAMS}}
                else:
                    continue
                produced.extend((route.name, url, thing.name) for url in fill(route, values))
            if not produced and model is not Page:
                produced.extend((route.name, url, None) for url in fill(route, defaults(route, model)))
        if not produced:
            unfilled.add(route.name)
        out.extend(produced)
    return out, unfilled


# --- Reading answers ----------------------------------------------------------------------------------


def forms_of(marker: str) -> set[str]:
    """How a marker can be written in an answer: as is, escaped in HTML, in JSON (\\u escapes)."""
    escaped = html.escape(marker)
    return {marker, escaped, json.dumps(marker)[1:-1], json.dumps(escaped)[1:-1]}


def leaks(body: bytes, markers: list[str]) -> list[str]:
    text = body.decode("utf-8", errors="replace")
    return [marker for marker in markers if any(form in text for form in forms_of(marker))]


def forbidden_markers(world: World, persona: str) -> list[str]:
    return [marker for thing in world.things.values() if persona not in thing.seen_by for marker in thing.markers]


def search_words(world: World, persona: str) -> list[str]:
    """Words to search for the things the persona may not see: the titles' last word, which is no marker (a
    search page repeats the words searched for)."""
    return [
        str(thing.obj).split()[-1] for thing in world.things.values() if persona not in thing.seen_by and thing.markers
    ]


def content(response: Any) -> bytes:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content)
    return response.content


def searchable(name: str, response: Any, body: bytes) -> bool:
    """Whether an answer is a listing one can search: it has a search box, or it is a listing's results."""
    return response.status_code == 200 and (
        b'name="q"' in body or name.endswith(("results", ":listing")) or name.startswith("wagtailadmin_api")
    )


@pytest.fixture(scope="module")
def every_address(world, django_db_blocker) -> list[tuple[str, str, str | None]]:
    with django_db_blocker.unblock():
        found, _ = addresses(world)
    seen: set[str] = set()
    unique = []
    for name, url, thing in found:
        if url not in seen:
            seen.add(url)
            unique.append((name, url, thing))
    return unique


def test_every_admin_pattern_is_audited_or_set_aside_with_a_reason(world, db):
    _, unfilled = addresses(world)
    assert not unfilled, "not audited: " + ", ".join(sorted(unfilled))


@pytest.mark.parametrize("persona", PERSONAS)
def test_no_admin_answer_shows_what_the_persona_may_not_see(world, every_address, client, persona):
    forbidden = forbidden_markers(world, persona)
    if not forbidden:
        pytest.skip(f"the {persona} may see every object of the world")
    client.force_login(world.people[persona])
    words = search_words(world, persona)
    found: list[str] = []
    for name, url, thing in every_address:
        response = client.get(url)
        body = content(response)
        shown = leaks(body, forbidden)
        if shown:
            found.append(f"{name} {url} [{response.status_code}]: {shown}")
        if thing is not None or "?" in url or not searchable(name, response, body):
            continue
        search_param = "search" if name.startswith("wagtailadmin_api") else "q"
        for word in words:
            response = client.get(url, {search_param: word})
            shown = leaks(content(response), forbidden)
            if shown:
                found.append(f"{name} {url}?{search_param}={word} [{response.status_code}]: {shown}")
    assert not found, "\n".join(found)


# --- Changing things ----------------------------------------------------------------------------------

SNAPSHOT_FIELDS: dict[type, list[str]] = {
    Page: ["title", "draft_title", "live", "latest_revision_id", "locked", "path", "has_unpublished_changes"],
    Document: ["title", "file", "collection_id"],
    Image: ["title", "file", "collection_id"],
    Video: ["title", "state", "attempts", "original"],
    Unit: ["name", "short_name", "active", "parent_id"],
    Topic: ["name", "slug"],
}


def snapshot(thing: Thing) -> tuple[Any, ...]:
    """What a change to the thing would alter: its row, its tags, its workflow, how many of its kind exist."""
    model = Page if isinstance(thing.obj, Page) else type(thing.obj)
    row = model._default_manager.filter(pk=thing.obj.pk).values(*SNAPSHOT_FIELDS[model]).first()
    tags = sorted(thing.obj.tags.names()) if hasattr(thing.obj, "tags") and not isinstance(thing.obj, Page) else []
    workflow = (
        list(WorkflowState.objects.filter(object_id=str(thing.obj.pk)).values_list("status", flat=True))
        if isinstance(thing.obj, Page)
        else []
    )
    restrictions = PageViewRestriction.objects.count() + CollectionViewRestriction.objects.count()
    return (row, tags, workflow, model._default_manager.count(), restrictions)


def form_data(body: bytes, url: str) -> dict[str, list[str]]:
    """The fields of the page's form that posts to `url`, as the browser would send them, with the title
    (or name) changed: what a person submits after editing."""
    soup = BeautifulSoup(body, "html.parser")
    forms = [
        form
        for form in soup.find_all("form")
        if (form.get("method") or "").lower() == "post"
        and (form.get("action") or url).split("?")[0] == url.split("?")[0]
    ]
    if not forms:
        return {}
    data: dict[str, list[str]] = {}
    main = max(forms, key=lambda form: len(form.find_all(["input", "select", "textarea"])))
    for entry in main.find_all(["input", "select", "textarea"]):
        name = entry.get("name")
        kind = (entry.get("type") or "").lower()
        if not name or kind in {"file", "submit", "button", "image"}:
            continue
        if kind in {"checkbox", "radio"} and not entry.has_attr("checked"):
            continue
        if entry.name == "select":
            options = entry.find_all("option")
            chosen = [option for option in options if option.has_attr("selected")] or options[:1]
            values = [option.get("value", option.text) for option in chosen]
        elif entry.name == "textarea":
            values = [entry.text]
        else:
            values = [entry.get("value", "on" if kind in {"checkbox", "radio"} else "")]
        data.setdefault(name, []).extend(values)
    for name in ("title", "name"):
        if name in data:
            data[name] = [value + " SỬA" for value in data[name]]
    return data


def post(client: Client, url: str, data: dict[str, list[str]], thing: Thing) -> bool:
    """Post `data` to `url`; whether the thing changed. The change is rolled back at once."""
    before = snapshot(thing)
    with transaction.atomic():
        client.post(url, data)
        after = snapshot(thing)
        transaction.set_rollback(True)
    return after != before


@pytest.fixture(scope="module")
def changes(world, every_address, django_db_blocker) -> list[tuple[str, str, str, dict[str, list[str]]]]:
    """The requests that change an object when someone allowed to change it makes them (the administrator,
    else another who may: a write-up in review is locked for all but its reviewers): the screen's form
    filled in as they see it, or a bare post where the screen has no form."""
    clients: dict[str, Client] = {}
    effective = []
    with django_db_blocker.unblock():
        for name, url, thing_name in every_address:
            if thing_name is None:
                continue
            thing = world.things[thing_name]
            for persona in sorted(thing.changed_by, key=lambda persona: persona != "administrator"):
                if persona not in clients:
                    clients[persona] = Client()
                    clients[persona].force_login(world.people[persona])
                response = clients[persona].get(url)
                data = form_data(content(response), url) if response.status_code == 200 else {}
                # Screens that only show something (history, usage, previews) take no post.
                if not data and response.status_code != 405 and "?" not in url and ":action" not in name:
                    break
                if post(clients[persona], url, data, thing):
                    effective.append((name, url, thing_name, data))
                    break
    return effective


def test_the_administrators_own_requests_change_every_object(world, changes):
    """The control of the next test: without it, refusals could hold because the requests were wrong."""
    changed = {(thing, name.split(":")[-1]) for name, _url, thing, _data in changes}
    missing = [
        f"{thing}: {action}"
        for thing in world.things
        for action in ("edit", "delete")
        if (thing, action) not in changed
    ]
    assert not missing, "the administrator's requests did not " + ", ".join(missing)


@pytest.mark.parametrize("persona", PERSONAS)
def test_nobody_changes_what_they_may_not_change(world, changes, client, persona):
    refused = [
        (name, url, thing, data) for name, url, thing, data in changes if persona not in world.things[thing].changed_by
    ]
    if not refused:
        pytest.skip(f"the {persona} may change every object of the world")
    client.force_login(world.people[persona])
    changed = [
        f"{name} {url} ({thing})" for name, url, thing, data in refused if post(client, url, data, world.things[thing])
    ]
    assert not changed, "\n".join(changed)
