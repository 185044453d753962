"""Batched evaluation of a model on many masked inputs, with fixed-size padded batches.

Every forward batch has exactly ``batch_size`` rows: the last one is padded by repeating its
last item, and the padding is dropped, so the kernels never see a ragged last batch and a run
is reproducible. Float64 models agree to ~1e-15 across batch sizes; float32 CPU kernels may
round a row differently (~1e-7 relative) with another batch size or another position in the
batch. Möbius sums amplify last-digit noise (docs/theory.md#reward).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import torch

from harsanyi.core.progress import progress_bar
from harsanyi.errors import NonFiniteOutputError, ShapeError

__all__ = ["evaluate_masked", "padded_chunks", "unmasked_outputs"]


def padded_chunks(n_items: int, batch_size: int) -> list[tuple[np.ndarray, int]]:
    """Split ``0..n_items−1`` into chunks of exactly ``batch_size`` indices.

    Index chunks of exactly ``batch_size`` items covering ``0..n_items−1``; the last chunk
    is padded by repeating its last index. Returns ``(indices, n_real)`` pairs.

    >>> [(idx.tolist(), real) for idx, real in padded_chunks(5, 2)]
    [([0, 1], 2), ([2, 3], 2), ([4, 4], 1)]
    """
    if batch_size < 1:
        raise ValueError(f"batch_size must be >= 1; got {batch_size}")
    out = []
    for start in range(0, n_items, batch_size):
        real = min(batch_size, n_items - start)
        idx = np.arange(start, start + batch_size, dtype=np.int64)
        idx[real:] = start + real - 1
        out.append((idx, real))
    return out


def evaluate_masked(
    forward: Callable[[Any], torch.Tensor],
    make_batch: Callable[[np.ndarray], Any],
    n_masks: int,
    batch_size: int,
    *,
    describe: Callable[[int], str] | None = None,
    progress: bool | None = False,
    desc: str = "masked forward passes",
) -> np.ndarray:
    """Evaluate ``forward(make_batch(idx))`` over items ``0..n_masks−1`` in fixed-size batches.

    ``make_batch(idx)`` builds the model input for the item indices ``idx`` (always
    ``batch_size`` of them, padded by repetition); ``forward`` returns one value per row, a
    tensor ``(batch_size,)`` (or ``(batch_size, k)``). Runs under ``torch.inference_mode()``.
    Returns float64 ``(n_masks,)`` (or ``(n_masks, k)``) on the CPU. A NaN or inf value raises
    :class:`~harsanyi.errors.NonFiniteOutputError` naming the item (``describe(i)``).

    ``progress``: ``None`` shows a tqdm bar once the work has run 2 s
    (``core.progress.DELAY_S``), ``True`` at once, ``False`` never.

    >>> x = torch.arange(5.0)
    >>> evaluate_masked(lambda b: b * 2, lambda idx: x[idx], 5, batch_size=2).tolist()
    [0.0, 2.0, 4.0, 6.0, 8.0]
    """
    chunks = padded_chunks(n_masks, batch_size)
    iterator = progress_bar(chunks, progress, desc=desc, unit="batch")
    pieces = []
    with torch.inference_mode():
        for idx, real in iterator:
            out = forward(make_batch(idx))
            out = torch.as_tensor(out)
            if out.shape[0] != batch_size:
                raise ShapeError(
                    f"forward returned {out.shape[0]} rows for a batch of {batch_size} inputs"
                )
            vals = out[:real].detach().to("cpu", torch.float64).numpy()
            bad = ~np.isfinite(vals)
            if bad.any():
                row = int(np.argwhere(bad)[0][0])
                item = int(idx[row])
                what = describe(item) if describe is not None else f"item {item}"
                raise NonFiniteOutputError(
                    f"the model output is not finite ({vals[bad][0]}) on {what}"
                )
            pieces.append(vals)
    if not pieces:
        return np.zeros((0,), dtype=np.float64)
    return np.concatenate(pieces, axis=0)


def unmasked_outputs(
    call: Callable[[torch.Tensor, torch.Tensor], torch.Tensor], x: torch.Tensor, batch_size: int
) -> torch.Tensor:
    """Return the logits of the unmasked inputs, checked for shape and NaN.

    Logits of the unmasked inputs, checked for shape and NaN. Only their argmax and size are
    used, so batches are not padded beyond the number of samples.
    """
    outs = []
    with torch.inference_mode():
        for idx, real in padded_chunks(int(x.shape[0]), min(batch_size, int(x.shape[0]))):
            rows = torch.as_tensor(idx, device=x.device)
            try:
                z = call(x.index_select(0, rows), rows)
            except (RuntimeError, TypeError) as exc:
                raise ShapeError(
                    f"the model failed on inputs of shape {tuple(x.shape)} (batch, *sample "
                    f"shape): {str(exc).splitlines()[0]}"
                ) from exc
            outs.append(z[:real])
    full = torch.cat(outs)
    bad = ~torch.isfinite(full).all(dim=1)
    if bad.any():
        i = int(torch.nonzero(bad)[0, 0])
        raise NonFiniteOutputError(
            f"the model output is not finite on sample {i} (the unmasked input): "
            f"{full[i].tolist()[:5]}"
        )
    return full
