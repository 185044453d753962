"""Figure functions: the artists they draw on synthetic arrays, and bad input."""

import numpy as np
import pytest
from matplotlib.collections import QuadMesh
from matplotlib.patches import Rectangle

from harsanyi.errors import ShapeError
from harsanyi.report.figures import (
    default_selection,
    plot_decay_spindle,
    plot_decay_spindle_profile,
    plot_distribution_over_checkpoints,
    plot_group_counts_by_order,
    plot_group_curves,
    plot_losses,
    plot_matching_error,
    plot_order_distribution,
    plot_patch_map,
    plot_real_vs_theory,
    plot_sigma2,
    plot_sparsity_curves,
)
from harsanyi.report.style import GROUP_COLORS, PALETTE, new_figure


def bar_heights(ax):
    return np.array([p.get_height() for p in ax.patches])


def test_order_distribution_bars_above_and_below_zero():
    pos, neg = np.array([3.0, 1.0, 0.5, 0.1]), np.array([-1.0, -0.4, -0.2, 0.0])
    ax = plot_order_distribution(pos, neg)
    h = bar_heights(ax)
    assert len(ax.patches) == 8
    np.testing.assert_allclose(h[:4], pos)
    np.testing.assert_allclose(h[4:], neg)
    # magnitudes are drawn below zero too
    ax2 = plot_order_distribution(pos, -neg)
    np.testing.assert_allclose(bar_heights(ax2)[4:], neg)
    assert ax.get_xlabel() == "interaction order k" and "log-odds" in ax.get_ylabel()


def test_order_distribution_draws_on_given_axes():
    _fig, axes = new_figure(2)
    out = plot_order_distribution([1, 2], [-1, -1], ax=axes[0, 1], title="epoch 3")
    assert out is axes[0, 1] and out.get_title() == "epoch 3"
    assert len(axes[0, 0].patches) == 0


def test_order_distribution_length_mismatch():
    with pytest.raises(ShapeError, match="neg must have length 3"):
        plot_order_distribution([1, 2, 3], [1, 2])


def test_distribution_lines_one_per_selected_epoch():
    d = np.random.default_rng(0).dirichlet(np.ones(6), size=10)
    ep = np.arange(10) * 3.0
    ax = plot_distribution_over_checkpoints(d, ep, selected=[0, 9, 27])
    assert len(ax.lines) == 3
    np.testing.assert_allclose(ax.lines[1].get_ydata(), d[3])
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["epoch 0", "epoch 9",
                                                                     "epoch 27"]
    assert len(plot_distribution_over_checkpoints(d, ep).lines) == 6  # default selection


def test_distribution_heatmap_and_mean_order():
    d = np.array([[1.0, 0.0, 0.0], [0.0, 0.0, 1.0]])
    ax = plot_distribution_over_checkpoints(d, [0, 10], style="heatmap")
    assert sum(isinstance(c, QuadMesh) for c in ax.collections) == 1
    np.testing.assert_allclose(ax.lines[0].get_ydata(), [1.0, 3.0])


def test_distribution_bad_input():
    d = np.ones((3, 4)) / 4
    with pytest.raises(ValueError, match="selected epoch 5"):
        plot_distribution_over_checkpoints(d, [0, 1, 2], selected=[5])
    with pytest.raises(ValueError, match="style must be"):
        plot_distribution_over_checkpoints(d, [0, 1, 2], style="pie")
    with pytest.raises(ShapeError, match="dist must have shape"):
        plot_distribution_over_checkpoints(d, [0, 1])


def test_default_selection_keeps_ends():
    assert default_selection(np.arange(100.0), 4) == [0.0, 33.0, 66.0, 99.0]
    assert default_selection([5.0, 6.0], 6) == [5.0, 6.0]


def test_losses_lines_and_boundaries():
    ep = np.arange(5.0)
    ax = plot_losses(ep, [2, 1, .5, .3, .2], [2, 1.2, .9, 1, 1.2], phase_boundary=2,
                     gap_onset=3)
    assert len(ax.lines) == 5
    np.testing.assert_allclose(ax.lines[2].get_ydata(), [0, .2, .4, .7, 1.0])
    np.testing.assert_allclose(ax.lines[3].get_xdata(), [2, 2])
    np.testing.assert_allclose(ax.lines[4].get_xdata(), [3, 3])
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "phase-2 start (epoch 2)" in labels and "gap onset (epoch 3)" in labels
    assert len(plot_losses(ep, ep, ep, show_gap=False).lines) == 2


def test_real_vs_theory():
    ax = plot_real_vs_theory([.7, .2, .1], [.6, .3, .1], 3e-3, epoch=40)
    assert len(ax.patches) == 3 and len(ax.lines) == 1
    assert ax.get_title() == "epoch 40"
    assert any("0.003" in t.get_text() for t in ax.get_legend().get_texts())


def test_group_curves_colours_and_normalisation():
    curves = np.array([[0, 2, 4], [1, 0.5, 0], [0, -3, 3.0]])
    groups = ["reliable", "forgotten", "betraying"]
    ax = plot_group_curves(curves, groups, [1, 2, 3])
    assert len(ax.lines) == 4  # three curves + zero line
    assert ax.lines[0].get_color() == GROUP_COLORS["reliable"]
    np.testing.assert_allclose(ax.lines[0].get_ydata(), [0, .5, 1])
    np.testing.assert_allclose(ax.lines[2].get_ydata(), [0, -1, 1])
    texts = [t.get_text() for t in ax.get_legend().get_texts()]
    assert texts == ["reliable (1)", "forgotten (1)", "betraying (1)"]
    with pytest.raises(ValueError, match="2 labels for 3 curves"):
        plot_group_curves(curves, groups[:2], [1, 2, 3])


def test_group_counts_stacked():
    counts = np.arange(20.0).reshape(5, 4)
    ax = plot_group_counts_by_order(counts)
    assert len(ax.patches) == 20
    tops = [p.get_y() + p.get_height() for p in ax.patches[-4:]]
    np.testing.assert_allclose(tops, counts.sum(axis=0))
    with pytest.raises(ShapeError):
        plot_group_counts_by_order(np.ones((4, 3)))


def test_decay_spindle_totals_and_profile():
    dec = np.array([[1.0, -0.5], [2.0, 1.0]])
    spi = np.array([[0.1, 0.1], [0.3, -0.5]])
    ax = plot_decay_spindle(dec, spi, [0, 1], real=dec + spi)
    assert len(ax.lines) == 3
    np.testing.assert_allclose(ax.lines[0].get_ydata(), [1.5, 3.0])
    np.testing.assert_allclose(ax.lines[1].get_ydata(), [0.2, 0.8])
    ax = plot_decay_spindle_profile([2., 1.], [.5, .25], real=[2.4, 1.3])
    assert len(ax.patches) == 4 and len(ax.lines) == 1
    assert ax.patches[2].get_y() == pytest.approx(2.0)  # spindle stacked on decay


def test_sigma2_log_axis():
    ax = plot_sigma2([1, 2], [1e-1, 1e-3])
    assert ax.get_yscale() == "log" and len(ax.lines) == 1


def test_sparsity_curves_one_line_each_and_zeros_hidden():
    ax = plot_sparsity_curves({"a": [1, .1, 0.0], "b": [1, .5, .2]})
    assert len(ax.lines) == 2
    assert np.isnan(ax.lines[0].get_ydata()[2])
    assert ax.get_ylim()[0] >= 1e-6


def test_matching_error_single_and_multi():
    ax = plot_matching_error([1, 2, 3], [1., .5, .1], alpha_hat=2)
    assert len(ax.lines) == 2 and ax.lines[0].get_color() == PALETTE["blue"]
    ax = plot_matching_error([1, 2], {"e1": [1, .5], "e9": [1, .2]})
    assert len(ax.lines) == 2
    with pytest.raises(ShapeError, match="errors\\['x'\\] has length 1, alphas has 2"):
        plot_matching_error([1, 2], {"x": [1.0]})


def test_patch_map_outlines_and_dims():
    img = np.random.default_rng(0).random((16, 16, 3))
    boxes = [(0, 0, 8, 8), (0, 8, 8, 16), (8, 0, 16, 8), (8, 8, 16, 16)]
    ax = plot_patch_map(img, boxes, highlight=[1, 3], title="AND {1, 3}")
    rects = [p for p in ax.patches if isinstance(p, Rectangle)]
    assert len(rects) == 4 and len(ax.images) == 2
    widths = [r.get_linewidth() for r in rects]
    assert widths[1] > widths[0] and widths[3] > widths[2]
    shade = ax.images[1].get_array()
    assert shade[0, 0, 3] > 0 and shade[0, 12, 3] == 0  # player 1's patch is not dimmed
    # grey images, CHW images and no highlight work too
    assert len(plot_patch_map(img[..., 0] * 255, boxes).images) == 1
    assert len(plot_patch_map(np.moveaxis(img, -1, 0), boxes, [0]).images) == 2


def test_patch_map_bad_input():
    img = np.zeros((8, 8))
    with pytest.raises(IndexError, match="players \\[5\\]"):
        plot_patch_map(img, [(0, 0, 4, 4)], highlight=[5])
    with pytest.raises(ShapeError, match="box 0"):
        plot_patch_map(img, [(4, 4, 4, 8)])
    with pytest.raises(ShapeError, match="image must be"):
        plot_patch_map(np.zeros((2, 3, 4, 5)), [(0, 0, 1, 1)])


def test_group_curves_empty_group():
    ax = plot_group_curves(np.zeros((0, 4)), [], [0, 1, 2, 3])
    assert len(ax.lines) == 1 and ax.get_legend() is None  # only the zero line
