"""One serialisation path: pydantic events to orjson bytes (optionally AES-GCM encrypted) and back.

``class_version`` upcasting keeps old stored events readable after a schema change: a stored
state written by version N of an event class is brought up to date by its ``upcast_vN_vN+1``
static methods before it is validated.
"""

from __future__ import annotations

from typing import Any

import orjson
from eventsourcing.persistence import Mapper, ProgrammingError, StoredEvent, Transcoder, Transcoding
from eventsourcing.utils import get_topic, resolve_topic
from pydantic import BaseModel


class OrjsonTranscoder(Transcoder):
    """Bytes from the JSON-compatible dict a pydantic model dumps, and back."""

    def encode(self, obj: Any) -> bytes:
        return orjson.dumps(obj)

    def decode(self, data: bytes) -> Any:
        return orjson.loads(data)

    def register(self, _: Transcoding) -> None:
        raise ProgrammingError("events are pydantic models; no transcodings are registered")


class PydanticMapper(Mapper):
    """Stored events from pydantic events, keeping ``class_version`` upcasting working."""

    def to_stored_event(self, domain_event: Any) -> StoredEvent:
        model: BaseModel = domain_event
        state = model.model_dump(mode="json", exclude={"originator_id", "originator_version"})
        class_version = getattr(type(domain_event), "class_version", 1)
        if class_version > 1:
            state["class_version"] = class_version
        return StoredEvent(
            originator_id=domain_event.originator_id,
            originator_version=domain_event.originator_version,
            topic=get_topic(type(domain_event)),
            state=self.encode_state(state),
        )

    def to_domain_event(self, stored_event: StoredEvent) -> Any:
        cls = resolve_topic(stored_event.topic)
        state = cls.upcast(self.decode_state(stored_event.state))
        state["originator_id"] = stored_event.originator_id
        state["originator_version"] = stored_event.originator_version
        return cls.model_validate(state)

    def encode_state(self, state: Any) -> bytes:
        data = self.transcoder.encode(state)
        if self.compressor:
            data = self.compressor.compress(data)
        return self.cipher.encrypt(data) if self.cipher else data

    def decode_state(self, data: bytes) -> Any:
        if self.cipher:
            data = self.cipher.decrypt(data)
        if self.compressor:
            data = self.compressor.decompress(data)
        return self.transcoder.decode(data)
