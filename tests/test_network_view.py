"""NetworkView: summarised edge values, caps on what is drawn, and painting."""

import math

import numpy as np
import pytest

from nnstudio.app.network_view import MAX_DRAWN, NetworkView


def _groups_by_hand(n):
    """Equal contiguous groups as the view documents them, written out with loops."""
    g = 1 if n <= MAX_DRAWN else math.ceil(n / MAX_DRAWN)
    groups = []
    start = 0
    while start < n:
        groups.append(list(range(start, min(start + g, n))))
        start += g
    return groups


def _block_mean_by_hand(W, rows, cols):
    out = np.zeros((len(rows), len(cols)))
    for a, r in enumerate(rows):
        for b, c in enumerate(cols):
            total = 0.0
            for i in r:
                for j in c:
                    total += W[i, j]
            out[a, b] = total / (len(r) * len(c))
    return out


@pytest.fixture
def view(qtbot):
    v = NetworkView()
    qtbot.addWidget(v)
    v.resize(400, 250)
    return v


def test_object_and_accessible_names(view):
    assert view.objectName() == "networkView"
    assert view.accessibleName()


def test_summarised_edges_equal_block_means_computed_with_loops(view):
    # 5 inputs (not grouped), 30 units (10 groups of 3), 13 units (7 groups: 6 of 2, 1 of 1)
    sizes = [5, 30, 13, 3]
    rng = np.random.default_rng(1)
    weights = [rng.normal(size=(a, b)) for a, b in zip(sizes, sizes[1:])]
    view.set_architecture(sizes, ["tanh", "relu", "softmax"])
    view.set_weights(weights)

    assert view.drawn_sizes() == [5, 10, 7, 3]
    got = view.edge_values()
    assert len(got) == 3
    for W, a, b, e in zip(weights, sizes, sizes[1:], got):
        expected = _block_mean_by_hand(W, _groups_by_hand(a), _groups_by_hand(b))
        assert e.shape == expected.shape
        np.testing.assert_allclose(e, expected, rtol=1e-12, atol=1e-12)


def test_float32_weights_are_summarised_too(view):
    rng = np.random.default_rng(2)
    W = rng.normal(size=(25, 14)).astype(np.float32)
    view.set_weights([W])
    (e,) = view.edge_values()
    expected = _block_mean_by_hand(W.astype(np.float64), _groups_by_hand(25), _groups_by_hand(14))
    np.testing.assert_allclose(e, expected, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("n", [1, 2, 11, 12, 13, 25, 100, 143, 144, 145, 784, 1000, 4096])
def test_drawn_sizes_are_capped_and_groups_cover_every_unit(view, n):
    view.set_architecture([n, 3], ["softmax"])
    drawn = view.drawn_sizes()[0]
    assert 1 <= drawn <= MAX_DRAWN
    assert drawn == len(_groups_by_hand(n))
    assert drawn == min(n, drawn)  # small layers are drawn unit by unit
    if n <= MAX_DRAWN:
        assert drawn == n


def test_architecture_without_weights_has_zero_edges(view):
    view.set_architecture([2, 8, 1], ["tanh", "sigmoid"])
    assert view.drawn_sizes() == [2, 8, 1]
    assert [e.shape for e in view.edge_values()] == [(2, 8), (8, 1)]
    assert all(not e.any() for e in view.edge_values())
    assert not view.grab().isNull()  # paints the grey edges


def test_wrong_number_of_activations_is_rejected(view):
    with pytest.raises(ValueError, match="activations"):
        view.set_architecture([2, 8, 1], ["tanh"])


def test_weights_of_another_shape_redraw_the_architecture(view):
    view.set_architecture([2, 8, 1], ["tanh", "sigmoid"])
    rng = np.random.default_rng(3)
    view.set_weights([rng.normal(size=(3, 4)), rng.normal(size=(4, 2))])
    assert view.layer_sizes() == [3, 4, 2]
    assert view.drawn_sizes() == [3, 4, 2]
    with pytest.raises(ValueError, match="chain"):
        view.set_weights([rng.normal(size=(3, 4)), rng.normal(size=(5, 2))])


def test_mnist_sized_network_is_summarised(view):
    sizes = [784, 512, 512, 10]
    rng = np.random.default_rng(4)
    weights = [rng.normal(size=(a, b)).astype(np.float32) for a, b in zip(sizes, sizes[1:])]
    view.set_architecture(sizes, ["relu", "relu", "softmax"])
    view.set_weights(weights)

    # 784 -> groups of 66 (11 full + 58), 512 -> groups of 43 (11 full + 39), 10 -> as is
    assert view.drawn_sizes() == [12, 12, 12, 10]
    e = view.edge_values()
    assert [x.shape for x in e] == [(12, 12), (12, 12), (12, 10)]
    W0 = weights[0].astype(np.float64)
    assert e[0][0, 0] == pytest.approx(W0[0:66, 0:43].mean(), rel=1e-4, abs=1e-6)
    assert e[0][11, 11] == pytest.approx(W0[726:784, 473:512].mean(), rel=1e-4, abs=1e-6)
    W2 = weights[2].astype(np.float64)
    assert e[2][5, 7] == pytest.approx(W2[215:258, 7].mean(), rel=1e-4, abs=1e-6)
    assert not view.grab().isNull()


def test_output_classes_colour_only_a_matching_output_layer(view):
    view.set_architecture([2, 4, 3], ["relu", "softmax"])
    view.set_output_classes(["a", "b", "c"])
    assert view._output_colors is not None
    view.set_output_classes(["a", "b"])
    assert view._output_colors is None
    assert not view.grab().isNull()


def test_empty_view_paints_a_hint(view):
    assert view.drawn_sizes() == []
    assert view.edge_values() == []
    assert not view.grab().isNull()
