"""Text classifiers that accept token ids or embeddings: a text CNN and a 3-layer LSTM.

Both follow the ``forward(input_ids=None, inputs_embeds=None, attention_mask=None)`` convention
of Hugging Face models, so token positions can be masked in embedding space: compute
``model.embed(input_ids)``, replace some positions by a baseline embedding, and pass the result
as ``inputs_embeds``. Padding id 0 has a zero embedding. Without ``attention_mask`` every
position counts; the SST-2 loader pads on the left so that the LSTM's last state is the last
word's.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

from harsanyi.errors import ShapeError

__all__ = ["LSTMClassifier", "TextCNN", "lstm", "textcnn"]


class _TextModel(nn.Module):
    """Shared embedding handling for the text models."""

    feature_layer = "feature"

    def __init__(self, vocab_size: int, embed_dim: int, n_classes: int, pad_id: int) -> None:
        super().__init__()
        if vocab_size < 1 or embed_dim < 1 or n_classes < 1:
            raise ValueError(
                f"vocab_size, embed_dim and n_classes must be >= 1, got {vocab_size}, "
                f"{embed_dim}, {n_classes}"
            )
        self.vocab_size, self.embed_dim, self.n_classes = vocab_size, embed_dim, n_classes
        self.pad_id = pad_id
        self.embedding = nn.Embedding(vocab_size, embed_dim, padding_idx=pad_id)

    def embed(self, input_ids: torch.Tensor) -> torch.Tensor:
        """Embeddings ``(B, L, embed_dim)`` of token ids ``(B, L)``."""
        return self.embedding(input_ids)

    def _inputs(
        self,
        input_ids: torch.Tensor | None,
        inputs_embeds: torch.Tensor | None,
        attention_mask: torch.Tensor | None,
    ) -> tuple[torch.Tensor, torch.Tensor | None]:
        if (input_ids is None) == (inputs_embeds is None):
            raise ValueError("pass exactly one of input_ids and inputs_embeds")
        if input_ids is not None:
            if input_ids.dim() != 2:
                raise ShapeError(f"input_ids must be (batch, length), got {tuple(input_ids.shape)}")
            inputs_embeds = self.embed(input_ids)
        assert inputs_embeds is not None
        if inputs_embeds.dim() != 3 or inputs_embeds.shape[-1] != self.embed_dim:
            raise ShapeError(
                f"inputs_embeds must be (batch, length, {self.embed_dim}), "
                f"got {tuple(inputs_embeds.shape)}"
            )
        if attention_mask is not None and attention_mask.shape != inputs_embeds.shape[:2]:
            raise ShapeError(
                f"attention_mask must be (batch, length) = {tuple(inputs_embeds.shape[:2])}, "
                f"got {tuple(attention_mask.shape)}"
            )
        return inputs_embeds, attention_mask


class TextCNN(_TextModel):
    """Kim-style CNN for text classification.

    Kim-style CNN: embeddings, parallel 1-D convs (``kernel_sizes``, ``channels`` each, ReLU),
    max over time, a hidden linear layer with ReLU, a linear output layer.

    The convs are "full" (``k - 1`` zero embeddings on both ends), so every window that
    touches the sentence counts and any length works. ``feature`` is the max-pooled vector
    ``(B, channels·len(kernel_sizes))``.

    Example
    -------
    >>> net = TextCNN(vocab_size=20, n_classes=2, embed_dim=8, channels=4)
    >>> ids = torch.tensor([[3, 4, 5, 6, 7]])
    >>> bool(torch.allclose(net(input_ids=ids), net(inputs_embeds=net.embed(ids))))
    True
    """

    def __init__(
        self,
        vocab_size: int,
        n_classes: int = 2,
        embed_dim: int = 64,
        channels: int = 64,
        kernel_sizes: Sequence[int] = (3, 4, 5),
        hidden: int = 64,
        pad_id: int = 0,
    ) -> None:
        super().__init__(vocab_size, embed_dim, n_classes, pad_id)
        self.kernel_sizes = tuple(int(k) for k in kernel_sizes)
        self.convs = nn.ModuleList(
            nn.Conv1d(embed_dim, channels, k, padding=k - 1) for k in self.kernel_sizes
        )
        self.feature = nn.Identity()
        self.head = nn.Sequential(
            nn.Linear(channels * len(self.kernel_sizes), hidden),
            nn.ReLU(),
            nn.Linear(hidden, n_classes),
        )

    def forward(
        self,
        input_ids: torch.Tensor | None = None,
        inputs_embeds: torch.Tensor | None = None,
        attention_mask: torch.Tensor | None = None,
    ) -> torch.Tensor:
        """Return the logits ``(B, n_classes)``.

        Logits ``(B, n_classes)``. Masked-out positions (``attention_mask == 0``) read as
        zero embeddings and windows made only of them are left out of the max over time, so
        the output does not depend on how much padding follows or precedes the sentence.
        """
        x, mask = self._inputs(input_ids, inputs_embeds, attention_mask)
        if mask is not None:  # masked positions read as padding (zero embeddings)
            x = x * mask.to(x.dtype).unsqueeze(-1)
        x = x.transpose(1, 2)  # (B, E, L)
        pooled = []
        for k, conv in zip(self.kernel_sizes, self.convs, strict=True):
            h = torch.relu(conv(x))  # (B, C, L + k - 1): every window touching the sentence
            if mask is not None:
                # a window counts if it covers at least one real token
                m = nn.functional.pad(mask.to(h.dtype).unsqueeze(1), (k - 1, k - 1))
                valid = nn.functional.max_pool1d(m, k, stride=1) > 0
                h = h.masked_fill(~valid, float("-inf"))
            pooled.append(h.amax(dim=-1))
        feat = torch.cat(pooled, dim=1)
        if mask is not None:  # rows without any real token
            feat = feat.masked_fill(torch.isneginf(feat), 0.0)
        return self.head(self.feature(feat))


class LSTMClassifier(_TextModel):
    """Unidirectional multi-layer LSTM classifier.

    Unidirectional ``n_layers``-layer LSTM (default 3) over embeddings; the last layer's
    hidden state at the last real position goes through a linear layer.

    The layers are separate ``nn.LSTM`` modules so that ``feature`` (an ``nn.Identity``) can
    sit on the sequence output ``(B, L, hidden)`` of layer ``n_layers // 2 + 1``.

    Example
    -------
    >>> net = LSTMClassifier(vocab_size=20, n_classes=2, embed_dim=8, hidden=6)
    >>> ids = torch.tensor([[0, 0, 3, 4, 5]])   # left-padded
    >>> bool(torch.allclose(net(input_ids=ids), net(inputs_embeds=net.embed(ids))))
    True
    """

    def __init__(
        self,
        vocab_size: int,
        n_classes: int = 2,
        embed_dim: int = 64,
        hidden: int = 64,
        n_layers: int = 3,
        pad_id: int = 0,
    ) -> None:
        super().__init__(vocab_size, embed_dim, n_classes, pad_id)
        if n_layers < 1:
            raise ValueError(f"n_layers must be >= 1, got {n_layers}")
        self.n_layers, self.hidden = n_layers, hidden
        dims = [embed_dim] + [hidden] * n_layers
        self.lstms = nn.ModuleList(
            nn.LSTM(dims[i], dims[i + 1], batch_first=True) for i in range(n_layers)
        )
        self._feature_after = min(n_layers // 2, n_layers - 1)
        self.feature = nn.Identity()
        self.fc = nn.Linear(hidden, n_classes)

    def forward(
        self,
        input_ids: torch.Tensor | None = None,
        inputs_embeds: torch.Tensor | None = None,
        attention_mask: torch.Tensor | None = None,
    ) -> torch.Tensor:
        """Return the logits ``(B, n_classes)``.

        Logits ``(B, n_classes)`` from the top hidden state at the last position with
        ``attention_mask == 1`` (the last position when no mask is given). Masked positions
        read as zero embeddings (like padding); those after the last real token do not matter
        (the LSTM is causal), those before it do, as left padding does.
        """
        x, mask = self._inputs(input_ids, inputs_embeds, attention_mask)
        if mask is not None:
            x = x * mask.to(x.dtype).unsqueeze(-1)
        for i, layer in enumerate(self.lstms):
            x, _ = layer(x)
            if i == self._feature_after:
                x = self.feature(x)
        if mask is None:
            last = x[:, -1]
        else:
            pos = torch.arange(x.shape[1], device=x.device).expand(x.shape[0], -1)
            idx = torch.where(mask.to(torch.bool), pos, torch.zeros_like(pos)).amax(dim=1)
            last = x[torch.arange(x.shape[0], device=x.device), idx]
        return self.fc(last)


def textcnn(vocab_size: int, n_classes: int = 2, **kw: object) -> TextCNN:
    """Text CNN (see :class:`TextCNN`).

    >>> textcnn(30)(input_ids=torch.ones(2, 7, dtype=torch.long)).shape
    torch.Size([2, 2])
    """
    return TextCNN(vocab_size, n_classes, **kw)  # type: ignore[arg-type]


def lstm(vocab_size: int, n_classes: int = 2, **kw: object) -> LSTMClassifier:
    """3-layer unidirectional LSTM classifier (see :class:`LSTMClassifier`).

    >>> lstm(30)(input_ids=torch.ones(2, 7, dtype=torch.long)).shape
    torch.Size([2, 2])
    """
    return LSTMClassifier(vocab_size, n_classes, **kw)  # type: ignore[arg-type]
