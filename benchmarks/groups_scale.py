"""Why is the demo's "forgotten" group empty? The five groups under the game's growing scale.

Paper C's "forgotten" interactions are salient at the first checkpoint and then decay; our
reconstructed rule asks ``|I_1| >= initial_min * max_t |I_t|`` on the raw curves. When the
network's output scale grows during training (log-odds of an over-fitting network), no
interaction is large at the first checkpoint relative to its own maximum. This script prints,
for a run store (default: the demo's, ``report/run``):

* the median ``|v(N) − v(∅)|`` at each checkpoint (the game's scale);
* how many top-100 curves peak at each checkpoint, and the share with ``|I_1| >= 0.5 s``;
* the five-group counts on the raw curves, without the first checkpoint, and with every
  checkpoint divided by its ``|v(N) − v(∅)|`` (a diagnosis, not a calibrated rule).

Usage: ``python benchmarks/groups_scale.py [RUN]``.
"""

from __future__ import annotations

import argparse

import numpy as np

from harsanyi.dynamics.groups import GROUPS, five_groups
from harsanyi.store import RunStore


def _row(name: str, counts: dict[str, float]) -> str:
    return f"{name:<28}" + "".join(f"{counts[g]:>12.1f}" for g in GROUPS)


def main() -> None:
    """Print the scale table and the group counts of the three variants."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("run", nargs="?", default="report/run", help="run store folder")
    parser.add_argument("--top", type=int, default=100, help="interactions per sample")
    args = parser.parse_args()
    store = RunStore.open(args.run)
    epochs = store.completed()
    a, o = store.stack("and_values", epochs), store.stack("or_values", epochs)
    v = store.stack("values", epochs)
    span = np.abs(v[..., -1] - v[..., 0])
    raw = five_groups(a, o, k=args.top, epochs=np.array(epochs))
    peak = np.abs(raw.curves).argmax(-1)
    first = np.abs(raw.curves[..., 0]) / np.abs(raw.curves).max(-1)
    print(f"{'epoch':>6} {'median |v(N)-v(0)|':>20} {'curves peaking here':>20}")
    for i, e in enumerate(epochs):
        print(f"{e:>6} {np.median(span[i]):>20.4f} {int((peak == i).sum()):>20}")
    print(f"\nshare of top-{args.top} curves with |I_first| >= 0.5 max|I|: "
          f"{(first >= 0.5).mean():.3f}\n")
    print(f"{'variant':<28}" + "".join(f"{g:>12}" for g in GROUPS))
    print(_row("raw curves (the rule)", raw.counts()))
    print(_row("without the first ckpt", five_groups(
        a[1:], o[1:], k=args.top, epochs=np.array(epochs[1:])).counts()))
    scale = np.maximum(span, 1e-12)[..., None]
    print(_row("each ckpt / |v(N)-v(0)|", five_groups(
        a / scale, o / scale, k=args.top, epochs=np.array(epochs)).counts()))


if __name__ == "__main__":
    main()
