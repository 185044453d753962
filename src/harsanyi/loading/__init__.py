"""Loading what users bring: checkpoint folders and files, and model factories.

The one home of checkpoint I/O and of the factory syntax (``file.py:fn``, ``module:fn``,
``zoo:NAME``), used by the monitor, the zoo's training runs and every CLI command.
"""

from harsanyi.loading.checkpoints import (
    Checkpoint,
    epoch_from_name,
    find_checkpoints,
    load_into,
    read_checkpoint,
)
from harsanyi.loading.factories import (
    NAMESPACES,
    FactorySpec,
    register_namespace,
    resolve_factory,
)

__all__ = ["NAMESPACES", "Checkpoint", "FactorySpec", "epoch_from_name", "find_checkpoints",
           "load_into", "read_checkpoint", "register_namespace", "resolve_factory"]
