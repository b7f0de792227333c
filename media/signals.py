"""Signals media sends so that other apps can follow recordings without media knowing them.

``transcript_changed`` is sent with ``video=`` (plus ``language=`` and ``source=``) by
``media.transcripts.save_transcript`` and ``media.transcripts.delete_transcript``, *inside* their
transaction, right after the rows are written and before the commit. It is not deferred to
``transaction.on_commit`` on purpose: a listener that records the change in an outbox table then writes its
row in the same transaction, so the transcript and the note to re-index it are committed together or not
at all. A listener that talks to the outside world (a search engine, a queue) must therefore defer that part
itself with ``transaction.on_commit``.

Deleting Transcript or Segment rows through the ORM directly (or a Video, which cascades) does not send it.
"""

from __future__ import annotations

from django.dispatch import Signal

transcript_changed = Signal()
