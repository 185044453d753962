"""evaluate_masked: fixed-size padded batches and the NaN check."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from harsanyi.errors import NonFiniteOutputError, ShapeError
from harsanyi.games.evaluate import evaluate_masked, padded_chunks


def test_padded_chunks_cover_everything_once():
    chunks = padded_chunks(10, 4)
    assert [real for _, real in chunks] == [4, 4, 2]
    assert all(len(idx) == 4 for idx, _ in chunks)
    assert chunks[-1][0].tolist() == [8, 9, 9, 9]
    with pytest.raises(ValueError, match="batch_size must be >= 1"):
        padded_chunks(3, 0)


def test_every_forward_batch_has_the_full_size():
    sizes = []
    values = torch.arange(11.0)

    def forward(batch):
        sizes.append(len(batch))
        assert not torch.is_grad_enabled() and torch.is_inference_mode_enabled()
        return batch * 3

    out = evaluate_masked(forward, lambda idx: values[idx], 11, batch_size=4)
    assert sizes == [4, 4, 4]
    assert out.dtype == np.float64 and out.tolist() == [3.0 * i for i in range(11)]


def test_non_finite_value_names_the_item():
    values = torch.tensor([1.0, 2.0, float("nan"), 4.0])
    with pytest.raises(NonFiniteOutputError, match=r"not finite \(nan\) on mask #2"):
        evaluate_masked(lambda b: b, lambda idx: values[idx], 4, 3,
                        describe=lambda i: f"mask #{i}")
    with pytest.raises(NonFiniteOutputError, match="on item 2"):
        evaluate_masked(lambda b: b, lambda idx: values[idx], 4, 3)


def test_forward_must_return_one_row_per_input():
    with pytest.raises(ShapeError, match="forward returned 1 rows for a batch of 2 inputs"):
        evaluate_masked(lambda b: b[:1], lambda idx: torch.as_tensor(idx), 4, 2)
