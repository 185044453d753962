"""The persistent run store (Zarr v3): per-checkpoint values, interactions, γ, q and losses."""

from harsanyi.store.arrays import SPLITS, RunArrays, Split, is_run_store, read_arrays
from harsanyi.store.config import config_diff, config_hash, jsonable
from harsanyi.store.record import CheckpointRecord
from harsanyi.store.repair import repair_store
from harsanyi.store.runstore import FORMAT, RunStore, stored_config
from harsanyi.store.verify import readable_checkpoints, verify_store

__all__ = ["FORMAT", "SPLITS", "CheckpointRecord", "RunArrays", "RunStore", "Split",
           "config_diff", "config_hash", "is_run_store", "jsonable", "read_arrays",
           "readable_checkpoints", "repair_store", "stored_config", "verify_store"]
