"""Repairing the topics that Wagtail's tag field broke apart (`manage.py repair_topics`, and a migration).

Until the page editor had its own topics field (portal/home/topic_field.py), saving or publishing a page
unchanged turned a topic whose name holds a comma into pieces: "Đào tạo, bồi dưỡng cán bộ" became
"Đào tạo," + "bồi" + "dưỡng" + "cán" + "bộ" (or "Đào tạo," + "bồi dưỡng cán bộ", depending on the page's
other topics), and the page lost the real topic. The pieces are new topics of their own, shown on the
home page, in the topic list and in the search filters.

How the damage is recognised, for every topic whose name contains ", " (the real topic):
- the *head*: the piece holding the first part of the name and its comma ("Đào tạo,", or "Đào tạo,bồi"
  when the next part was one word). It has a comma but never ", " (the script glued the pieces back without
  spaces), and its words are the first words of the real topic. Nobody writes a topic like that on purpose.
- the *pieces*: any topic without ", " whose words are a run of the real topic's words ("bồi", "tạm giam").
A set of topics — a page's own, or those of one of its saved versions (revisions) — that holds a head has
lost the real topic: the repair gives it back and takes the head and the pieces away. A piece that some
undamaged set holds is a real topic too ("Tạm giam" chosen for another page, which the tag field may have
reused for the piece "tạm giam"): it is taken away only where the page's own last undamaged version shows
the page did not have it, and is never deleted. Then the heads and pieces that nothing holds any more are
deleted.

The decision (`plan_repair`) works on plain ids and names; `repair_topics` reads the database, applies it
and returns what it did. It takes an app registry, so the data migration runs the same code on the models
as they were then.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps as django_apps
from django.db import transaction
from django.dispatch import Signal

# The models that give pages their topics: (app label, page model, through model).
TAGGED = (("trainings", "trainingpage", "TrainingTopic"), ("practices", "goodpracticepage", "PracticeTopic"))
_WORD_BREAKS = re.compile(r'[\s",]+')

# Sent with `page_ids` after a repair changed pages' topics (not from the migration, whose models are those of
# its time): the search app re-indexes those pages, as it does when a topic is renamed.
topics_repaired = Signal()


def words(name: str) -> tuple[str, ...]:
    """The words of a name, compared without case, commas or straight quotes (which the script moved)."""
    return tuple(word for word in _WORD_BREAKS.split(name.casefold()) if word)


def _is_run(part: tuple[str, ...], whole: tuple[str, ...]) -> bool:
    return any(whole[start : start + len(part)] == part for start in range(len(whole) - len(part) + 1))


def is_whole(name: str) -> bool:
    """A topic a comma could break: its name holds ", "."""
    return ", " in name


def is_head(name: str, whole: str) -> bool:
    """`name` is the first piece the tag field made of the topic `whole` ("Đào tạo," of "Đào tạo, bồi…")."""
    part = words(name)
    return name != whole and "," in name and ", " not in name and bool(part) and words(whole)[: len(part)] == part


def is_piece(name: str, whole: str) -> bool:
    """`name` could be a piece of `whole`: its words are a run of the whole's words (or it has none, as ",")."""
    return name != whole and ", " not in name and _is_run(words(name), words(whole))


@dataclass(frozen=True)
class TopicSet:
    """The topics of a page (`revision` None) or of one of its saved versions."""

    page_id: int
    topic_ids: frozenset[int]
    revision: int | None = None


@dataclass
class SetFix:
    topic_set: TopicSet
    restored: set[int] = field(default_factory=set)
    removed: set[int] = field(default_factory=set)


@dataclass
class Plan:
    fixes: list[SetFix] = field(default_factory=list)
    delete: set[int] = field(default_factory=set)
    kept: dict[int, int] = field(default_factory=dict)  # a real topic among the pieces: undamaged sets holding it
    unclear: list[tuple[TopicSet, int]] = field(default_factory=list)  # a head that fits several topics


def plan_repair(names: Mapping[int, str], sets: Iterable[TopicSet]) -> Plan:
    """What to restore, remove and delete, given every topic's name and every set of topics."""
    sets = list(sets)
    wholes = [pk for pk, name in names.items() if is_whole(name)]
    heads = {
        pk: [whole for whole in wholes if is_head(name, names[whole])]
        for pk, name in names.items()
        if any(is_head(name, names[whole]) for whole in wholes)
    }
    pieces = {pk for pk, name in names.items() if pk not in heads and any(is_piece(name, names[w]) for w in wholes)}
    undamaged_uses: dict[int, int] = {}
    before: dict[int, TopicSet] = {}  # each page's latest saved version without damage
    for topic_set in sets:
        if not topic_set.topic_ids & heads.keys():
            for pk in topic_set.topic_ids & pieces:
                undamaged_uses[pk] = undamaged_uses.get(pk, 0) + 1
            if topic_set.revision is not None and topic_set.revision > getattr(
                before.get(topic_set.page_id), "revision", -1
            ):
                before[topic_set.page_id] = topic_set

    plan = Plan()
    for topic_set in sets:
        fix = SetFix(topic_set)
        for head in sorted(topic_set.topic_ids & heads.keys()):
            whole = _lost_topic(head, heads[head], topic_set, names)
            if whole is None:
                plan.unclear.append((topic_set, head))
                continue
            fix.removed.add(head)
            if whole not in topic_set.topic_ids:
                fix.restored.add(whole)
            earlier = before.get(topic_set.page_id)
            for pk in topic_set.topic_ids & pieces:
                if not is_piece(names[pk], names[whole]):
                    continue
                if pk in undamaged_uses:  # a real topic: never deleted, and stays where the page had it
                    plan.kept[pk] = undamaged_uses[pk]
                    if earlier is None or pk in earlier.topic_ids:
                        continue
                fix.removed.add(pk)
        if fix.removed or fix.restored:
            plan.fixes.append(fix)

    # Delete what was taken away and the heads nothing holds, unless a set still holds it after the repair.
    removed = {fix.topic_set: fix.removed for fix in plan.fixes}
    still_held: set[int] = set()
    for topic_set in sets:
        still_held |= topic_set.topic_ids - removed.get(topic_set, set())
    plan.delete = (set().union(*removed.values()) | heads.keys()) - still_held
    return plan


def _lost_topic(head: int, candidates: list[int], topic_set: TopicSet, names: Mapping[int, str]) -> int | None:
    """Which topic the set lost: the only candidate, else the one whose other pieces the set holds best."""
    if len(candidates) == 1:
        return candidates[0]

    def fit(whole: int) -> tuple[bool, int]:
        held = [pk for pk in topic_set.topic_ids if pk != head and is_piece(names[pk], names[whole])]
        return whole in topic_set.topic_ids, sum(len(words(names[pk])) for pk in held)

    ranked = sorted(candidates, key=fit, reverse=True)
    return ranked[0] if fit(ranked[0]) != fit(ranked[1]) else None


# Reading and writing the database.


@dataclass
class PageChange:
    page_id: int
    title: str
    model: str  # "trainingpage" or "goodpracticepage"
    restored: list[str]
    removed: list[str]
    revisions: int = 0  # saved versions of the page corrected too


@dataclass
class RepairReport:
    pages: list[PageChange] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)
    kept: list[tuple[str, int]] = field(default_factory=list)
    unclear: list[tuple[str, str]] = field(default_factory=list)  # (page title, head)

    @property
    def changed(self) -> bool:
        return bool(self.pages or self.deleted)


def _load_sets(apps: Any) -> tuple[list[TopicSet], dict[TopicSet, Any], dict[int, tuple[str, str]]]:
    """Every page's topics and every saved version's topics, with the rows behind the versions."""
    ContentType = apps.get_model("contenttypes", "ContentType")
    Revision = apps.get_model("wagtailcore", "Revision")
    Page = apps.get_model("wagtailcore", "Page")
    sets: list[TopicSet] = []
    revisions: dict[TopicSet, Any] = {}
    pages: dict[int, tuple[str, str]] = {}
    for app_label, model, through_name in TAGGED:
        through = apps.get_model(app_label, through_name)
        by_page: dict[int, set[int]] = {}
        for page_id, tag_id in through.objects.values_list("content_object_id", "tag_id"):
            by_page.setdefault(page_id, set()).add(tag_id)
        content_type = ContentType.objects.filter(app_label=app_label, model=model).first()
        if content_type is None:
            continue
        for page_id, title in Page.objects.filter(content_type=content_type).values_list("pk", "title"):
            pages[page_id] = (title, model)
            sets.append(TopicSet(page_id, frozenset(by_page.get(page_id, ()))))
        for revision in Revision.objects.filter(content_type=content_type).order_by("pk"):
            items = revision.content.get("topic_items") or []
            topic_set = TopicSet(
                int(revision.object_id), frozenset(item["tag"] for item in items), revision=revision.pk
            )
            sets.append(topic_set)
            revisions[topic_set] = revision
    return sets, revisions, pages


def repair_topics(apps: Any = django_apps, *, dry_run: bool = False) -> RepairReport:
    """Find the broken topics, put the real ones back on the pages and their versions, delete the pieces
    nothing holds. With `dry_run`, only report what would be done."""
    Topic = apps.get_model("home", "Topic")
    with transaction.atomic():
        names = dict(Topic.objects.values_list("pk", "name"))
        sets, revisions, pages = _load_sets(apps)
        plan = plan_repair(names, sets)
        report = _report(plan, names, pages)
        if not dry_run:
            _apply(apps, plan, revisions, pages)
            if apps is django_apps and report.pages:
                topics_repaired.send(sender=repair_topics, page_ids=[change.page_id for change in report.pages])
    return report


def _report(plan: Plan, names: Mapping[int, str], pages: Mapping[int, tuple[str, str]]) -> RepairReport:
    report = RepairReport()
    changes: dict[int, PageChange] = {}
    for fix in plan.fixes:
        page_id = fix.topic_set.page_id
        title, model = pages.get(page_id, (str(page_id), ""))
        change = changes.setdefault(page_id, PageChange(page_id, title, model, [], []))
        for pk in fix.restored:
            if names[pk] not in change.restored:
                change.restored.append(names[pk])
        for pk in fix.removed:
            if names[pk] not in change.removed:
                change.removed.append(names[pk])
        if fix.topic_set.revision is not None:
            change.revisions += 1
    report.pages = sorted(changes.values(), key=lambda change: change.page_id)
    for change in report.pages:
        change.restored.sort()
        change.removed.sort()
    report.deleted = sorted(names[pk] for pk in plan.delete)
    report.kept = sorted((names[pk], uses) for pk, uses in plan.kept.items())
    report.unclear = sorted({(pages.get(s.page_id, (str(s.page_id), ""))[0], names[h]) for s, h in plan.unclear})
    return report


def _apply(apps: Any, plan: Plan, revisions: Mapping[TopicSet, Any], pages: Mapping[int, tuple[str, str]]) -> None:
    Topic = apps.get_model("home", "Topic")
    throughs = {model: apps.get_model(app_label, through) for app_label, model, through in TAGGED}
    for fix in plan.fixes:
        page_id = fix.topic_set.page_id
        if fix.topic_set.revision is None:
            through = throughs[pages[page_id][1]]
            through.objects.filter(content_object_id=page_id, tag_id__in=fix.removed).delete()
            for pk in fix.restored:
                through.objects.get_or_create(content_object_id=page_id, tag_id=pk)
        else:
            revision = revisions[fix.topic_set]
            items = [item for item in revision.content.get("topic_items") or [] if item["tag"] not in fix.removed]
            items += [{"pk": None, "tag": pk, "content_object": page_id} for pk in sorted(fix.restored)]
            revision.content["topic_items"] = items
            revision.save(update_fields=["content"])
    Topic.objects.filter(pk__in=plan.delete).delete()
