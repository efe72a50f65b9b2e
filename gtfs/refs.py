"""Public references `FEED:ID`: a feed id, a colon, then the GTFS id (which may hold colons)."""

from __future__ import annotations

from dataclasses import dataclass

from gtfs.errors import InvalidReference


@dataclass(frozen=True, slots=True)
class Ref:
    feed_id: str
    id: str

    def __str__(self) -> str:
        return f"{self.feed_id}:{self.id}"


def parse_ref(text: str) -> Ref:
    feed_id, sep, gtfs_id = text.partition(":")
    if not sep or not feed_id or not gtfs_id:
        raise InvalidReference(f"'{text}' is not a reference of the form FEED:ID (e.g. prato:1234)")
    return Ref(feed_id, gtfs_id)


def make_ref(feed_id: str, gtfs_id: str) -> str:
    return f"{feed_id}:{gtfs_id}"
