"""Topics are edited by administrators in the admin (renamed, merged by hand, removed)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet

from portal.home.models import Topic


class TopicViewSet(SnippetViewSet):
    model = Topic
    icon = "tag"
    menu_label = _("Topics")
    menu_order = 160
    add_to_admin_menu = True
    search_fields = ["name"]
    search_backend_name = None
    list_display = ["name", "slug"]
    form_fields = ["name", "slug"]


register_snippet(TopicViewSet)
