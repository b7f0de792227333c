"""What the admin shows each person: no title of a page or file they have no right to.

Wagtail checks permissions before it lets anyone act, but several of its screens still name what they refuse
or list whatever exists: the page chooser browses every page, drafts included; a bulk action's confirmation
lists "the pages you may not delete" by title; the move confirmation names any page; the page types report
names the last page edited of each type; the admin API lists every document and image. A draft write-up
exists only for its unit and the reviewers (portal.practices.visibility), a draft training only for its
editors; in the admin they must not be named to anyone else either.

The rule for pages (`admin_visible_pages`): a page is shown to someone in the admin when they may open it
in the portal (published, and no view restriction keeps them out: portal.core.visibility) or when they have
a permission on it in the admin (Wagtail's page permissions: reviewers on the good practices, training
editors on the trainings, administrators on everything). Documents and images follow their permission
policy (for documents, portal.practices.document_policy).

portal.core.wagtail_hooks registers these with Wagtail.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest

from wagtail.admin.views.bulk_action import BulkAction
from wagtail.models import Page
from wagtail.permissions import policy_registry

from portal.core.visibility import visible_to

PAGE_ACTIONS = ["add", "change", "publish", "bulk_delete", "lock", "unlock"]
# What lets someone see a document or image in the admin: any of Wagtail's actions on it.
FILE_ACTIONS = ["add", "change", "delete", "choose"]


def admin_visible_pages(pages: QuerySet[Any], user: Any) -> QuerySet[Any]:
    """`pages`, without those `user` may neither open in the portal nor work on in the admin."""
    if getattr(user, "is_superuser", False) and user.is_active:
        return pages
    if not getattr(user, "is_authenticated", False):
        return pages.none()
    readable = visible_to(Page.objects.filter(live=True), user)
    editable = policy_registry.get_by_type(Page).instances_user_has_any_permission_for(user, PAGE_ACTIONS)
    return pages.filter(Q(pk__in=readable.values("pk")) | Q(pk__in=editable.values("pk")))


def may_see_page(user: Any, page: Page) -> bool:
    return admin_visible_pages(Page.objects.filter(pk=page.pk), user).exists()


def page_chooser_pages(pages: QuerySet[Any], request: HttpRequest) -> QuerySet[Any]:
    """construct_page_chooser_queryset: browsing and searching in the page chooser. Browsing into a page
    names that page too (its title heads the list): one the user may not see is not found."""
    match = request.resolver_match
    parent_id = match.kwargs.get("parent_page_id") if match else None
    if parent_id is not None and not admin_visible_pages(Page.objects.filter(pk=parent_id), request.user).exists():
        raise Http404
    return admin_visible_pages(pages, request.user)


def explorer_pages(parent_page: Page, pages: QuerySet[Any], request: HttpRequest) -> QuerySet[Any]:
    """construct_explorer_page_queryset: the page explorer and the admin API's explorer menu."""
    return admin_visible_pages(pages, request.user)


def refuse_moves_of_pages_out_of_reach(request: HttpRequest, page: Page, destination: Page) -> None:
    """before_move_page: the confirmation named the page to anyone who typed its address."""
    if not page.permissions_for_user(request.user).can_move_to(destination):
        raise PermissionDenied


class ListsOnlyWhatTheUserMayActOn(BulkAction):
    """A bulk action that leaves out, instead of naming, the items the user may not act on."""

    def get_actionable_objects(self) -> tuple[list[Any], dict[str, list[Any]]]:
        objects, context = super().get_actionable_objects()
        return objects, {**context, "items_with_no_access": []}


def quiet_bulk_actions() -> list[type[BulkAction]]:
    """Wagtail's bulk actions on pages, documents and images, each listing only what the user may act on."""
    from wagtail.admin.views.pages import bulk_actions as page_actions
    from wagtail.documents.views import bulk_actions as document_actions
    from wagtail.images.views import bulk_actions as image_actions

    originals = [
        page_actions.DeleteBulkAction,
        page_actions.MoveBulkAction,
        page_actions.PublishBulkAction,
        page_actions.UnpublishBulkAction,
        document_actions.AddTagsBulkAction,
        document_actions.AddToCollectionBulkAction,
        document_actions.DeleteBulkAction,
        image_actions.AddTagsBulkAction,
        image_actions.AddToCollectionBulkAction,
        image_actions.DeleteBulkAction,
    ]
    return [type(original.__name__, (ListsOnlyWhatTheUserMayActOn, original), {}) for original in originals]


def files_for(user: Any, model: type) -> QuerySet[Any]:
    return policy_registry.get_by_type(model).instances_user_has_any_permission_for(user, FILE_ACTIONS)


def admin_api_endpoints() -> dict[str, type]:
    """The admin API's documents and images, limited to those the user may work with (Wagtail's list all)."""
    from wagtail.documents.api.admin.views import DocumentsAdminAPIViewSet
    from wagtail.images.api.admin.views import ImagesAdminAPIViewSet

    class Documents(DocumentsAdminAPIViewSet):
        def get_queryset(self) -> QuerySet[Any]:
            return super().get_queryset().filter(pk__in=files_for(self.request.user, self.model).values("pk"))

    class Images(ImagesAdminAPIViewSet):
        def get_queryset(self) -> QuerySet[Any]:
            return super().get_queryset().filter(pk__in=files_for(self.request.user, self.model).values("pk"))

    return {"documents": Documents, "images": Images}
