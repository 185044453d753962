""":func:`model_game`: the values ``v(x_S)`` of a model on all ``2**n`` masked inputs."""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

import numpy as np
import torch

from harsanyi.core.memory import check_players_fit
from harsanyi.errors import ShapeError
from harsanyi.games.baselines import resolve_baseline
from harsanyi.games.design import SampleDesign
from harsanyi.games.evaluate import evaluate_masked, unmasked_outputs
from harsanyi.games.explained import RTOL, warn_if_not_x
from harsanyi.games.game import Game
from harsanyi.games.masking import MaskBuilder
from harsanyi.games.players import Players, Tokens, as_players, owner_maps
from harsanyi.games.rewards import as_logits, resolve_target, reward_from_outputs
from harsanyi.games.sampled import RowMaskBuilder, SampledGame, resolve_design
from harsanyi.games.text import text_inputs

__all__ = ["model_game"]


def _first_param(model: Any) -> torch.Tensor | None:
    params = getattr(model, "parameters", None)
    if params is None:
        return None
    try:
        for p in params():
            if p.is_floating_point():
                return p
    except TypeError:
        return None
    return None


def _embedding_fn(model: Any, embed: Callable | None) -> Callable[[torch.Tensor], torch.Tensor]:
    if embed is not None:
        return embed
    get = getattr(model, "get_input_embeddings", None)
    if callable(get):
        return get()
    fn = getattr(model, "embed", None)
    if callable(fn):
        return fn
    raise ValueError(
        "token ids need an embedding: pass embed=callable (ids -> embeddings), use a model with "
        "get_input_embeddings() or embed(), or pass the embeddings (B, L, E) as inputs"
    )


def _row_gather(arg: Any, n_samples: int, rows: torch.Tensor) -> Any:
    """Captum's rule: a tensor whose first axis has one entry per sample follows the rows."""
    if isinstance(arg, torch.Tensor) and arg.dim() > 0 and arg.shape[0] == n_samples:
        return arg.index_select(0, rows.to(arg.device))
    return arg


def model_game(
    model: Callable[..., Any],
    inputs: Any,
    players: Players | Sequence[Any] | str = "all",
    baselines: Any = None,
    reward: str | Callable[..., Any] = "log_odds",
    target: Any = None,
    *,
    batch_size: int = 256,
    device: str | torch.device | None = None,
    outside: str = "masked",
    subtract_empty: bool = False,
    data: Any = None,
    embed: Callable[[torch.Tensor], torch.Tensor] | None = None,
    input_name: str | None = None,
    additional_forward_args: tuple[Any, ...] | Any = None,
    forward_kwargs: dict[str, Any] | None = None,
    progress: bool | None = None,
    memory_bound: int | None = None,
    tokenizer: Any = None,
    budget: int | None = None,
    design: Any = None,
) -> Game | SampledGame:
    """Compute the game ``v(x_S)`` of a model on every subset ``S`` of the players.

    ``(x_S)_e = x_e`` if element ``e`` belongs to a player of ``S``, else ``b_e`` (the
    baseline); ``v(x_S)`` is the reward of the model's output on ``x_S`` for the target class,
    by default the log-odds ``log p_y/(1 − p_y)`` (docs/theory.md#reward). With
    ``subtract_empty=True`` the game is ``u(S) = v(x_S) − v(x_∅)``.

    Parameters
    ----------
    model : a torch module or any callable returning logits ``(B, C)`` (or ``(B,)``, a tuple
        whose first item is the logits, or an object with ``.logits``).
    inputs : ``(B, *sample_shape)``, always with a batch axis (one sample: ``x[None]``); token
        ids ``(B, L)`` for :class:`Tokens` players are embedded first; or a tokenizer's
        output (a mapping with ``input_ids``, ``attention_mask``, ...): see
        :mod:`harsanyi.games.text` (players ``"words"``, ``"tokens"``, ``Words``, ``Tokens``;
        special tokens and padding stay present unless they are players).
    players : :class:`Columns`, :class:`Patches`, :class:`Tokens`, :class:`Groups`,
        :class:`ElementMasks`, or ``"all"`` / a list of columns (tabular shorthands).
    baselines : ``None`` (``"zero"``; for a tokenizer's output the mask token, see
        :mod:`harsanyi.games.text`), ``"zero"``, ``"mean"`` (with ``data=``), ``"center"``,
        ``"tau=<τ>"``, a number, an array broadcastable to the inputs, or a Baseline object
        (see ``games.baselines``).
    reward : ``"log_odds"``, ``"log_odds_original"``, ``"logit"``, ``"prob"``, ``"output"`` or
        a callable ``(logits, target) -> (B,)`` (see ``games.rewards``).
    target : class per sample: an int, a ``(B,)`` array, or ``None`` for the model's
        prediction on the unmasked input ``x`` (not ``x_N``, which differs when
        ``outside="masked"``).
    batch_size : rows per forward pass, counted in (sample, mask) pairs; every batch has this
        size (the last is padded), so values do not depend on how masks were grouped.
    device : where masked inputs are built and the model runs (default: the model's device).
    outside : elements of no player are always ``"present"`` or always ``"masked"``.
    data : dataset ``(M, *sample_shape)`` for ``baselines="mean"``.
    embed : ids -> embeddings for token players (default: ``model.get_input_embeddings()``
        or ``model.embed``).
    input_name : call ``model(**{input_name: x})``; default positional, and
        ``"inputs_embeds"`` for :class:`Tokens` players.
    additional_forward_args, forward_kwargs : extra arguments of every call (captum's rule:
        a tensor with one entry per sample along its first axis follows its sample).
    progress : a tqdm bar over the forward batches: ``None`` (default) shows it once the
        work has run 2 s, ``True`` at once, ``False`` never.
    memory_bound : bytes allowed for the ``2**n`` values (default ``HARSANYI_MEMORY``).
    tokenizer : the tokenizer of a mapping ``inputs``: token names, special tokens, mask token.
    budget, design : evaluate only ``budget`` masks per sample, chosen by a
        :class:`~harsanyi.games.design.SampleDesign` (``design``: a design to reuse, or the
        seed of a new one), and return a :class:`~harsanyi.games.sampled.SampledGame`; the
        same arguments give the same masks at every checkpoint (docs/sparse.md).

    Returns a :class:`Game` with ``values`` ``(B, 2**n)`` float64 and the players' names;
    ``metadata`` records the reward, baseline, targets, players and options, and per sample
    ``v_full`` = ``v(x_N)`` (before ``subtract_empty``) beside ``f_x``, the same reward of the
    model on the unmasked ``x``; they differ when something that is no player is masked
    (``outside="masked"`` with uncovered elements), and then one
    :class:`~harsanyi.errors.ExplainedInputWarning` per call says so (a gap above 1e-6 of
    ``max(|v(N)|, |f(x)|, 1)``; ``64·eps`` for float32 models). The model is
    evaluated in ``eval()`` mode under ``torch.inference_mode()``; a model in training mode is
    switched (with a warning) and switched back afterwards.

    Example
    -------
    >>> import harsanyi as hs
    >>> from harsanyi.games.players import Columns
    >>> net = torch.nn.Linear(3, 2).eval()
    >>> game = model_game(net, torch.randn(4, 3), Columns([0, 2]), reward="logit", target=0)
    >>> game.values.shape, game.players
    ((4, 4), ['x0', 'x2'])
    """
    text = None
    if isinstance(inputs, Mapping):  # a tokenizer's output
        text = text_inputs(model, inputs, players, baselines, tokenizer=tokenizer, embed=embed,
                           device=device)
        model, inputs, players, baselines = text.model, text.embeds, text.players, text.baseline
        forward_kwargs = {**text.forward_kwargs, **(forward_kwargs or {})}
        input_name = input_name or "inputs_embeds"
    players = as_players(players)
    if outside not in ("present", "masked"):
        raise ValueError(f"outside must be 'present' or 'masked'; got {outside!r}")
    if not isinstance(batch_size, (int, np.integer)) or batch_size < 1:
        raise ValueError(f"batch_size must be a positive integer; got {batch_size!r}")
    x, emb_fn = _prepared_inputs(model, inputs, players, embed, device)
    if input_name is None and isinstance(players, Tokens):
        input_name = "inputs_embeds"
    n_samples, elem = int(x.shape[0]), tuple(int(s) for s in x.shape[1:])
    owner = owner_maps(players, n_samples, elem)
    sampled = None if budget is None and design is None else resolve_design(players.n, budget,
                                                                            design)
    if sampled is None:
        check_players_fit(players.n, 16.0 * max(n_samples, 1), memory_bound,
                          what=f"the float64 values of {n_samples} sample(s) on 2**n masks")
    base, base_desc = resolve_baseline("zero" if baselines is None else baselines, x, players,
                                       owner, data=data, embed=emb_fn)
    call = _caller(model, input_name, additional_forward_args, forward_kwargs, n_samples)
    with _eval_mode(model):
        full = unmasked_outputs(call, x, batch_size)
        targets = resolve_target(target, full, reward) if reward != "output" else (
            torch.zeros(n_samples, dtype=torch.long, device=x.device))
        values = _masked_values(call, x, base, owner, players, targets, reward, outside,
                                batch_size, progress, sampled)
    f_x = reward_from_outputs(full, targets, reward).cpu().numpy()
    rtol = max(RTOL, 64 * torch.finfo(full.dtype).eps) if full.is_floating_point() else RTOL
    full_mask = -1 if sampled is None else int(np.flatnonzero(sampled.masks.all(axis=1))[0])
    warn_if_not_x(values[:, full_mask], f_x, _why_not_x(outside, owner), rtol=rtol)
    v_full = values[:, full_mask].tolist()
    if subtract_empty:
        values = values - values[:, :1]
    metadata = {
        "source": "model_game",
        "model": type(model).__name__,
        "players": players.describe(),
        "baseline": base_desc,
        "reward": reward if isinstance(reward, str) else getattr(reward, "__name__", "callable"),
        "target": [int(t) for t in targets.tolist()] if reward != "output" else None,
        "outside": outside,
        "subtract_empty": bool(subtract_empty),
        "batch_size": int(batch_size),
        "model_dtype": str(x.dtype).replace("torch.", ""),
        "v_full": v_full,
        "f_x": f_x.tolist(),
        **(text.metadata if text is not None else {}),
    }
    if players.sample_names:
        metadata["sample_players"] = [list(row) for row in players.sample_names]
    if sampled is not None:
        return SampledGame(values, sampled, list(players.names),
                           {**metadata, "design": sampled.describe()})
    return Game(values, players=list(players.names), metadata=metadata)


def _prepared_inputs(model: Any, inputs: Any, players: Players, embed: Callable | None,
                     device: str | torch.device | None
                     ) -> tuple[torch.Tensor, Callable | None]:
    """Return the inputs as a tensor on the model's device and in its dtype.

    Token ids of :class:`Tokens` players are embedded; the embedding function (if any) is
    returned too.
    """
    ref = _first_param(model)
    if device is None:
        device = ref.device if ref is not None else (
            inputs.device if isinstance(inputs, torch.Tensor) else torch.device("cpu"))
    x = inputs.detach() if isinstance(inputs, torch.Tensor) else torch.as_tensor(np.asarray(inputs))
    x = x.to(torch.device(device))
    if x.dim() < 2:
        raise ShapeError(
            f"inputs must have a batch axis: shape (B, *sample shape); got {tuple(x.shape)} "
            "(for one sample pass inputs[None])"
        )
    emb_fn = embed
    if isinstance(players, Tokens):
        if emb_fn is None:
            try:
                emb_fn = _embedding_fn(model, None)
            except ValueError:
                if not x.is_floating_point():
                    raise
        if not x.is_floating_point():
            assert emb_fn is not None  # found above, or its error re-raised for integer ids
            with torch.no_grad():
                x = emb_fn(x).detach()
    if x.is_floating_point() and ref is not None and x.dtype != ref.dtype:
        x = x.to(ref.dtype)
    return x, emb_fn


def _caller(model: Any, input_name: str | None, additional_forward_args: Any,
            forward_kwargs: dict[str, Any] | None, n_samples: int
            ) -> Callable[[torch.Tensor, torch.Tensor], torch.Tensor]:
    """Return ``call(batch, rows)``, the model's logits on a batch of inputs of samples ``rows``.

    The extra arguments follow the rows (captum's rule).
    """
    extra_args = additional_forward_args
    if extra_args is None:
        extra_args = ()
    elif not isinstance(extra_args, tuple):
        extra_args = (extra_args,)
    extra_kwargs = dict(forward_kwargs or {})

    def call(batch: torch.Tensor, rows: torch.Tensor) -> torch.Tensor:
        args = [_row_gather(a, n_samples, rows) for a in extra_args]
        kwargs = {k: _row_gather(v, n_samples, rows) for k, v in extra_kwargs.items()}
        if input_name is None:
            return as_logits(model(batch, *args, **kwargs))
        return as_logits(model(*args, **{input_name: batch}, **kwargs))

    return call


@contextmanager
def _eval_mode(model: Any) -> Iterator[None]:
    """Run in ``eval()`` mode.

    A model in training mode is switched (with a warning) and switched back afterwards.
    """
    training = model if isinstance(model, torch.nn.Module) and model.training else None
    if training is not None:
        warnings.warn(
            f"{type(model).__name__} is in training mode: switched to eval() for the masked "
            "forward passes (dropout and batch-norm statistics would make v(x_S) random); "
            "its training mode is restored afterwards",
            UserWarning, stacklevel=4,
        )
        training.eval()
    try:
        yield
    finally:
        if training is not None:
            training.train(True)


def _masked_values(call: Callable[[torch.Tensor, torch.Tensor], torch.Tensor],
                   x: torch.Tensor, base: torch.Tensor, owner: np.ndarray, players: Players,
                   targets: torch.Tensor, reward: Any, outside: str, batch_size: int,
                   progress: bool | None, sampled: SampleDesign | None = None) -> np.ndarray:
    """Compute ``v(x_S)`` ``(B, 2**n)`` float64 of every sample on every mask.

    With a ``sampled`` design, only its masks: ``(B, m)``. Non-finite outputs raise, naming the
    sample and the players present.
    """
    n_samples, n = int(x.shape[0]), players.n
    present = outside == "present"
    if sampled is None:
        size = 2**n
        make_batch = MaskBuilder(x, base, owner, n, outside_present=present)
    else:
        size = sampled.m
        make_batch = RowMaskBuilder(x, base, owner, sampled.masks, outside_present=present)

    def forward(batch: tuple[torch.Tensor, torch.Tensor]) -> torch.Tensor:
        masked, rows = batch
        z = call(masked, rows)
        ok = torch.isfinite(z).all(dim=1)
        r = reward_from_outputs(z, targets.index_select(0, rows), reward)
        bad = z.masked_fill(torch.isfinite(z), 0.0).sum(dim=1).to(r.dtype)  # nan or ±inf
        return torch.where(ok, r, bad)

    def describe(item: int) -> str:
        b, m = divmod(item, size)
        names = players.sample_names[b] if players.sample_names else players.names
        bits = sampled.masks[m] if sampled is not None else [(m >> i) & 1 for i in range(n)]
        shown = [names[i] for i in range(n) if bits[i]]
        return (f"sample {b}, mask {m} (players present: "
                f"{', '.join(shown) if shown else 'none, all masked'})")

    values = evaluate_masked(forward, make_batch, n_samples * size, batch_size,
                             describe=describe, progress=progress)
    return values.reshape(n_samples, size)


def _why_not_x(outside: str, owner: np.ndarray) -> str:
    unowned = int((owner < 0).sum())
    if outside == "masked" and unowned:
        return (f"{unowned} of {owner.size} input elements belong to no player and sit at the "
                "baseline (outside='masked', the papers' convention for image patches); pass "
                "outside='present' to explain x itself.")
    return ("The input with every player present differs from x (a baseline replaces "
            "something that is not a player, or the model is not deterministic).")
