"""The trainings' collection: where training editors keep the documents and images of trainings.

Training editors manage documents and images in this collection only (units.0004), never in the root:
the root holds the good-practice collection, whose files belong to their units and the reviewers.
"""

from __future__ import annotations

from wagtail.models import Collection

COLLECTION_NAME = "Tập huấn"


def trainings_collection() -> Collection:
    """The "Tập huấn" collection under the root (made by migration; made here if someone removed it)."""
    existing = Collection.objects.filter(name=COLLECTION_NAME, depth=2).first()
    if existing is not None:
        return existing
    return Collection.get_first_root_node().add_child(name=COLLECTION_NAME)
