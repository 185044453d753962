"""Text models as users have them: a tokenizer's output as the input of ``model_game``.

``model_game(model, encoding, players, tokenizer=tok)`` takes the mapping a Hugging Face
tokenizer returns (``input_ids``, ``attention_mask``, ``token_type_ids``, ...) and

* embeds ``input_ids`` with the model's input embedding and calls
  ``model(inputs_embeds=x_S, attention_mask=..., token_type_ids=..., ...)``: every other key
  of the mapping is passed on unchanged, row by row;
* masks a player by putting the baseline token's embedding at its positions: the mask token
  by default (``[MASK]``, as paper A does), ``baselines="pad"`` for the pad token, ``"zero"``
  for the zero vector, ``"token=<id>"`` (or an int) for any token;
* keeps the special tokens (``[CLS]``, ``[SEP]``, ...) and the padding as they are, whatever
  ``outside=`` says, unless they are players, so that ``v(x_N)`` is the model's output on the
  sentence;
* makes players of every word (``"words"``: the sub-word tokens sharing a word id, from the
  fast tokenizer's ``word_ids()``), every token (``"tokens"``), chosen words
  (:class:`Words`) or chosen positions (:class:`~harsanyi.games.players.Tokens`), named after
  each sentence's own tokens;
* reads a causal language model's logits ``(B, L, V)`` at the last attended position, so
  ``reward="logit", target=<token id>`` is the logit of a chosen next token.

Nothing here imports ``transformers``: the tokenizer and the model are used through their
methods (``convert_ids_to_tokens``, ``get_input_embeddings``, ...).
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch

from harsanyi.errors import PlayerError, ShapeError
from harsanyi.games.players import Groups, Players, Tokens, owner_maps

__all__ = ["SampleGroups", "SequenceLogits", "TextInputs", "Words", "text_inputs"]

#: Keys of a tokenizer's output that describe the tokens and are not model arguments.
NOT_MODEL_ARGS = frozenset({"input_ids", "special_tokens_mask", "offset_mapping", "length",
                            "overflow_to_sample_mapping", "word_ids"})


class Words(Players):
    """Chosen words of each sentence as players: ``indices`` counts the words of a sentence
    from 0 (special tokens and padding are not words); ``None`` takes every word. A word is
    the run of sub-word tokens that share a word id (``encoding.word_ids(b)``), so it needs the
    output of a fast tokenizer. Used as ``model_game(model, encoding, Words([0, 2]), ...)``.

    >>> Words([0, 2]).indices
    [0, 2]
    """

    def __init__(self, indices: Sequence[int] | None = None) -> None:
        self.indices = None if indices is None else [int(i) for i in indices]
        self.names = [f"word{i}" for i in (self.indices or [])]

    def element_masks(self, element_shape: tuple[int, ...]) -> np.ndarray:
        raise PlayerError("Words players need a tokenizer's output as the inputs of "
                          "model_game (its word ids); for embeddings use Tokens(positions)")


class SampleGroups(Players):
    """Groups of positions (rows of a sample ``(L, E)``) that differ between samples:
    ``groups[b][i]`` are the positions of player ``i`` in sample ``b``, ``names[b][i]`` its
    name. All samples have the same number of players.

    >>> sg = SampleGroups([[(1,), (2, 3)], [(1, 2), (3,)]], [["a", "good"], ["ok", "!"]])
    >>> sg.names, sg.sample_element_masks(2, (4, 1))[0, 1, :, 0].tolist()
    (['p0', 'p1'], [False, False, True, True])
    """

    def __init__(self, groups: Sequence[Sequence[Sequence[int]]],
                 names: Sequence[Sequence[str]]) -> None:
        self.groups = [[tuple(int(p) for p in g) for g in row] for row in groups]
        per = [[str(x) for x in row] for row in names]
        if not self.groups or len(per) != len(self.groups):
            raise PlayerError(f"{len(per)} name lists for {len(self.groups)} samples")
        for b, row in enumerate(self.groups):
            if len(row) != len(self.groups[0]) or len(per[b]) != len(row):
                raise PlayerError(
                    f"sample {b} has {len(row)} players, sample 0 has {len(self.groups[0])}: "
                    "every sample needs the same number of players (explain the sentences one "
                    "at a time, or choose as many words in each: players=Words([0, 1, 2]))")
        same = all(row == per[0] for row in per)
        self.names = per[0] if same else [f"p{i}" for i in range(len(per[0]))]
        self.sample_names = None if same else per

    def element_masks(self, element_shape: tuple[int, ...]) -> np.ndarray:
        if any(row != self.groups[0] for row in self.groups):
            raise PlayerError("these players differ between samples: use sample_element_masks")
        return Groups(self.groups[0], axis=0).element_masks(element_shape)

    def sample_element_masks(self, n_samples: int,
                             element_shape: tuple[int, ...]) -> np.ndarray | None:
        if n_samples != len(self.groups):
            raise ShapeError(f"players for {len(self.groups)} samples, inputs for {n_samples}")
        return np.stack([Groups(row, axis=0).element_masks(element_shape)
                         for row in self.groups])

    def describe(self) -> str:
        return f"SampleGroups(groups={self.groups})"


class SequenceLogits(torch.nn.Module):
    """Wraps a Hugging Face model so that it returns ``(B, C)`` logits: ``.logits`` (or the
    first item) of its output, and for a causal language model's ``(B, L, V)`` logits those
    of the last attended position of each row (the next-token logits).

    >>> lm = lambda inputs_embeds, attention_mask: inputs_embeds   # logits = embeddings
    >>> x = torch.arange(12.0).reshape(1, 3, 4)
    >>> SequenceLogits(lm)(inputs_embeds=x, attention_mask=torch.tensor([[1, 1, 0]])).tolist()
    [[4.0, 5.0, 6.0, 7.0]]
    """

    def __init__(self, model: Callable[..., Any]) -> None:
        super().__init__()
        self.model = model
        self.train(bool(getattr(model, "training", False)))

    def forward(self, *args: Any, **kwargs: Any) -> torch.Tensor:
        out = self.model(*args, **kwargs)
        if hasattr(out, "logits"):
            out = out.logits
        elif isinstance(out, (tuple, list)):
            out = out[0]
        if isinstance(out, torch.Tensor) and out.dim() == 3:
            mask = kwargs.get("attention_mask")
            length = out.shape[1]
            if mask is None:
                last = torch.full((out.shape[0],), length - 1, device=out.device)
            else:  # the last position whose mask is 1 (right or left padding)
                last = length - 1 - torch.argmax(mask.flip(1).to(torch.int64), dim=1)
            out = out[torch.arange(out.shape[0], device=out.device), last.to(out.device)]
        return out


@dataclass
class TextInputs:
    """What ``model_game`` needs from a tokenizer's output (see :func:`text_inputs`)."""

    model: torch.nn.Module
    embeds: torch.Tensor
    players: Players
    baseline: torch.Tensor
    forward_kwargs: dict[str, Any]
    metadata: dict[str, Any] = field(default_factory=dict)


def _tensor(value: Any, device: torch.device) -> Any:
    if isinstance(value, torch.Tensor):
        return value.to(device)
    if isinstance(value, (list, tuple, np.ndarray)):
        return torch.as_tensor(np.asarray(value), device=device)
    return value


def _word_ids(encoding: Mapping[str, Any], n_samples: int) -> list[list[int | None]] | None:
    get = getattr(encoding, "word_ids", None)
    if callable(get) and getattr(encoding, "encodings", None):
        return [list(get(b)) for b in range(n_samples)]
    if "word_ids" in encoding:
        return [[None if w is None or int(w) < 0 else int(w) for w in row]
                for row in np.asarray(encoding["word_ids"], dtype=object).tolist()]
    return None


def _token_texts(encoding: Mapping[str, Any], ids: torch.Tensor, tokenizer: Any
                 ) -> list[list[str]]:
    rows = ids.tolist()
    if tokenizer is not None and hasattr(tokenizer, "convert_ids_to_tokens"):
        return [[str(t) for t in tokenizer.convert_ids_to_tokens(row)] for row in rows]
    get = getattr(encoding, "tokens", None)
    if callable(get) and getattr(encoding, "encodings", None):
        return [list(get(b)) for b in range(len(rows))]
    return [[f"tok{p}" for p in range(len(row))] for row in rows]


def _special(encoding: Mapping[str, Any], ids: torch.Tensor, tokenizer: Any,
             words: list[list[int | None]] | None) -> np.ndarray:
    """Boolean ``(B, L)``: special tokens ([CLS], [SEP], <s>, ...; not [UNK], a word)."""
    if "special_tokens_mask" in encoding:
        return np.asarray(torch.as_tensor(encoding["special_tokens_mask"]).cpu(), dtype=bool)
    if words is not None:
        return np.array([[w is None for w in row] for row in words], dtype=bool)
    special = set(getattr(tokenizer, "all_special_ids", None) or [])
    special.discard(getattr(tokenizer, "unk_token_id", None))
    if special:
        return np.isin(ids.cpu().numpy(), np.asarray(sorted(special)))
    warnings.warn("cannot tell the special tokens of these inputs (no tokenizer=, no word ids, "
                  "no special_tokens_mask): every attended token may be a player",
                  UserWarning, stacklevel=4)
    return np.zeros(tuple(ids.shape), dtype=bool)


def _word_name(tokens: list[str], tokenizer: Any) -> str:
    if tokenizer is not None and hasattr(tokenizer, "convert_tokens_to_string"):
        return str(tokenizer.convert_tokens_to_string(tokens)).strip()
    return "".join(t.removeprefix("##") for t in tokens)


def _word_groups(words: list[list[int | None]], usable: np.ndarray) -> list[list[tuple[int, ...]]]:
    """Positions of every word of every sentence (runs of tokens sharing a word id)."""
    out = []
    for b, row in enumerate(words):
        runs: dict[int, list[int]] = {}
        for p, w in enumerate(row):
            if w is not None and usable[b, p]:
                runs.setdefault(w, []).append(p)
        out.append([tuple(g) for g in runs.values()])
    return out


def _resolve_players(players: Any, texts: list[list[str]], usable: np.ndarray,
                     words: list[list[int | None]] | None, tokenizer: Any) -> Players:
    if isinstance(players, Tokens):
        default_names = players.names == Tokens(players.groups).names
        if players.tokens is None and players.sample_tokens is None and default_names:
            return Tokens(players.groups, tokens=texts)
        return players
    if isinstance(players, Players) and not isinstance(players, Words):
        return players
    if isinstance(players, str) and players == "all":
        players = "words" if words is not None else "tokens"
    if players == "tokens":
        groups = [[(int(p),) for p in np.flatnonzero(row)] for row in usable]
        return SampleGroups(groups, [[texts[b][g[0]] for g in row]
                                     for b, row in enumerate(groups)])
    if not (isinstance(players, Words) or players == "words"):
        raise PlayerError(f"players for a tokenizer's output are 'all', 'words', 'tokens', "
                          f"Words([...]) or Tokens([...]); got {players!r}")
    if words is None:
        raise PlayerError("word players need the word ids of a fast tokenizer: pass the "
                          "BatchEncoding it returns (not a plain dict), or players='tokens'")
    groups = _word_groups(words, usable)
    chosen = players.indices if isinstance(players, Words) else None
    if chosen is not None:
        for b, sentence in enumerate(groups):
            bad = [i for i in chosen if not 0 <= i < len(sentence)]
            if bad:
                raise PlayerError(f"word {bad[0]} does not exist: sentence {b} has "
                                  f"{len(sentence)} words (counted from 0)")
        groups = [[sentence[i] for i in chosen] for sentence in groups]
    names = [[_word_name([texts[b][p] for p in g], tokenizer) for g in sentence]
             for b, sentence in enumerate(groups)]
    return SampleGroups(groups, names)


def _baseline_id(baselines: Any, tokenizer: Any, model: Any) -> tuple[int | None, str]:
    """The token id of the baseline (None: the zero vector) and its description."""
    pad = getattr(tokenizer, "pad_token_id", None)
    if pad is None:
        pad = getattr(getattr(model, "config", None), "pad_token_id", None)
    mask = getattr(tokenizer, "mask_token_id", None)
    key = baselines.strip().lower() if isinstance(baselines, str) else baselines
    if key is None:
        if tokenizer is None:
            warnings.warn("no tokenizer= given: the baseline is the pad token of the model's "
                          "config (or the zero embedding), not the mask token; pass the "
                          "tokenizer to mask with its mask token", UserWarning, stacklevel=4)
        key = "mask" if mask is not None else ("pad" if pad is not None else "zero")
    if key == "mask":
        if mask is None:
            raise ValueError("baselines='mask' needs a tokenizer with a mask token: pass "
                             "tokenizer=..., or baselines='pad', 'zero' or 'token=<id>'")
        return int(mask), f"token={int(mask)} (mask)"
    if key == "pad":
        if pad is None:
            raise ValueError("baselines='pad' needs a pad token (tokenizer.pad_token_id or "
                             "model.config.pad_token_id): use 'mask', 'zero' or 'token=<id>'")
        return int(pad), f"token={int(pad)} (pad)"
    if key == "zero":
        return None, "zero embedding"
    if isinstance(key, str) and key.startswith("token="):
        key = key[6:]
    try:
        return int(key), f"token={int(key)}"
    except (TypeError, ValueError):
        raise ValueError(f"unknown baseline {baselines!r} for text: use 'mask' (default), 'pad', "
                         "'zero', 'token=<id>' or a token id") from None


def text_inputs(model: Any, encoding: Mapping[str, Any], players: Any = "all",
                baselines: Any = None, *, tokenizer: Any = None,
                embed: Callable[[torch.Tensor], torch.Tensor] | None = None,
                device: torch.device | None = None) -> TextInputs:
    """Turn a tokenizer's output into embeddings, players and a baseline for ``model_game``.

    ``(x_S)_l = e(t_l)`` (the embedding of token ``t_l``) if position ``l`` belongs to a player
    of ``S``, is a special token or padding (and no player), else ``e(t_b)``, the baseline
    token's embedding (or 0). See the module docstring for the choices.

    Parameters
    ----------
    model : a Hugging Face model (``get_input_embeddings()``, ``inputs_embeds=``) or any
        callable taking ``inputs_embeds=`` when ``embed`` is given.
    encoding : mapping with ``input_ids`` ``(B, L)`` and any model arguments.
    players : ``"all"`` (words when word ids are known, else tokens), ``"words"``,
        ``"tokens"``, :class:`Words`, or :class:`~harsanyi.games.players.Tokens`.
    baselines : ``None`` (mask token, else pad token, else zero), ``"mask"``, ``"pad"``,
        ``"zero"``, ``"token=<id>"`` or an int.
    tokenizer : the tokenizer (token names, special tokens, mask and pad ids).
    embed : ids -> embeddings, default ``model.get_input_embeddings()``.
    device : where to put the tensors (default: the model's).

    Example
    -------
    >>> emb = torch.nn.Embedding(10, 3)
    >>> lm = lambda inputs_embeds, attention_mask: inputs_embeds.sum(1)
    >>> enc = {"input_ids": [[1, 5, 6, 2, 0]], "attention_mask": [[1, 1, 1, 1, 0]],
    ...        "special_tokens_mask": [[1, 0, 0, 1, 1]]}
    >>> t = text_inputs(lm, enc, "tokens", "token=4", embed=emb)
    >>> t.players.names, t.metadata["baseline"]
    (['tok1', 'tok2'], 'token=4')
    >>> torch.equal(t.baseline[0, 0], t.embeds[0, 0]), torch.equal(t.baseline[0, 1], emb.weight[4])
    (True, True)
    """
    if "input_ids" not in encoding:
        raise ShapeError(f"a tokenizer's output needs 'input_ids'; got keys {sorted(encoding)}")
    if device is None:
        param = next((p for p in getattr(model, "parameters", list)()), None)
        device = param.device if param is not None else torch.device("cpu")
    ids = _tensor(encoding["input_ids"], device)
    if ids.dim() != 2:
        raise ShapeError(f"input_ids must have shape (batch, length); got {tuple(ids.shape)} "
                         "(tokenize with return_tensors='pt')")
    n_samples = int(ids.shape[0])
    kwargs = {k: _tensor(v, device) for k, v in encoding.items() if k not in NOT_MODEL_ARGS}
    attended = (np.asarray(kwargs["attention_mask"].cpu(), dtype=bool)
                if "attention_mask" in kwargs else np.ones(tuple(ids.shape), dtype=bool))
    words = _word_ids(encoding, n_samples)
    special = _special(encoding, ids, tokenizer, words)
    texts = _token_texts(encoding, ids, tokenizer)
    players = _resolve_players(players, texts, attended & ~special, words, tokenizer)
    emb_fn = embed if embed is not None else getattr(model, "get_input_embeddings", None)
    if emb_fn is None:
        raise ValueError("token ids need an embedding: pass embed=callable (ids -> "
                         "embeddings) or use a model with get_input_embeddings()")
    if embed is None:
        emb_fn = emb_fn()
    with torch.no_grad():
        x = emb_fn(ids).detach()
    token, desc = _baseline_id(baselines, tokenizer, model)
    if token is None:
        base = torch.zeros_like(x)
    else:
        with torch.no_grad():
            base = emb_fn(torch.full_like(ids, token)).detach()
    owner = owner_maps(players, n_samples, (int(ids.shape[1]), 1))[..., 0]
    keep = (~attended | special) & (owner < 0)  # special tokens and padding stay (unless players)
    base = torch.where(torch.as_tensor(keep, device=x.device)[..., None], x, base)
    metadata = {"model": type(model).__name__, "baseline": desc,
                "kept_present": "special tokens and padding (unless players)"}
    return TextInputs(SequenceLogits(model), x, players, base, kwargs, metadata)
