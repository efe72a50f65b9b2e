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


SessionDep = Annotated[Session, Depends(get_session)]
RedisDep = Annotated[redis.Redis, Depends(get_redis)]
