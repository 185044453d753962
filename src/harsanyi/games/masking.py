"""Building batches of masked inputs ``x_S`` fast and exactly.

``(x_S)_e = x_e`` if the owner of element ``e`` is in ``S`` (or ``e`` has no owner and outside
elements are present), else ``b_e``. The owner map is shared by all samples (shape
``element_shape``) or given per sample (shape ``(B, *element_shape)``: superpixels of each
image, words of each sentence). Two exact ways to build a batch of rows ``(sample, S)``:

* ``"select"``: gather a boolean "present" map per row and ``torch.where`` (any dtype).
* ``"matmul"``: one matrix product per sample, ``x_S = [1_S, 1 − 1_S] @ [X; B]`` where row
  ``i`` of ``X`` (resp. ``B``) is ``x`` (resp. ``b``) on the elements of player ``i`` and 0
  elsewhere. Every output element is a sum with exactly one non-zero term ``1·x_e`` or
  ``1·b_e``, so it equals ``x_e`` or ``b_e`` bit for bit in IEEE arithmetic, whatever the
  summation order. It is several times faster on CPU. It is used only for float32/float64,
  finite inputs and full-precision matmuls, and checked against ``"select"`` on the first
  batch (falling back to ``"select"`` on any difference, e.g. TF32 matmuls).
"""

from __future__ import annotations

import numpy as np
import torch

__all__ = ["MaskBuilder"]


class MaskBuilder:
    """Builder of batches of masked inputs.

    Callable ``idx -> (masked inputs (k, *elem), sample rows (k,))`` for item indices
    ``idx = sample · 2**n + S`` (sorted within a batch, as :func:`padded_chunks` gives them).

    >>> x = torch.tensor([[1.0, 2.0, 3.0]]); b = torch.zeros(1, 3)
    >>> build = MaskBuilder(x, b, np.array([0, 1, -1]), 2, outside_present=True)
    >>> build(np.arange(4))[0].tolist()
    [[0.0, 0.0, 3.0], [1.0, 0.0, 3.0], [0.0, 2.0, 3.0], [1.0, 2.0, 3.0]]
    """

    def __init__(self, x: torch.Tensor, base: torch.Tensor, owner: np.ndarray, n: int,
                 outside_present: bool, method: str = "auto") -> None:
        self.x, self.base, self.n = x, base, n
        self.elem = tuple(x.shape[1:])
        self.size = 2**n
        self.outside_present = outside_present
        per_sample = np.ndim(owner) == x.dim()
        owner_ext = np.where(owner < 0, n, owner).reshape(x.shape[0] if per_sample else 1, -1)
        self.owner_ext = torch.as_tensor(owner_ext, device=x.device)  # (B or 1, elements)
        self.shifts = np.arange(n, dtype=np.int64)
        if method == "auto":
            method = "matmul" if self._matmul_ok() else "select"
        if method not in ("matmul", "select"):
            raise ValueError(f"method must be 'auto', 'matmul' or 'select'; got {method!r}")
        self.method = method
        self._checked = method == "select"
        self._cache: tuple[int, torch.Tensor] | None = None

    def _owner(self, b: int) -> torch.Tensor:
        return self.owner_ext[b if self.owner_ext.shape[0] > 1 else 0]

    def _onehot(self, b: int) -> torch.Tensor:
        """``(n+1, elements)``: row ``i`` marks the elements of player ``i`` (last: outside)."""
        owner = self._owner(b)
        onehot = torch.zeros(self.n + 1, owner.numel(), dtype=self.x.dtype, device=self.x.device)
        onehot[owner, torch.arange(owner.numel(), device=self.x.device)] = 1.0
        return onehot

    def _matmul_ok(self) -> bool:
        if self.x.dtype not in (torch.float32, torch.float64):
            return False
        if torch.get_float32_matmul_precision() != "highest":
            return False
        if self.x.device.type == "cuda" and torch.backends.cuda.matmul.allow_tf32:
            return False
        return bool(torch.isfinite(self.x).all() and torch.isfinite(self.base).all())

    def bits(self, masks: np.ndarray) -> torch.Tensor:
        """Boolean ``(k, n+1)``: player ``i`` present in mask ``S``; last column: outside."""
        out = np.empty((len(masks), self.n + 1), dtype=bool)
        out[:, : self.n] = (masks[:, None] >> self.shifts) & 1
        out[:, self.n] = self.outside_present
        return torch.as_tensor(out, device=self.x.device)

    def _runs(self, sample: np.ndarray) -> list[tuple[int, int, int]]:
        cuts = np.flatnonzero(np.diff(sample)) + 1
        starts = np.concatenate([[0], cuts])
        ends = np.concatenate([cuts, [len(sample)]])
        return [(int(sample[s]), int(s), int(e)) for s, e in zip(starts, ends, strict=True)]

    def _select(self, bits: torch.Tensor, runs: list[tuple[int, int, int]]) -> torch.Tensor:
        out = torch.empty((bits.shape[0], *self.elem), dtype=self.x.dtype, device=self.x.device)
        for b, r0, r1 in runs:
            present = bits[r0:r1].index_select(1, self._owner(b)).reshape(-1, *self.elem)
            torch.where(present, self.x[b], self.base[b], out=out[r0:r1])
        return out

    def _stack(self, b: int) -> torch.Tensor:
        if self._cache is None or self._cache[0] != b:
            onehot = self._onehot(b)
            xb = self.x[b].reshape(1, -1) * onehot
            bb = self.base[b].reshape(1, -1) * onehot
            self._cache = (b, torch.cat([xb, bb]))
        return self._cache[1]

    def _matmul(self, bits: torch.Tensor, runs: list[tuple[int, int, int]]) -> torch.Tensor:
        coef = torch.cat([bits, ~bits], dim=1).to(self.x.dtype)
        out = torch.empty((bits.shape[0], int(np.prod(self.elem))), dtype=self.x.dtype,
                          device=self.x.device)
        for b, r0, r1 in runs:
            torch.matmul(coef[r0:r1], self._stack(b), out=out[r0:r1])
        return out.reshape(-1, *self.elem)

    def items(self, idx: np.ndarray) -> tuple[np.ndarray, torch.Tensor]:
        """Decode items ``idx = sample · 2**n + S`` into samples and :meth:`bits` of ``S``."""
        sample, masks = np.divmod(np.asarray(idx, dtype=np.int64), self.size)
        return sample, self.bits(masks)

    def __call__(self, idx: np.ndarray) -> tuple[torch.Tensor, torch.Tensor]:
        """Masked inputs ``x_S`` and their sample rows for the items ``idx`` (:meth:`items`)."""
        sample, bits = self.items(idx)
        runs = self._runs(sample)
        rows = torch.as_tensor(sample, device=self.x.device)
        if self.method == "select":
            return self._select(bits, runs), rows
        out = self._matmul(bits, runs)
        if not self._checked:
            self._checked = True
            if not torch.equal(out, self._select(bits, runs)):
                self.method = "select"
                return self._select(bits, runs), rows
        return out, rows
