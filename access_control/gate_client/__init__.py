"""The gate-side client: decides offline from a local SQLite store, syncs when online.

Standard library, `cryptography`/PyJWT (through `access_control.jwks/tokens/proof/qr`) and SQLite
only: no database, settings or web framework of the service.
"""

from .backend import (
    GateBackend,
    RestoredEntry,
    RevocationDelta,
    RevocationSnapshot,
    RevokedEntry,
    Tap,
    TapConflict,
    UploadAck,
    WireError,
)
from .gate import OPEN_CODE, Decision, GateConfig, OfflineGate, SyncReport
from .revocations import RevocationSyncError, RevocationSyncResult
from .store import GateStore

__all__ = [
    "OPEN_CODE",
    "Decision",
    "GateBackend",
    "GateConfig",
    "GateStore",
    "OfflineGate",
    "RestoredEntry",
    "RevocationDelta",
    "RevocationSnapshot",
    "RevocationSyncError",
    "RevocationSyncResult",
    "RevokedEntry",
    "SyncReport",
    "Tap",
    "TapConflict",
    "UploadAck",
    "WireError",
]
