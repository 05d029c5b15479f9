"""The matrix engine against independent truths: central differences, the loop engine,
and numbers worked by hand."""

import contextlib

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nnstudio.engine import MLP, Trainer, TrainingDiverged, make_optimizer
from nnstudio.engine.activations import ACTIVATIONS, HIDDEN_ACTIVATIONS
from nnstudio.engine.gradcheck import max_relative_error, numerical_gradients
from nnstudio.engine.loop import batch_gradients
from nnstudio.engine.losses import loss_value
from nnstudio.engine.trainer import SINGLE_THREAD_FLOPS, step_flops

# (output activation, loss) pairs the engine accepts
PAIRS = [("softmax", "cross_entropy"), ("sigmoid", "binary_cross_entropy")] + [
    (a, "mse") for a in ACTIVATIONS
]


def _targets(rng, loss, m, k):
    if loss == "cross_entropy":
        return np.eye(k)[rng.integers(0, k, m)]
    if loss == "binary_cross_entropy":
        return rng.integers(0, 2, (m, k)).astype(float)
    return rng.normal(size=(m, k))


def _net(sizes, acts, loss, seed, dtype=np.float64):
    net = MLP(sizes, acts, loss, dtype=dtype, seed=seed)
    # Non-zero biases: with zero biases a layer of dead ReLUs feeds exactly z = 0 into the
    # next, where the derivative has a kink and central differences give 1/2.
    rng = np.random.default_rng(seed + 1000)
    for b in net.biases:
        b[...] = rng.normal(0, 0.3, b.shape)
    return net


def _copy_grads(g):
    return [w.copy() for w in g.weights], [b.copy() for b in g.biases]


@pytest.mark.parametrize("hidden", HIDDEN_ACTIVATIONS)
@pytest.mark.parametrize("out,loss", PAIRS)
@pytest.mark.parametrize("depth", [1, 2, 3])
def test_gradient_matches_central_differences(hidden, out, loss, depth):
    rng = np.random.default_rng(depth)
    sizes = [3, 5, 4, 3][:depth] + [3]
    net = _net(sizes, [hidden] * (depth - 1) + [out], loss, seed=depth)
    X = rng.normal(size=(6, 3))
    Y = _targets(rng, loss, 6, 3)
    dW, db = _copy_grads(net.gradients(X, Y))
    nW, nb = numerical_gradients(net, X, Y)
    assert max_relative_error(dW, nW) < 1e-6
    assert max_relative_error(db, nb) < 1e-6


@settings(max_examples=40, deadline=None)
@given(
    sizes=st.lists(st.integers(1, 6), min_size=2, max_size=5),
    m=st.integers(1, 5),
    pair=st.sampled_from(PAIRS),
    hidden=st.sampled_from(HIDDEN_ACTIVATIONS),
    seed=st.integers(0, 2**16),
)
def test_matrix_engine_equals_loop_engine(sizes, m, pair, hidden, seed):
    out, loss = pair
    if out == "softmax" and sizes[-1] == 1 and loss == "cross_entropy":
        sizes[-1] = 2
    rng = np.random.default_rng(seed)
    net = _net(sizes, [hidden] * (len(sizes) - 2) + [out], loss, seed)
    X = rng.normal(size=(m, sizes[0]))
    Y = _targets(rng, loss, m, sizes[-1])
    g = net.gradients(X, Y)
    loop_loss, lW, lb = batch_gradients(net.weights, net.biases, net.activations, loss, X, Y)
    assert g.loss == pytest.approx(loop_loss, rel=1e-12, abs=1e-12)
    assert max_relative_error(g.weights + g.biases, lW + lb) < 1e-12
    want_norms = [np.linalg.norm(w) for w in lW]
    np.testing.assert_allclose(g.norms, want_norms, rtol=1e-10, atol=1e-14)


@pytest.mark.parametrize("out,loss", PAIRS)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_one_example_path_equals_loop_engine_call_after_call(out, loss, dtype):
    """One example goes through a lean path (vectors, and the delta written straight
    into db): it must agree with the loop engine on every call, between batches of
    other sizes and after an optimizer has used the gradient buffers as scratch."""
    rng = np.random.default_rng(5)
    sizes = [3, 7, 5, 4]
    net = _net(sizes, ["tanh", "relu", out], loss, seed=5, dtype=dtype)
    opt = make_optimizer("adam", 0.01)
    tol = 1e-12 if dtype == np.float64 else 2e-4
    for m in (1, 1, 4, 1, 2, 1):
        X = rng.normal(size=(m, sizes[0]))
        Y = _targets(rng, loss, m, sizes[-1])
        g = net.gradients(X, Y)
        net64 = net.copy(np.float64)
        want_loss, lW, lb = batch_gradients(
            net64.weights, net64.biases, net64.activations, loss, X, Y
        )
        assert g.loss == pytest.approx(want_loss, rel=tol, abs=tol)
        assert g.output.shape == (m, sizes[-1])
        assert max_relative_error(g.weights + g.biases, lW + lb) < tol
        np.testing.assert_allclose(g.norms, [np.linalg.norm(w) for w in lW], rtol=tol)
        opt.step(net.params(), net.grad_arrays())  # overwrites the gradient buffers


@pytest.mark.parametrize("sizes", [[2, 8, 8, 1], [60, 40, 20, 3]])
@pytest.mark.parametrize("m", [1, 6])
def test_gradient_norms_are_the_norms_of_the_weight_gradients(sizes, m):
    # small networks sum the squares over segments of the weights block, larger ones
    # take one dot per layer: both against np.linalg.norm of the returned gradients
    rng = np.random.default_rng(1)
    net = _net(sizes, ["tanh"] * (len(sizes) - 2) + ["linear"], "mse", seed=1)
    assert (net._squares is not None) == (sizes[0] == 2)
    for _ in range(2):
        g = net.gradients(rng.normal(size=(m, sizes[0])), rng.normal(size=(m, sizes[-1])))
        assert g.norms.dtype == np.float64
        want = [np.linalg.norm(dW) for dW in g.weights]
        np.testing.assert_allclose(g.norms, want, rtol=1e-12)


def test_one_layer_worked_by_hand():
    # z = 1*0.5 + 2*(-1) + 0.25 = -1.25; linear output; mse = 1/2 (z - 1)^2 = 1/2 * 2.25^2
    net = MLP([2, 1], ["linear"], "mse", dtype=np.float64)
    net.set_params([np.array([[0.5], [-1.0]])], [np.array([0.25])])
    g = net.gradients(np.array([[1.0, 2.0]]), np.array([[1.0]]))
    assert g.loss == pytest.approx(2.53125)
    # dz = z - y = -2.25; dW = x.T dz = [[-2.25], [-4.5]]; db = -2.25
    np.testing.assert_allclose(g.weights[0], [[-2.25], [-4.5]])
    np.testing.assert_allclose(g.biases[0], [-2.25])
    assert g.norms[0] == pytest.approx(np.hypot(2.25, 4.5))


def test_losses_worked_by_hand():
    A = np.array([[1.0, 2.0], [0.0, 0.0]])
    # mse: 1/(2m) * sum of squares = (1 + 4) / (2 * 2)
    assert loss_value("mse", A, np.zeros_like(A)) == pytest.approx(1.25)
    P = np.array([[0.25, 0.75], [0.5, 0.5]])
    Y = np.array([[0.0, 1.0], [1.0, 0.0]])
    assert loss_value("cross_entropy", P, Y) == pytest.approx(-(np.log(0.75) + np.log(0.5)) / 2)
    # bce over two independent units of one example: -(log 0.75 + log(1 - 0.25))
    assert loss_value("binary_cross_entropy", P[:1], Y[:1]) == pytest.approx(-2 * np.log(0.75))


def test_forward_equals_plain_numpy():
    rng = np.random.default_rng(0)
    net = MLP([4, 7, 5, 3], ["tanh", "relu", "softmax"], dtype=np.float64, seed=3)
    X = rng.normal(size=(9, 4))
    a = np.tanh(X @ net.weights[0] + net.biases[0])
    a = np.maximum(a @ net.weights[1] + net.biases[1], 0)
    z = a @ net.weights[2] + net.biases[2]
    e = np.exp(z - z.max(1, keepdims=True))
    np.testing.assert_allclose(net.forward(X), e / e.sum(1, keepdims=True), rtol=1e-12)


def test_activations_against_formulas():
    z = np.linspace(-30, 30, 121)
    want = {
        "sigmoid": 1 / (1 + np.exp(-z)),
        "tanh": np.tanh(z),
        "relu": np.where(z > 0, z, 0),
        "leaky_relu": np.where(z > 0, z, 0.01 * z),
        "elu": np.where(z > 0, z, np.exp(z) - 1),
        "softplus": np.log1p(np.exp(z)),
        "linear": z,
    }
    for name, expected in want.items():
        np.testing.assert_allclose(ACTIVATIONS[name](z.copy()), expected, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("k", [1, 2, 16, 17, 40])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_softmax_of_one_example_and_of_rows(k, dtype):
    # one example (a 1-D vector) takes other routes than a batch (rows) depending on its
    # size; each against the formula in float64, large logits included
    rng = np.random.default_rng(k)
    z = (rng.normal(size=(3, k)) * 30).astype(dtype)
    z[0, 0] = 500.0  # exp would overflow without the shift by the maximum
    e = np.exp(z.astype(np.float64) - z.max(1, keepdims=True))
    want = e / e.sum(1, keepdims=True)
    tol = 1e-12 if dtype == np.float64 else 1e-6
    np.testing.assert_allclose(ACTIVATIONS["softmax"](z.copy()), want, rtol=tol, atol=tol)
    for row, expected in zip(z, want):
        np.testing.assert_allclose(ACTIVATIONS["softmax"](row.copy()), expected, rtol=tol, atol=tol)


@pytest.mark.parametrize("shape", [(3, 4), (40, 40), (100, 100), (1100, 1000)])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_relu_and_its_derivative_at_every_size(shape, dtype):
    # ReLU and its derivative change method with the array's size (cached zeros, a
    # comparison instead of np.sign); each size against np.where, zeros included
    from nnstudio.engine.activations import DERIVATIVES

    rng = np.random.default_rng(0)
    z = rng.normal(size=shape).astype(dtype)
    z[0, :2] = 0.0
    a = ACTIVATIONS["relu"](z.copy())
    np.testing.assert_array_equal(a, np.where(z > 0, z, 0))
    delta = rng.normal(size=shape).astype(dtype)
    got = DERIVATIVES["relu"](np.empty_like(a), a, delta.copy())
    np.testing.assert_array_equal(got, np.where(z > 0, delta, 0))
    z[1, 1] = np.nan  # a diverging network's NaN passes through, to be caught
    assert np.isnan(ACTIVATIONS["relu"](z)[1, 1])


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda: MLP([2, 3], ["sigmoid"], "cross_entropy"), "needs a softmax output"),
        (lambda: MLP([2, 3], ["softmax"], "binary_cross_entropy"), "needs a sigmoid output"),
        (lambda: MLP([2, 3, 2], ["softmax", "softmax"]), "output layer only"),
        (lambda: MLP([2, 3], ["swish"]), "unknown activation"),
        (lambda: MLP([2, 3, 2], ["relu"]), "one activation per dense layer"),
        (lambda: MLP([2, 3], ["relu"], dtype=np.float16), "float32 or float64"),
        (lambda: MLP([2, 0, 3], ["relu", "relu"]), "positive integers"),
        (lambda: make_optimizer("adam", lr=-1), "learning rate"),
        (lambda: make_optimizer("sgd", l2=-0.1), "L2 weight decay"),
        (lambda: make_optimizer("lbfgs"), "unknown optimizer"),
    ],
)
def test_invalid_pairs_and_settings_are_refused(make, message):
    with pytest.raises(ValueError, match=message):
        make()


# --------------------------------------------------------------------- optimizers
def _one_step(opt, w, g, steps=1):
    w = np.array(w, dtype=np.float64)
    for _ in range(steps):
        opt.step([w], [np.array(g, dtype=np.float64)], decay=[True])
    return w


def test_sgd_by_hand():
    # w - lr g = [1 - 0.1*0.5, -2 - 0.1*0.25]
    assert _one_step(make_optimizer("sgd", 0.1), [1, -2], [0.5, 0.25]) == pytest.approx(
        [0.95, -2.025]
    )
    # with l2 = 0.1 the gradient is g + 0.1 w = [0.6, 0.05]
    w = _one_step(make_optimizer("sgd", 0.1, l2=0.1), [1, -2], [0.5, 0.25])
    assert w == pytest.approx([0.94, -2.005])


def test_momentum_by_hand():
    # step 1: v = g = [.5, .25], w = [.95, -2.025]; step 2: v = .9 v + g = [.95, .475],
    # w = [.95 - .095, -2.025 - .0475]
    w = _one_step(make_optimizer("momentum", 0.1), [1, -2], [0.5, 0.25], steps=2)
    assert w == pytest.approx([0.855, -2.0725])
    # Nesterov, step 1: v = g; w -= lr (g + .9 v) = lr * [.95, .475]
    w = _one_step(make_optimizer("momentum", 0.1, nesterov=True), [1, -2], [0.5, 0.25])
    assert w == pytest.approx([0.905, -2.0475])


def test_rmsprop_by_hand():
    # s = (1 - .9) g^2 = [.025, .00625]; step = lr g / sqrt(s) = .1 / sqrt(.1) for both
    w = _one_step(make_optimizer("rmsprop", 0.1), [1, -2], [0.5, 0.25])
    assert w == pytest.approx([1 - 0.1 / np.sqrt(0.1), -2 - 0.1 / np.sqrt(0.1)], rel=1e-7)


def test_adam_by_hand():
    # step 1: m_hat = g, v_hat = g^2, so the step is lr * sign(g)
    opt = make_optimizer("adam", 0.1)
    w = np.array([1.0, -2.0])
    opt.step([w], [np.array([0.5, -0.25])], [False])
    assert w == pytest.approx([0.9, -1.9])
    # step 2 with g = [1, 0]: m = .9*.05 + .1*1 = .145, v = .999*.00025 + .001*1 = .00124975,
    # m_hat = .145 / (1 - .81) = .763158, v_hat = .00124975 / (1 - .998001) = .625188,
    # step = .1 * .763158 / sqrt(.625188) = .096518; the second weight: m = .9*(-.025),
    # v = .999 * .0000625, m_hat = -.118421, v_hat = .031234, step = -.1 * .670059
    opt.step([w], [np.array([1.0, 0.0])], [False])
    assert w == pytest.approx([0.9 - 0.0965184, -1.9 + 0.0670059], abs=2e-6)


@pytest.mark.parametrize("m", [1, 5])
def test_scaled_gradients_are_the_gradients_times_the_scale(m):
    # checked_gradients(X, Y, c) folds c into the output delta: every gradient comes out
    # c times the plain one, while the loss and the norms stay those of the batch
    rng = np.random.default_rng(2)
    net = _net([3, 6, 4, 2], ["tanh", "relu", "softmax"], "cross_entropy", seed=2)
    X = rng.normal(size=(m, 3))
    Y = _targets(rng, "cross_entropy", m, 2)
    g = net.checked_gradients(X, Y)
    loss, plain, norms = g.loss, [a.copy() for a in g.weights + g.biases], g.norms.copy()
    s = net.checked_gradients(X, Y, 0.3)
    for a, b in zip(s.weights + s.biases, plain):
        np.testing.assert_allclose(a, 0.3 * b, rtol=1e-12, atol=1e-15)
    assert s.loss == loss
    np.testing.assert_allclose(s.norms, norms, rtol=1e-12)


def test_sgd_takes_prescaled_gradients_only_without_decay():
    assert make_optimizer("sgd", 0.1).prescale() == 0.1
    assert make_optimizer("sgd", 0.1, l2=0.01).prescale() is None
    assert all(make_optimizer(n, 0.1).prescale() is None for n in ("momentum", "adam"))
    opt = make_optimizer("sgd", 0.1)
    w = np.array([1.0, 2.0])
    opt.step([w], [np.array([0.05, -0.1])], [True], prescaled=True)  # g is lr * grad
    np.testing.assert_allclose(w, [0.95, 2.1])
    assert opt.t == 1
    with pytest.raises(ValueError, match="prescaled"):
        make_optimizer("adam", 0.1).step([w], [w.copy()], [True], prescaled=True)


@pytest.mark.parametrize("batch_size", [12, 1])
def test_trainer_sgd_is_plain_sgd_with_unscaled_reports(batch_size):
    # The trainer hands SGD gradients already multiplied by lr; the weights must follow
    # w -= lr * grad exactly as the unscaled gradients say, and the reported gradient
    # norms must be those of the gradients themselves (25 rows: batches 12, 12, 1)
    X, Y = _xor(25)
    net = MLP([2, 5, 2], ["tanh", "softmax"], dtype=np.float64, seed=3)
    ref = net.copy()
    tr = Trainer(net, X, Y, optimizer="sgd", lr=0.2, batch_size=batch_size, shuffle=False)
    for lo in range(0, 25, batch_size):
        rep = tr.step()
        g = ref.gradients(X[lo : lo + batch_size], Y[lo : lo + batch_size])
        np.testing.assert_allclose(
            rep.grad_norms, [np.linalg.norm(w) for w in g.weights], rtol=1e-12
        )
        for W, dW in zip(ref.weights, g.weights):
            W -= 0.2 * dW
        for b, db in zip(ref.biases, g.biases):
            b -= 0.2 * db
        for a, b in zip(net.params(), ref.params()):
            np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-15)


def test_learning_rate_changes_between_steps_and_keeps_state():
    opt = make_optimizer("momentum", 0.1)
    w = np.array([1.0])
    opt.step([w], [np.array([1.0])], [False])  # v = 1, w = 0.9
    opt.lr = 0.01
    opt.step([w], [np.array([1.0])], [False])  # v = 1.9 (kept), w = 0.9 - 0.019
    assert w[0] == pytest.approx(0.881)


# --------------------------------------------------------------------- trainer
def _xor(n=400, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.uniform(-1, 1, (n, 2))
    return X, np.eye(2)[(X[:, 0] * X[:, 1] > 0).astype(int)]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_same_seed_same_weights(dtype):
    X, Y = _xor()

    def train(seed):
        net = MLP([2, 8, 2], ["tanh", "softmax"], dtype=dtype, seed=seed)
        Trainer(net, X, Y, epochs=3, batch_size=16, seed=seed).run()
        return net.weights

    a, b, c = train(1), train(1), train(2)
    for wa, wb in zip(a, b):
        np.testing.assert_array_equal(wa, wb)
    assert not np.array_equal(a[0], c[0])


@pytest.mark.parametrize("optimizer", ["sgd", "momentum", "rmsprop", "adam"])
def test_training_learns_xor(optimizer):
    X, Y = _xor(600)
    net = MLP([2, 16, 16, 2], ["tanh", "tanh", "softmax"], seed=0)
    tr = Trainer(net, X[:500], Y[:500], X[500:], Y[500:], optimizer=optimizer, epochs=60)
    hist = tr.run()
    assert hist[-1].train_loss < hist[0].train_loss / 3
    assert hist[-1].val_metric >= 0.95


def test_step_reports_and_epochs():
    X, Y = _xor(100)
    net = MLP([2, 4, 2], ["relu", "softmax"])
    tr = Trainer(net, X, Y, batch_size=30, epochs=2)
    reports = list(tr)
    # 100 rows in batches of 30: 30, 30, 30, 10 per epoch
    assert [r.batch_size for r in reports] == [30, 30, 30, 10] * 2
    assert [r.epoch_report is not None for r in reports] == [False, False, False, True] * 2
    assert tr.done and len(tr.history) == 2 and tr.step_count == 8
    assert all(r.grad_norms.shape == (2,) for r in reports)
    # the reported epoch loss is the batch-size-weighted mean of that epoch's batch losses
    first = reports[:4]
    want = sum(r.loss * r.batch_size for r in first) / 100
    assert tr.history[0].train_loss == pytest.approx(want)


@pytest.mark.parametrize("in_context", [False, True])
def test_divergence_keeps_last_finite_weights(in_context):
    # Outside blas_threads() each step silences NumPy's overflow warnings itself; inside,
    # the context does. Either way (pytest turns warnings into errors) the only thing
    # raised is TrainingDiverged.
    rng = np.random.default_rng(0)
    X = rng.normal(size=(64, 3)) * 100
    Y = rng.normal(size=(64, 1)) * 100
    net = MLP([3, 16, 1], ["relu", "linear"], seed=0)
    tr = Trainer(net, X, Y, optimizer="sgd", lr=1e3, batch_size=8, epochs=50)
    before = None
    context = tr.blas_threads() if in_context else contextlib.nullcontext()
    with pytest.raises(TrainingDiverged, match="smaller learning rate"), context:
        while True:
            before = [w.copy() for w in net.weights]
            tr.step()
    for w, b in zip(net.weights, before):
        assert np.isfinite(w).all()
        np.testing.assert_array_equal(w, b)


def test_step_flops_by_hand():
    # 784-128-10 at batch 32: forward 2*32*784*128 = 6,422,528 and 2*32*128*10 = 81,920;
    # weight gradients the same; input gradient of the second layer only: 81,920
    assert step_flops([784, 128, 10], 32) == 2 * (6_422_528 + 81_920) + 81_920


def _blas_threads():
    from threadpoolctl import threadpool_info

    return {i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas"}


def test_small_networks_train_on_one_blas_thread():
    from threadpoolctl import threadpool_limits

    X, Y = _xor(64)
    small = Trainer(MLP([2, 8, 2], ["tanh", "softmax"]), X, Y)
    big = Trainer(MLP([2, 2048, 2048, 2], ["relu", "relu", "softmax"]), X, Y, batch_size=64)
    assert step_flops(big.net.layer_sizes, 64) >= SINGLE_THREAD_FLOPS
    with threadpool_limits(limits=2, user_api="blas"):
        with small.blas_threads():
            assert _blas_threads() == {1}
        assert _blas_threads() == {2}
        with big.blas_threads():
            assert _blas_threads() == {2}


def test_a_one_thread_step_gives_its_weight_gradient_products_the_configured_threads(
    monkeypatch,
):
    # 784-128-10 at batch 32 trains on one thread, but its first layer's dW product
    # (2 * 32 * 784 * 128 = 6.4 MFLOP) is worth a second: it reads no weights
    from threadpoolctl import threadpool_limits

    import nnstudio.engine.network as network
    from nnstudio.engine.trainer import WIDE_GRADIENT_FLOPS

    sizes = [784, 128, 10]
    assert step_flops(sizes, 32) < SINGLE_THREAD_FLOPS <= step_flops(sizes, 10**4)
    assert 2 * 32 * 784 * 128 >= WIDE_GRADIENT_FLOPS
    rng = np.random.default_rng(0)
    X = rng.normal(size=(64, 784))
    Y = np.eye(10)[rng.integers(0, 10, 64)]
    net = MLP(sizes, ["relu", "softmax"], dtype=np.float32, seed=0)
    ref = net.copy()
    tr = Trainer(net, X, Y, optimizer="sgd", lr=0.1, batch_size=32, epochs=1, shuffle=False)
    seen = {"forward": set(), "input": set(), "weights": set()}

    def spy(name, f):
        def wrapped(*args):
            seen[name] |= _blas_threads()
            return f(*args)

        monkeypatch.setattr(network, f.__name__, wrapped)

    spy("forward", network.dense_forward)
    spy("input", network.dense_backward_input)
    spy("weights", network.dense_backward_weights)
    with threadpool_limits(limits=2, user_api="blas"):
        with tr.blas_threads():
            tr.step()
            assert _blas_threads() == {1}
        assert _blas_threads() == {2}
    assert seen == {"forward": {1}, "input": {1}, "weights": {2}}
    # and the step is the one the loop engine computes
    _, dW, db = batch_gradients(
        [w.astype(float) for w in ref.weights],
        [b.astype(float) for b in ref.biases],
        ref.activations,
        ref.loss,
        X[:32],
        Y[:32],
    )
    for w, w0, g in zip(net.weights, ref.weights, dW):
        np.testing.assert_allclose(w, w0 - 0.1 * g, rtol=1e-4, atol=1e-6)
    for b, b0, g in zip(net.biases, ref.biases, db):
        np.testing.assert_allclose(b, b0 - 0.1 * g, rtol=1e-4, atol=1e-6)


def test_which_steps_get_a_widen_and_what_it_sets():
    from threadpoolctl import threadpool_limits

    from nnstudio.engine.trainer import blas_threads_for

    with threadpool_limits(limits=2, user_api="blas"):
        with blas_threads_for([2, 8, 8, 1], 10) as widen:  # no product worth a thread
            assert widen is None and _blas_threads() == {1}
        # a 128 x 128 dW from two 128 x 128 inputs: big enough, but it reads as much as
        # it writes
        assert step_flops([2, 128, 128, 2], 128) < SINGLE_THREAD_FLOPS
        with blas_threads_for([2, 128, 128, 2], 128) as widen:
            assert widen is None and _blas_threads() == {1}
        with blas_threads_for([784, 128, 10], 32) as widen:
            assert _blas_threads() == {1}
            widen(True)
            assert _blas_threads() == {2}
            widen(False)
            assert _blas_threads() == {1}
        with blas_threads_for([784, 128, 10], 10**4) as widen:  # every product on 2
            assert widen is None and _blas_threads() == {2}
        assert _blas_threads() == {2}
    with threadpool_limits(limits=1, user_api="blas"):
        with blas_threads_for([784, 128, 10], 32) as widen:  # nothing to widen to
            assert widen is None


def test_widen_sets_each_library_to_its_own_count_and_only_from_its_thread():
    import threading

    from nnstudio.engine.trainer import Widen

    class Lib:
        def __init__(self):
            self.calls = []

        def set_num_threads(self, n):
            self.calls.append(n)

    a, b = Lib(), Lib()
    widen = Widen([(a, 4), (b, 2)])
    t = threading.Thread(target=widen, args=(True,))
    t.start()
    t.join()
    assert a.calls == b.calls == []  # another thread's call does nothing
    widen(True)
    widen(False)
    assert (a.calls, b.calls) == ([4, 1], [2, 1])


def test_the_timing_view_and_the_benchmark_widen_as_training_does(monkeypatch):
    from threadpoolctl import threadpool_limits

    import nnstudio.engine.network as network
    from nnstudio.bench.cases import CASES
    from nnstudio.bench.sides import NnstudioSide
    from nnstudio.engine.timing import _time_matrix

    seen = set()
    weights = network.dense_backward_weights

    def spy(*args):
        seen.update(_blas_threads())
        return weights(*args)

    monkeypatch.setattr(network, "dense_backward_weights", spy)
    net = MLP([784, 128, 10], ["relu", "softmax"], seed=0)
    rng = np.random.default_rng(0)
    X = rng.standard_normal((32, 784), dtype=np.float32)
    Y = np.eye(10, dtype=np.float32)[rng.integers(0, 10, 32)]
    with threadpool_limits(limits=2, user_api="blas"):
        _time_matrix(net, [(X, Y)], 32, repeats=1, budget=0.05, should_stop=None)
        assert seen == {2}
        assert NnstudioSide(CASES["small"]).backend()[1] == "1 (2 for dW)"
        assert NnstudioSide(CASES["tiny"]).backend()[1] == 1


def test_without_shuffle_batches_are_the_rows_in_order():
    X, Y = _xor(40)
    net = MLP([2, 4, 2], ["tanh", "softmax"], dtype=np.float64, seed=1)
    ref = net.copy()
    tr = Trainer(net, X, Y, optimizer="sgd", lr=0.1, batch_size=10, epochs=1, shuffle=False)
    tr.step()
    g = ref.gradients(X[:10], Y[:10])  # the first ten rows, by hand with plain SGD
    for W, W0, dW in zip(net.weights, ref.weights, g.weights):
        np.testing.assert_allclose(W, W0 - 0.1 * dW, rtol=1e-12)


@pytest.mark.parametrize("whole_epoch", [True, False])
def test_shuffled_batches_are_the_rows_of_a_seeded_permutation(whole_epoch, monkeypatch):
    # The trainer gathers each batch by row number (small data: the whole epoch at its
    # start); the batches must be those of default_rng(seed).permutation(n), cut in
    # order, epoch after epoch, and the epoch accuracy that of those rows' labels.
    import nnstudio.engine.trainer as trainer_module

    if not whole_epoch:
        monkeypatch.setattr(trainer_module, "GATHER_EPOCH_BYTES", 0)
    X, Y = _xor(25)
    net = MLP([2, 4, 2], ["tanh", "softmax"], dtype=np.float64, seed=1)
    tr = Trainer(net, X, Y, optimizer="sgd", lr=0.1, batch_size=10, epochs=2, seed=7)
    assert (tr._Xe is not None) == whole_epoch
    seen = []
    real = net.checked_gradients

    def spy(Xb, Yb, *scale):
        g = real(Xb, Yb, *scale)
        seen.append((Xb.copy(), Yb.copy(), g.output.argmax(1)))
        return g

    net.checked_gradients = spy
    list(tr)
    rng = np.random.default_rng(7)
    expected = []
    for _ in range(2):
        perm = rng.permutation(25)
        expected += [perm[lo : lo + 10] for lo in range(0, 25, 10)]
    assert [len(x) for x, _, _ in seen] == [10, 10, 5, 10, 10, 5]
    hits = [0, 0]
    for k, ((Xb, Yb, pred), rows) in enumerate(zip(seen, expected)):
        np.testing.assert_array_equal(Xb, X[rows])
        np.testing.assert_array_equal(Yb, Y[rows])
        hits[k // 3] += int(np.sum(pred == Y[rows].argmax(1)))
    assert [r.train_metric for r in tr.history] == [hits[0] / 25, hits[1] / 25]


@pytest.mark.parametrize("optimizer", ["sgd", "momentum", "adam"])
def test_trainer_updates_like_the_optimizer_on_each_array(optimizer):
    # The trainer hands the optimizer two flat blocks (all weights, all biases); the
    # result must equal the optimizer stepping every array on its own, with L2 on the
    # weights only.
    X, Y = _xor(30)
    net = MLP([2, 5, 3, 2], ["tanh", "relu", "softmax"], dtype=np.float64, seed=3)
    ref = net.copy()
    tr = Trainer(
        net,
        X,
        Y,
        optimizer=make_optimizer(optimizer, 0.05, l2=0.01),
        batch_size=10,
        shuffle=False,
    )
    opt = make_optimizer(optimizer, 0.05, l2=0.01)
    for lo in (0, 10, 20, 0):
        tr.step()
        ref.gradients(X[lo : lo + 10], Y[lo : lo + 10])
        opt.step(ref.params(), ref.grad_arrays(), [p.ndim > 1 for p in ref.params()])
    for a, b in zip(net.params(), ref.params()):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-15)
    # the blocks are the parameters' own memory
    wblock, bblock = net.param_blocks()
    assert all(np.shares_memory(W, wblock) for W in net.weights)
    assert all(np.shares_memory(b, bblock) for b in net.biases)


def test_training_never_copies_the_data_set():
    """Shuffling gathers each batch by row number: a whole run allocates batch-sized
    buffers, never a shuffled copy of the (4 MB) training data."""
    import tracemalloc

    rng = np.random.default_rng(0)
    X = rng.normal(size=(20_000, 50)).astype(np.float32)
    Y = np.eye(2, dtype=np.float32)[(X[:, 0] > 0).astype(int)]
    tracemalloc.start()
    tr = Trainer(MLP([50, 8, 2], ["relu", "softmax"]), X, Y, batch_size=100, epochs=2)
    tr.run()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert peak < X.nbytes / 4, f"training allocated {peak} bytes for {X.nbytes} of data"
