"""Request dependencies: one session per request, committed after the handler."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

import redis
from fastapi import Depends
from sqlalchemy.orm import Session

from mobility.db import session_scope
from mobility.redis_client import get_redis


def get_session() -> Iterator[Session]:
    """The request's unit of work: committed after the handler, rolled back if it raises."""
    with session_scope() as session:
        yield session


# scope="function": the commit runs before the response is sent. With FastAPI's default
# ("request") it would run after, and a client could be told "stored" about a rolled-back write.
SessionDep = Annotated[Session, Depends(get_session, scope="function")]
RedisDep = Annotated[redis.Redis, Depends(get_redis)]
