""":func:`model_game`: the values ``v(x_S)`` of a model on all ``2**n`` masked inputs."""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import torch

from harsanyi.core.memory import check_players_fit
from harsanyi.errors import NonFiniteOutputError, PlayerError, ShapeError
from harsanyi.games.baselines import resolve_baseline
from harsanyi.games.evaluate import evaluate_masked, padded_chunks
from harsanyi.games.game import Game
from harsanyi.games.masking import MaskBuilder
from harsanyi.games.players import Columns, Players, Tokens, owner_map
from harsanyi.games.rewards import as_logits, resolve_target, reward_from_outputs
from harsanyi.games.sampled import RowMaskBuilder, SampledGame, resolve_design

__all__ = ["model_game"]


def _as_players(players: Any) -> Players:
    if isinstance(players, Players):
        return players
    if isinstance(players, str):
        return Columns(players)
    if isinstance(players, Sequence) or isinstance(players, np.ndarray):
        return Columns(list(players))
    raise PlayerError(
        f"players must be a Players object (Columns, Patches, Tokens, Groups, ElementMasks), "
        f"'all' or a list of columns; got {type(players).__name__}"
    )


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
    """captum's rule: a tensor whose first axis has one entry per sample follows the rows."""
    if isinstance(arg, torch.Tensor) and arg.dim() > 0 and arg.shape[0] == n_samples:
        return arg.index_select(0, rows.to(arg.device))
    return arg


def model_game(
    model: Callable[..., Any],
    inputs: Any,
    players: Players | Sequence[Any] | str = "all",
    baselines: Any = "zero",
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
    progress: bool | None = False,
    memory_bound: int | None = None,
    budget: int | None = None,
    design: Any = None,
) -> Game | SampledGame:
    """The game ``v(x_S)`` of a model on every subset ``S`` of the players, per sample.

    ``(x_S)_e = x_e`` if element ``e`` belongs to a player of ``S``, else ``b_e`` (the
    baseline); ``v(x_S)`` is the reward of the model's output on ``x_S`` for the target class,
    by default the log-odds ``log p_y/(1 − p_y)`` (THEORY.md §0.1). With
    ``subtract_empty=True`` the game is ``u(S) = v(x_S) − v(x_∅)``.

    Parameters
    ----------
    model : a torch module or any callable returning logits ``(B, C)`` (or ``(B,)``, a tuple
        whose first item is the logits, or an object with ``.logits``).
    inputs : ``(B, *sample_shape)``, always with a batch axis (one sample: ``x[None]``); token
        ids ``(B, L)`` for :class:`Tokens` players are embedded first.
    players : :class:`Columns`, :class:`Patches`, :class:`Tokens`, :class:`Groups`,
        :class:`ElementMasks`, or ``"all"`` / a list of columns (tabular shorthands).
    baselines : ``"zero"``, ``"mean"`` (with ``data=``), ``"center"``, ``"tau=<τ>"``, a number,
        an array broadcastable to the inputs, or a Baseline object (see ``games.baselines``).
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
    progress : tqdm bar: ``False``, ``True`` or ``None`` (automatic for long work).
    memory_bound : bytes allowed for the ``2**n`` values (default ``HARSANYI_MEMORY``).
    budget, design : evaluate only ``budget`` masks per sample, chosen by a
        :class:`~harsanyi.games.design.SampleDesign` (``design``: a design to reuse, or the
        seed of a new one), and return a :class:`~harsanyi.games.sampled.SampledGame`; the
        same arguments give the same masks at every checkpoint (docs/sparse.md).

    Returns a :class:`Game` with ``values`` ``(B, 2**n)`` float64 and the players' names;
    ``metadata`` records the reward, baseline, targets, players and options. The model is
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
    players = _as_players(players)
    if outside not in ("present", "masked"):
        raise ValueError(f"outside must be 'present' or 'masked'; got {outside!r}")
    if not isinstance(batch_size, (int, np.integer)) or batch_size < 1:
        raise ValueError(f"batch_size must be a positive integer; got {batch_size!r}")
    ref = _first_param(model)
    if device is None:
        device = ref.device if ref is not None else (
            inputs.device if isinstance(inputs, torch.Tensor) else torch.device("cpu"))
    device = torch.device(device)
    x = inputs.detach() if isinstance(inputs, torch.Tensor) else torch.as_tensor(np.asarray(inputs))
    x = x.to(device)
    if x.dim() < 2:
        raise ShapeError(
            f"inputs must have a batch axis: shape (B, *sample shape); got {tuple(x.shape)} "
            "(for one sample pass inputs[None])"
        )
    tokens = isinstance(players, Tokens)
    emb_fn = embed
    if tokens and emb_fn is None:
        try:
            emb_fn = _embedding_fn(model, None)
        except ValueError:
            if not x.is_floating_point():
                raise
    if tokens and not x.is_floating_point():
        with torch.no_grad():
            x = emb_fn(x).detach()
    if x.is_floating_point() and ref is not None and x.dtype != ref.dtype:
        x = x.to(ref.dtype)
    if input_name is None and tokens:
        input_name = "inputs_embeds"
    n_samples, elem = int(x.shape[0]), tuple(int(s) for s in x.shape[1:])
    owner = owner_map(players, elem)
    n, size = players.n, 2**players.n
    sampled = None if budget is None and design is None else resolve_design(n, budget, design)
    if sampled is None:
        check_players_fit(n, 16.0 * max(n_samples, 1), memory_bound,
                          what=f"the float64 values of {n_samples} sample(s) on 2**n masks")
    else:
        size = sampled.m
    base, base_desc = resolve_baseline(baselines, x, players, owner, data=data, embed=emb_fn)

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

    was_training = isinstance(model, torch.nn.Module) and model.training
    if was_training:
        warnings.warn(
            f"{type(model).__name__} is in training mode: switched to eval() for the masked "
            "forward passes (dropout and batch-norm statistics would make v(x_S) random); "
            "its training mode is restored afterwards",
            UserWarning, stacklevel=2,
        )
        model.eval()
    try:
        full = _unmasked_outputs(call, x, batch_size)
        targets = resolve_target(target, full, reward) if reward != "output" else (
            torch.zeros(n_samples, dtype=torch.long, device=device))
        present = outside == "present"
        make_batch = MaskBuilder(x, base, owner, n, outside_present=present) if sampled is None \
            else RowMaskBuilder(x, base, owner, sampled.masks, outside_present=present)

        def forward(batch: tuple[torch.Tensor, torch.Tensor]) -> torch.Tensor:
            masked, rows = batch
            z = call(masked, rows)
            ok = torch.isfinite(z).all(dim=1)
            r = reward_from_outputs(z, targets.index_select(0, rows), reward)
            bad = z.masked_fill(torch.isfinite(z), 0.0).sum(dim=1).to(r.dtype)  # nan or ±inf
            return torch.where(ok, r, bad)

        def describe(item: int) -> str:
            b, m = divmod(item, size)
            bits = sampled.masks[m] if sampled is not None else [(m >> i) & 1 for i in range(n)]
            present = [players.names[i] for i in range(n) if bits[i]]
            return (f"sample {b}, mask {m} (players present: "
                    f"{', '.join(present) if present else 'none, all masked'})")

        values = evaluate_masked(forward, make_batch, n_samples * size, batch_size,
                                 describe=describe, progress=progress)
    finally:
        if was_training:
            model.train(True)
    values = values.reshape(n_samples, size)
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
    }
    if sampled is not None:
        return SampledGame(values, sampled, list(players.names),
                           {**metadata, "design": sampled.describe()})
    return Game(values, players=list(players.names), metadata=metadata)


def _unmasked_outputs(
    call: Callable[[torch.Tensor, torch.Tensor], torch.Tensor], x: torch.Tensor, batch_size: int
) -> torch.Tensor:
    """Logits of the unmasked inputs, checked for shape and NaN. Only their argmax and size are
    used, so batches are not padded beyond the number of samples."""
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
