"""Does the zoo's over-fitting recipe over-fit, and how fast? (MLP-5, breast cancer, label noise)

Usage: python benchmarks/zoo_overfitting.py [--seeds 5] [--threads 1] [--every 5]

Part 1 trains ``zoo.overfitting_recipe()`` once, writing checkpoints and the manifest to a
temporary folder, and prints its loss curve. Part 2 compares a few settings over several seeds
(split, label noise and initialisation all seeded with the same number) without writing files:
the epoch of the lowest test loss, how much the test loss rises after it, and the wall time.
A run "over-fits" when the test loss rises by more than 0.05 after its minimum while the
training loss keeps falling. Timings depend on the machine's load: compare ratios.
"""

from __future__ import annotations

import argparse
import tempfile
import time

import numpy as np
import torch

from harsanyi import zoo
from harsanyi.zoo.recipes import overfitting_summary

SETTINGS = {
    "recipe: adam 5e-3 full batch": {"lr": 5e-3, "batch_size": 0, "optimizer": "adam"},
    "adam 3e-3 full batch": {"lr": 3e-3, "batch_size": 0, "optimizer": "adam"},
    "adam 1e-3 batch 32": {"lr": 1e-3, "batch_size": 32, "optimizer": "adam"},
    "sgd 0.01 m0.9 batch 32": {"lr": 0.01, "batch_size": 32, "optimizer": "sgd"},
}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--seeds", type=int, default=5)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--every", type=int, default=5, help="print every k-th epoch of part 1")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)

    recipe = zoo.overfitting_recipe()
    recipe.train["num_threads"] = args.threads
    print(f"Part 1: {recipe.to_dict()}")
    start = time.perf_counter()
    zoo.run_recipe(recipe, epochs=1)  # pays the one-time imports (sklearn, torch optimiser)
    print(f"warm-up (1 epoch, one-time imports): {time.perf_counter() - start:.2f} s")
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        _, ds, run = zoo.run_recipe(recipe, out_dir=tmp)
        seconds = time.perf_counter() - start
    print(f"{'epoch':>5} {'train loss':>10} {'test loss':>10} {'train acc':>9} {'test acc':>8}")
    for r in run.records:
        if r["epoch"] % args.every == 0 or r["epoch"] == run.epochs[-1]:
            print(f"{r['epoch']:>5} {r['train_loss']:>10.4f} {r['test_loss']:>10.4f} "
                  f"{r['train_acc']:>9.3f} {r['test_acc']:>8.3f}")
    s = overfitting_summary(run)
    print(f"wall time incl. {len(run.records)} checkpoints: {seconds:.2f} s; lowest test loss "
          f"{s['min_test_loss']:.3f} at epoch {s['best_epoch']}, final {s['final_test_loss']:.3f} "
          f"(rise {s['test_rise']:.3f}); training loss fell by {s['train_drop_after_best']:.3f} "
          f"after that epoch; {int(ds.flipped.sum())} flipped labels\n")

    print(f"Part 2: {args.seeds} seeds each, {recipe.train['epochs']} epochs, label noise "
          f"{recipe.label_noise}")
    print(f"{'setting':<30} {'s/run':>6} {'over-fit':>8} {'best epochs':>22} "
          f"{'test-loss rise':>30}")
    for name, tr in SETTINGS.items():
        bests, rises, ok, secs = [], [], 0, 0.0
        for seed in range(args.seeds):
            ds = zoo.get_dataset(recipe.dataset, label_noise=recipe.label_noise,
                                 noise_seed=seed, seed=seed)
            model = zoo.get_model(recipe.model, dataset=ds, seed=seed, **recipe.model_kwargs)
            start = time.perf_counter()
            run = zoo.train(model, ds, None, epochs=recipe.train["epochs"], seed=seed,
                            num_threads=args.threads, **tr)
            secs += time.perf_counter() - start
            s = overfitting_summary(run)
            bests.append(s["best_epoch"])
            rises.append(round(s["test_rise"], 2))
            ok += s["test_rise"] > 0.05 and s["train_drop_after_best"] > 0
        print(f"{name:<30} {secs / args.seeds:>6.2f} {ok:>4}/{args.seeds:<3} {bests!s:>22} "
              f"{rises!s:>30}")
    print("\nPart 3: the recipe's training time by torch thread count (no files written)")
    for threads in (1, 2):
        ds = zoo.get_dataset(recipe.dataset, label_noise=recipe.label_noise,
                             **recipe.dataset_kwargs)
        model = zoo.get_model(recipe.model, dataset=ds, seed=0, **recipe.model_kwargs)
        start = time.perf_counter()
        zoo.train(model, ds, None, **{**recipe.train, "num_threads": threads})
        print(f"  {threads} thread(s): {time.perf_counter() - start:.2f} s")
    print(f"\nnumpy {np.__version__}, torch {torch.__version__}; parts 1-2 ran with "
          f"{args.threads} thread(s)")


if __name__ == "__main__":
    main()
