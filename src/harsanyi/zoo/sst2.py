"""SST-2 from local TSV files, with a whitespace tokeniser and a small vocabulary."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np

from harsanyi.zoo.datasets import Dataset
from harsanyi.zoo.loaders import DataFormatError

__all__ = ["Vocabulary", "load_sst2", "read_sst2_tsv", "tokenize"]

PAD, UNK = "<pad>", "<unk>"


def tokenize(text: str, lowercase: bool = True) -> list[str]:
    r"""Split lower-cased text on whitespace.

    Split on whitespace (after lower-casing): ``tokenize("A fine film .")`` →
    ``['a', 'fine', 'film', '.']``.

    >>> tokenize("A  fine\tfilm .")
    ['a', 'fine', 'film', '.']
    """
    return (text.lower() if lowercase else text).split()


class Vocabulary:
    """Token to id map.

    Token ↔ id map with ``<pad>`` = 0 and ``<unk>`` = 1, then tokens by decreasing
    frequency (ties alphabetical).

    Example
    -------
    >>> v = Vocabulary.build([["a", "good", "film"], ["a", "bad", "film"]])
    >>> v.tokens[:4], len(v)
    (['<pad>', '<unk>', 'a', 'film'], 6)
    >>> v.encode(["a", "great", "film"])
    [2, 1, 3]
    >>> v.decode([2, 3, 0])
    ['a', 'film', '<pad>']
    """

    pad_id = 0
    unk_id = 1

    def __init__(self, tokens: Sequence[str]) -> None:
        tokens = list(tokens)
        if tokens[:2] != [PAD, UNK]:
            raise ValueError(f"a vocabulary starts with {PAD!r}, {UNK!r}; got {tokens[:2]}")
        if len(set(tokens)) != len(tokens):
            raise ValueError("vocabulary tokens must be unique")
        self.tokens = tokens
        self.index = {t: i for i, t in enumerate(tokens)}

    @classmethod
    def build(
        cls, sentences: Iterable[Sequence[str]], min_freq: int = 1, max_size: int | None = None
    ) -> Vocabulary:
        """Build the vocabulary of the frequent tokens.

        Vocabulary of the tokens seen at least ``min_freq`` times (at most ``max_size``
        tokens besides ``<pad>`` and ``<unk>``).
        """
        counts = Counter(t for s in sentences for t in s)
        for special in (PAD, UNK):
            counts.pop(special, None)
        kept = [t for t, c in counts.items() if c >= min_freq]
        kept.sort(key=lambda t: (-counts[t], t))
        if max_size is not None:
            kept = kept[:max_size]
        return cls([PAD, UNK, *kept])

    def __len__(self) -> int:
        return len(self.tokens)

    def encode(self, tokens: Sequence[str]) -> list[int]:
        """Ids of ``tokens`` (``<unk>`` for unknown ones)."""
        return [self.index.get(t, self.unk_id) for t in tokens]

    def decode(self, ids: Iterable[int]) -> list[str]:
        """Tokens of ``ids``."""
        return [self.tokens[int(i)] for i in ids]

    def pad(self, ids: Sequence[Sequence[int]], max_len: int, side: str = "left") -> np.ndarray:
        """Truncate and pad id sequences into an int64 array.

        Int64 array ``(N, max_len)``: each row truncated to its first ``max_len`` ids and
        padded with ``pad_id`` on ``side`` (``"left"`` or ``"right"``).

        >>> Vocabulary([PAD, UNK, "a"]).pad([[2], [2, 2, 2]], 2).tolist()
        [[0, 2], [2, 2]]
        """
        if side not in ("left", "right"):
            raise ValueError(f"padding side must be 'left' or 'right', got {side!r}")
        out = np.full((len(ids), max_len), self.pad_id, dtype=np.int64)
        for r, row in enumerate(ids):
            row = list(row)[:max_len]
            if row:
                if side == "left":
                    out[r, max_len - len(row):] = row
                else:
                    out[r, : len(row)] = row
        return out


def read_sst2_tsv(path: str | Path) -> tuple[list[str], list[int]]:
    """Read ``sentence<TAB>label`` lines.

    An optional header naming ``sentence`` and ``label`` columns, in any order, is used and
    skipped. Returns sentences and integer labels.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"SST-2 TSV not found: {path}")
    with open(path, encoding="utf-8") as fh:
        lines = [ln.rstrip("\n").rstrip("\r") for ln in fh]
    lines = [(i + 1, ln) for i, ln in enumerate(lines) if ln.strip()]
    if not lines:
        raise DataFormatError(f"{path}: empty SST-2 file")
    s_col, l_col = 0, -1
    head = [c.strip().lower() for c in lines[0][1].split("\t")]
    if "label" in head and "sentence" in head:
        s_col, l_col = head.index("sentence"), head.index("label")
        lines = lines[1:]
    sentences, labels = [], []
    for lineno, ln in lines:
        fields = ln.split("\t")
        if len(fields) < 2:
            raise DataFormatError(f"{path}:{lineno}: expected 'sentence<TAB>label', got {ln!r}")
        try:
            label = int(fields[l_col].strip())
        except ValueError:
            raise DataFormatError(
                f"{path}:{lineno}: label {fields[l_col]!r} is not an integer"
            ) from None
        if label < 0:
            raise DataFormatError(f"{path}:{lineno}: negative label {label}")
        sentences.append(fields[s_col])
        labels.append(label)
    return sentences, labels


def load_sst2(
    train_path: str | Path,
    test_path: str | Path | None = None,
    max_len: int | None = None,
    min_freq: int = 1,
    lowercase: bool = True,
    padding_side: str = "left",
    test_fraction: float = 0.25,
    seed: int = 0,
    vocab: Vocabulary | None = None,
) -> Dataset:
    r"""SST-2 sentiment (0 = negative, 1 = positive) from TSV files (see :func:`read_sst2_tsv`).

    Sentences are whitespace-tokenised, encoded with a vocabulary built on the training split
    (tokens seen ``min_freq`` times; or ``vocab``), truncated to ``max_len`` (default: the
    longest training sentence) and padded with id 0 on ``padding_side``. Left padding (the
    default) puts the last word at the last position, where the LSTM reads its state. Without
    ``test_path`` the rows are split at random (seeded). ``metadata`` holds the ``vocab``,
    ``sentences_train``/``sentences_test`` and ``lengths_train``/``lengths_test`` (tokens kept).

    >>> import tempfile, os
    >>> p = os.path.join(tempfile.mkdtemp(), "train.tsv")
    >>> rows = ["sentence\tlabel", "good film\t1", "bad\t0", "awful film\t0", "fine\t1"]
    >>> _ = open(p, "w").write("\n".join(rows) + "\n")
    >>> ds = load_sst2(p, p)
    >>> ds.X_train.shape, ds.X_train[0].tolist(), ds.metadata["vocab"].decode(ds.X_train[0])
    ((4, 2), [6, 2], ['good', 'film'])
    """
    sentences_tr, y_tr = read_sst2_tsv(train_path)
    if test_path is not None:
        sentences_te, y_te = read_sst2_tsv(test_path)
    else:
        rng = np.random.default_rng(seed)
        perm = rng.permutation(len(sentences_tr))
        n_test = max(1, round(test_fraction * len(perm)))
        if n_test >= len(perm):
            raise DataFormatError(f"{train_path}: too few rows ({len(perm)}) to split")
        te, tr = perm[:n_test], perm[n_test:]
        sentences_te, y_te = [sentences_tr[i] for i in te], [y_tr[i] for i in te]
        sentences_tr, y_tr = [sentences_tr[i] for i in tr], [y_tr[i] for i in tr]
    tok_tr = [tokenize(s, lowercase) for s in sentences_tr]
    tok_te = [tokenize(s, lowercase) for s in sentences_te]
    vocab = Vocabulary.build(tok_tr, min_freq=min_freq) if vocab is None else vocab
    if max_len is None:
        max_len = max(1, max(len(t) for t in tok_tr))
    if max_len < 1:
        raise ValueError(f"max_len must be >= 1, got {max_len}")
    ids_tr = [vocab.encode(t) for t in tok_tr]
    ids_te = [vocab.encode(t) for t in tok_te]
    n_classes = max(2, max(y_tr + y_te) + 1)
    names = ["negative", "positive"] if n_classes == 2 else [str(i) for i in range(n_classes)]
    return Dataset(
        vocab.pad(ids_tr, max_len, padding_side), np.asarray(y_tr, dtype=np.int64),
        vocab.pad(ids_te, max_len, padding_side), np.asarray(y_te, dtype=np.int64),
        class_names=names, name="sst2",
        metadata={
            "vocab": vocab, "max_len": max_len, "padding_side": padding_side,
            "sentences_train": sentences_tr, "sentences_test": sentences_te,
            "lengths_train": np.array([min(len(t), max_len) for t in tok_tr]),
            "lengths_test": np.array([min(len(t), max_len) for t in tok_te]),
        },
    )
