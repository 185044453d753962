"""PyTorch Lightning callback that feeds a :class:`~harsanyi.dynamics.monitor.Monitor`.

Needs the optional extra ``lightning`` (``pip install harsanyi[lightning]``).

After each training epoch (validation included) the callback calls
``monitor.on_epoch_end(module, epoch, train_loss=..., test_loss=...)`` with
``epoch = trainer.current_epoch + 1`` (epoch 0 is the model before training, recorded at the
start of training when ``record_initial``). Losses are read from ``trainer.callback_metrics``
under ``train_loss_key`` / ``test_loss_key`` (log them with ``self.log(..., on_epoch=True)``).
"""

from __future__ import annotations

from typing import Any

from harsanyi.dynamics.monitor import Monitor

try:  # the unified package first, then the standalone one
    from lightning.pytorch.callbacks import Callback
except ImportError:  # pragma: no cover - depends on the environment
    try:
        from pytorch_lightning.callbacks import Callback  # type: ignore[no-redef]
    except ImportError as exc:
        raise ImportError(
            "harsanyi.dynamics.lightning needs PyTorch Lightning: pip install 'harsanyi[lightning]'"
        ) from exc

__all__ = ["InteractionCallback"]


def _metric(trainer: Any, key: str | None) -> float | None:
    if not key:
        return None
    value = trainer.callback_metrics.get(key)
    return None if value is None else float(value)


class InteractionCallback(Callback):
    """Compute and store interactions after every training epoch of a Lightning run.

    Parameters
    ----------
    monitor : the :class:`Monitor` (samples, players, store, ...).
    model_attr : attribute of the LightningModule holding the network to explain (default:
        the module itself, whose ``forward`` must return logits).
    train_loss_key, test_loss_key : keys in ``trainer.callback_metrics``.
    record_initial : also record epoch 0, before the first training step.
    every : record every ``every`` epochs (the last epoch is always recorded).

    Example
    -------
    >>> import tempfile, numpy as np
    >>> from harsanyi.games.players import Columns
    >>> mon = Monitor(tempfile.mkdtemp() + "/run", np.ones((2, 3), np.float32),
    ...               players=Columns([0, 1, 2]), kind="and", q_bound=0.0)
    >>> InteractionCallback(mon, train_loss_key="loss").train_loss_key
    'loss'
    """

    def __init__(
        self,
        monitor: Monitor,
        *,
        model_attr: str | None = None,
        train_loss_key: str = "train_loss",
        test_loss_key: str = "val_loss",
        record_initial: bool = True,
        every: int = 1,
    ) -> None:
        super().__init__()
        if every < 1:
            raise ValueError(f"every must be >= 1; got {every}")
        self.monitor, self.model_attr = monitor, model_attr
        self.train_loss_key, self.test_loss_key = train_loss_key, test_loss_key
        self.record_initial, self.every = record_initial, every

    def _net(self, pl_module: Any) -> Any:
        if self.model_attr is None:
            return pl_module
        if not hasattr(pl_module, self.model_attr):
            raise AttributeError(f"{type(pl_module).__name__} has no attribute "
                                 f"{self.model_attr!r} (model_attr)")
        return getattr(pl_module, self.model_attr)

    def on_train_start(self, trainer: Any, pl_module: Any) -> None:
        """Record epoch 0 (the initial model) when ``record_initial``."""
        if self.record_initial and trainer.current_epoch == 0:
            self.monitor.on_epoch_end(self._net(pl_module), 0)

    def on_train_epoch_end(self, trainer: Any, pl_module: Any) -> None:
        """Record ``epoch = current_epoch + 1`` with the logged losses."""
        epoch = trainer.current_epoch + 1
        last = trainer.max_epochs is not None and epoch >= trainer.max_epochs
        if epoch % self.every and not last:
            return
        self.monitor.on_epoch_end(
            self._net(pl_module), epoch,
            train_loss=_metric(trainer, self.train_loss_key),
            test_loss=_metric(trainer, self.test_loss_key),
        )
