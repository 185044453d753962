"""The persistent run store (Zarr v3): per-checkpoint values, interactions, γ, q and losses."""

from harsanyi.store.config import config_diff, config_hash, jsonable
from harsanyi.store.record import CheckpointRecord
from harsanyi.store.runstore import FORMAT, RunStore

__all__ = ["FORMAT", "CheckpointRecord", "RunStore", "config_diff", "config_hash", "jsonable"]
