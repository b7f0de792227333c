"""Who may do what with documents in the admin: Wagtail's rule, except for the files of write-ups.

Wagtail decides by collection (a group's permission on a collection covers the collections under it) and
by ownership. The files of write-ups — everything in the "Cách làm hay" collection, and any document a
write-up shows wherever it is kept — belong to their unit and the reviewers: in the admin only reviewers
and administrators may list, choose, replace or delete them, whatever permissions a group was given on a
collection above. (The unit's submitters reach them through the portal's own form, never the admin.)

Registered for the document model in PracticesConfig.ready(); every document screen, chooser, bulk action,
the admin API and the download rule (portal.documents.access) ask the registry for it.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from wagtail.models import Collection
from wagtail.permission_policies.collections import CollectionOwnershipPermissionPolicy

from portal.practices.visibility import sees_all_practices


def practices_collection_paths() -> list[str]:
    from portal.practices.submission import COLLECTION_NAME

    return list(Collection.objects.filter(name=COLLECTION_NAME, depth=2).values_list("path", flat=True))


def write_up_files() -> Q:
    """The documents that belong to write-ups: kept in their collection, or shown by a write-up."""
    from portal.practices.models import PracticeAttachment

    kept = Q(pk__in=PracticeAttachment.objects.values("document_id"))
    for path in practices_collection_paths():
        kept |= Q(collection__path__startswith=path)
    return kept


def is_write_up_file(document: Any) -> bool:
    return type(document)._default_manager.filter(write_up_files(), pk=document.pk).exists()


class DocumentPermissionPolicy(CollectionOwnershipPermissionPolicy):
    def user_has_permission_for_instance(self, user: Any, action: str, instance: Any) -> bool:
        return self.user_has_any_permission_for_instance(user, [action], instance)

    def user_has_any_permission_for_instance(self, user: Any, actions: list[str], instance: Any) -> bool:
        if not sees_all_practices(user) and is_write_up_file(instance):
            return False
        return bool(super().user_has_any_permission_for_instance(user, actions, instance))

    def instances_user_has_any_permission_for(self, user: Any, actions: list[str]) -> QuerySet[Any]:
        documents = super().instances_user_has_any_permission_for(user, actions)
        if sees_all_practices(user):
            return documents
        # By id: the choosers search these querysets, and the search backend filters on indexed fields only.
        kept = list(self.model._default_manager.filter(write_up_files()).values_list("pk", flat=True))
        return documents.exclude(pk__in=kept)

    def instances_user_has_permission_for(self, user: Any, action: str) -> QuerySet[Any]:
        return self.instances_user_has_any_permission_for(user, [action])

    def collections_user_has_any_permission_for(self, user: Any, actions: list[str]) -> QuerySet[Any]:
        collections = super().collections_user_has_any_permission_for(user, actions)
        if sees_all_practices(user):
            return collections
        for path in practices_collection_paths():
            collections = collections.exclude(path__startswith=path)
        return collections

    def collections_user_has_permission_for(self, user: Any, action: str) -> QuerySet[Any]:
        return self.collections_user_has_any_permission_for(user, [action])

    def users_with_any_permission_for_instance(self, actions: list[str], instance: Any) -> QuerySet[Any]:
        users = super().users_with_any_permission_for_instance(actions, instance)
        if not is_write_up_file(instance):
            return users
        from portal.units import roles

        return users.filter(Q(is_superuser=True) | Q(groups__name__in=[roles.ADMINISTRATOR, roles.REVIEWER])).distinct()


def register() -> None:
    from wagtail.documents import get_document_model, get_document_model_string
    from wagtail.permissions import register_permission_policy

    # exact_class: wagtail.documents registers its own policy for the model after this app's ready().
    policy = DocumentPermissionPolicy(
        get_document_model_string(), auth_model="wagtaildocs.Document", owner_field_name="uploaded_by_user"
    )
    register_permission_policy(get_document_model(), policy, exact_class=True)
