"""Plots of one explanation: each draws what it says, on the given or the current axes."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.image as mpimg
import matplotlib.pyplot as plt
import numpy as np
import pytest

import harsanyi as hs
from harsanyi import plot
from harsanyi.games import Patches, Superpixels
from harsanyi.report.figures import plot_losses, plot_order_distribution


@pytest.fixture(autouse=True)
def fresh_pyplot():
    plt.close("all")
    yield
    plt.close("all")


def planted(n: int = 4) -> hs.Interactions:
    """v = 2·AND(0,1) − 1.5·OR(2,3) + 0.5·x0 + AND(0,1,2): a known sparse explanation."""
    def v(m):
        return (2.0 * (m[:, 0] & m[:, 1]) - 1.5 * (m[:, 2] | m[:, 3]) + 0.5 * m[:, 0]
                + (m[:, 0] & m[:, 1] & m[:, 2]))
    game = hs.Game.from_function(v, n, ["not", "bad", "at", "all"])
    return hs.and_or(game, q_bound=0.0, solver="exact", selection="vertex")  # planted exactly


def not_blank(path) -> bool:
    img = mpimg.imread(path)
    return float(img[..., :3].std()) > 0.01


def test_ranked_recovers_the_planted_interactions():
    top = plot.ranked(planted(), 3)
    assert [(k, s) for k, s, _ in top] == [("and", (0, 1)), ("or", (2, 3)), ("and", (0, 1, 2))]
    np.testing.assert_allclose([v for _, _, v in top], [2.0, -1.5, 1.0], atol=1e-9)


def test_bar_labels_colours_and_current_figure(tmp_path):
    ax = plot.bar(planted(), k=4)
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels[:3] == ["AND: not & bad", "OR: at | all", "AND: not & bad & at"]
    assert len(ax.patches) == 4 and ax is plt.gca()
    heights = sorted(p.get_width() for p in ax.patches)
    np.testing.assert_allclose(heights[0], -1.5, atol=1e-9)
    plt.savefig(tmp_path / "bar.png")
    assert not_blank(tmp_path / "bar.png")


def test_bar_on_given_axes_and_batch_needs_sample():
    _fig, axes = plt.subplots(1, 2)
    two = hs.and_or(np.stack([planted().values, -planted().values]), q_bound=0.0,
                    solver="exact")
    with pytest.raises(ValueError, match="pass sample="):
        plot.bar(two)
    out = plot.bar(two, sample=1, ax=axes[1])
    assert out is axes[1] and len(axes[0].patches) == 0
    assert min(p.get_width() for p in out.patches) == pytest.approx(-2.0)


def test_sentence_colours_words_by_their_strongest_interaction(tmp_path):
    ax = plot.sentence(planted(), k=2)
    texts = ax.texts
    assert [t.get_text() for t in texts[:4]] == ["not", "bad", "at", "all"]
    assert texts[4].get_text() == "AND  not & bad  +2" and len(texts) == 6
    colors = [t.get_bbox_patch().get_facecolor() for t in texts[:4]]
    assert colors[0][2] > colors[0][0]  # positive: blue
    assert colors[3][0] > colors[3][2]  # "all" only in the negative OR: red
    plt.savefig(tmp_path / "sentence.png")
    assert not_blank(tmp_path / "sentence.png")


def test_image_overlay_for_patches_and_superpixels(tmp_path):
    I = planted()
    img = np.random.default_rng(0).random((3, 8, 8))
    ax = plot.image(I, img, Patches([0, 1, 2, 3], grid=2), kinds=("and",))
    assert len(ax.images) == 2  # the image and the veil
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["AND not & bad: +2"]
    veil = ax.images[1].get_array()
    assert veil[:4, :, 3].max() == 0 and veil[4:, :, 3].min() > 0  # the AND set: top half
    assert len(ax.collections) == 1  # its outline
    plt.savefig(tmp_path / "patches.png")
    assert not_blank(tmp_path / "patches.png")
    fm = np.repeat(np.arange(4), 16).reshape(8, 8)  # four horizontal bands
    _fig, ax2 = plt.subplots()
    plot.image(I, img, Superpixels(fm), ax=ax2)
    legend = [t.get_text() for t in ax2.get_legend().get_texts()]
    assert legend == ["AND not & bad: +2", "OR at | all: -1.5"]
    assert ax2.images[1].get_array()[..., 3].max() == 0  # both sets cover the image
    per_image = np.stack([fm, fm[::-1]])
    plot.image(I, img, per_image, sample=1, ax=ax2)  # feature_mask arrays work too


def test_upset_rows_and_columns(tmp_path):
    ax = plot.upset(planted(), k=5)
    bars, matrix = ax.upset_bars, ax.upset_matrix
    assert len(bars.patches) == 3  # AND(0,1), OR(2,3), AND(0,1,2): the sets of order >= 2
    assert [t.get_text() for t in matrix.get_yticklabels()] == ["all", "at", "bad", "not"]
    assert len(matrix.lines) == 3
    plt.savefig(tmp_path / "upset.png")
    assert not_blank(tmp_path / "upset.png")


def test_orders_sums_positive_and_negative_strength():
    ax = plot.orders(planted())
    heights = [p.get_height() for p in ax.patches]
    assert len(heights) == 8  # 4 orders, above and below zero
    assert sum(heights) == pytest.approx(0.5 + 2.0 - 1.5 + 1.0)


def test_report_figures_work_with_plt_savefig(tmp_path):
    plot_losses([0, 1, 2], [1.0, 0.5, 0.3], [1.0, 0.7, 0.8])
    plt.savefig(tmp_path / "losses.png")
    assert not_blank(tmp_path / "losses.png")
    plt.figure()
    plot_order_distribution([3.0, 1.0], [-1.0, -0.5])
    plt.savefig(tmp_path / "orders.png")
    assert not_blank(tmp_path / "orders.png")


def test_report_build_leaves_no_pyplot_figures(tmp_path):
    from harsanyi.report import example_summary, report_from_summary

    report_from_summary(example_summary(n=4, checkpoints=5, seed=0, tracked=6), tmp_path / "r")
    assert plt.get_fignums() == []
