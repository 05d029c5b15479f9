"""The timing harness (``nnstudio.engine.timing``) and ``nnstudio bench``.

Nothing here asserts a speed: timings are checked for shape and sanity, the time bound
with a wide margin, and the two engines against each other on random shapes."""

from __future__ import annotations

import argparse
import json
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nnstudio import bench
from nnstudio.engine import HIDDEN_ACTIVATIONS, MLP, loop, timing
from nnstudio.engine.timing import (
    TimingCancelled,
    TimingRow,
    max_grad_diff,
    sweep,
    sweep_batch_sizes,
    time_architecture,
)
from nnstudio.engine.trainer import step_flops


def _well_formed(row: TimingRow) -> None:
    for name in ("loop_s_per_example", "matrix_s_per_example", "batch_s_per_example"):
        value = getattr(row, name)
        assert math.isfinite(value) and value > 0, name
    for name in ("loop_spread", "matrix_spread", "batch_spread"):
        assert getattr(row, name) >= 0
    assert 1 <= row.loop_examples <= row.batch_size
    assert row.extrapolated == (row.loop_examples < row.batch_size)
    assert row.matrix_speedup == row.loop_s_per_example / row.matrix_s_per_example
    assert row.batch_speedup == row.loop_s_per_example / row.batch_s_per_example


def test_sweep_on_tiny_widths_gives_one_well_formed_row_per_width():
    seen = []
    rows = sweep(
        [3, 5],
        depth=2,
        n_inputs=4,
        n_outputs=3,
        batch_size=6,
        time_budget_per_row=2.0,
        repeats=3,
        progress=lambda i, n, row: seen.append((i, n, row.width)),
    )
    assert [r.width for r in rows] == [3, 5]
    assert seen == [(0, 2, 3), (1, 2, 5)]
    for r, w in zip(rows, [3, 5]):
        _well_formed(r)
        assert (r.depth, r.batch_size, r.n_inputs, r.n_outputs) == (2, 6, 4, 3)
        assert r.layer_sizes == (4, w, w, 3)
        # weights and biases of 4-w-w-3: 4w + w + w*w + w + 3w + 3
        assert r.n_weights == 4 * w + w + w * w + w + 3 * w + 3
        assert r.dtype == "float32"
        assert not r.extrapolated  # 6 examples of a width-5 net fit easily in 2 s
        assert r.max_grad_diff < 1e-9
    d = rows[0].as_dict()
    json.dumps(d)
    assert d["layer_sizes"] == [4, 3, 3, 3] and d["batch_speedup"] == rows[0].batch_speedup


def test_a_tiny_budget_stops_the_loop_engine_and_marks_the_row_extrapolated():
    # width 256: one loop example takes milliseconds, 256 of them a second or more
    row = time_architecture(
        [2, 256, 256, 2], ["tanh", "tanh", "softmax"], batch_size=256, time_budget=0.02
    )
    _well_formed(row)
    assert row.extrapolated
    assert row.loop_examples < 256


def test_float64_rows_report_a_negligible_gradient_difference():
    row = time_architecture(
        [3, 7, 2],
        ["sigmoid", "sigmoid"],
        "binary_cross_entropy",
        batch_size=5,
        dtype="float64",
        repeats=2,
    )
    assert row.dtype == "float64"
    assert 0 <= row.max_grad_diff < 1e-9


def test_max_grad_diff_sees_a_real_difference(monkeypatch):
    # guard against a comparison that always says 0: let the loop engine see one weight
    # moved by 0.5, and max_grad_diff must report what a plain NumPy comparison finds
    net = MLP([2, 3, 2], ["tanh", "softmax"], dtype=np.float64, seed=1)
    X = np.array([[0.5, -1.0], [2.0, 0.25]])
    Y = np.array([[1.0, 0.0], [0.0, 1.0]])
    assert max_grad_diff(net, X, Y) < 1e-12
    real = loop.batch_gradients

    def perturbed(weights, biases, *rest):
        weights = [np.array(W, np.float64) for W in weights]
        weights[1][0, 0] += 0.5
        return real(weights, biases, *rest)

    other = net.copy()
    other.weights[1][0, 0] += 0.5
    g_other, g_net = other.gradients(X, Y), net.copy().gradients(X, Y)
    expected = max(
        float(np.max(np.abs(a - b)))
        for a, b in zip(g_other.weights + g_other.biases, g_net.weights + g_net.biases)
    )
    assert expected > 1e-3
    monkeypatch.setattr(timing.loop, "batch_gradients", perturbed)
    assert max_grad_diff(net, X, Y) == pytest.approx(expected, rel=1e-9)


def test_cancel_is_checked_between_loop_examples():
    # With repeats=5 the matrix timings check at most 1 + 5 + 1 + 5 + 1 = 13 times; after
    # that there is one check per loop-engine example (64 planned here).
    calls = []

    def should_stop():
        calls.append(1)
        return len(calls) >= 20

    with pytest.raises(TimingCancelled):
        time_architecture(
            [2, 16, 16, 2],
            ["relu", "relu", "softmax"],
            batch_size=64,
            repeats=5,
            time_budget=600,
            should_stop=should_stop,
        )
    assert len(calls) == 20  # stopped at the first check that said so, mid-loop


def test_sweep_batch_sizes_measures_the_one_example_timings_once():
    rows = sweep_batch_sizes(
        [2, 4, 2], ["tanh", "linear"], "mse", [1, 8], time_budget_per_row=1.0, repeats=2
    )
    assert [r.batch_size for r in rows] == [1, 8]
    assert rows[0].loop_s_per_example == rows[1].loop_s_per_example
    assert rows[0].matrix_s_per_example == rows[1].matrix_s_per_example


@pytest.mark.parametrize(
    "kwargs",
    [dict(batch_size=0), dict(repeats=0), dict(time_budget=0), dict(dtype="float16")],
)
def test_bad_settings_are_refused(kwargs):
    with pytest.raises(ValueError):
        time_architecture([2, 3, 1], ["tanh", "linear"], **kwargs)


# --------------------------------------------------------------------------- the oracle
VALID_OUTPUTS = [
    ("softmax", "cross_entropy"),
    ("sigmoid", "binary_cross_entropy"),
    *[(act, "mse") for act in (*HIDDEN_ACTIVATIONS, "softmax")],
]


@st.composite
def networks(draw):
    depth = draw(st.integers(0, 3))
    sizes = [draw(st.integers(1, 5)) for _ in range(depth + 2)]
    hidden = [draw(st.sampled_from(HIDDEN_ACTIVATIONS)) for _ in range(depth)]
    out_act, loss = draw(st.sampled_from(VALID_OUTPUTS))
    m = draw(st.integers(1, 4))
    seed = draw(st.integers(0, 2**31 - 1))
    return sizes, hidden + [out_act], loss, m, seed


@settings(max_examples=150, deadline=None)
@given(networks())
def test_loop_engine_and_matrix_engine_agree_on_random_shapes(spec):
    sizes, acts, loss, m, seed = spec
    rng = np.random.default_rng(seed)
    net = MLP(sizes, acts, loss, dtype=np.float64, seed=rng)
    X = rng.normal(size=(m, sizes[0]))
    if loss == "cross_entropy":
        Y = np.eye(sizes[-1])[rng.integers(0, sizes[-1], m)]
    elif loss == "binary_cross_entropy":
        Y = rng.integers(0, 2, (m, sizes[-1])).astype(float)
    else:
        Y = rng.normal(size=(m, sizes[-1]))
    loss_loop, dW_loop, db_loop = loop.batch_gradients(net.weights, net.biases, acts, loss, X, Y)
    g = net.gradients(X, Y)
    assert loss_loop == pytest.approx(g.loss, rel=1e-10, abs=1e-12)
    for a, b in zip(dW_loop + db_loop, g.weights + g.biases):
        np.testing.assert_allclose(b, a, rtol=1e-9, atol=1e-12)
    assert max_grad_diff(net, X, Y) < 1e-9


# --------------------------------------------------------------------------- bench
def _parse(argv):
    parser = argparse.ArgumentParser()
    bench.add_arguments(parser)
    return parser.parse_args(argv)


def test_bench_json_is_the_last_line_with_the_required_keys(capsys):
    args = _parse(
        ["--json", "--widths", "3,6", "--depth", "1", "--batch-size", "4", "--budget", "0.5"]
    )
    assert bench.run(args) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    doc = json.loads(lines[-1])
    assert {"blas", "threads", "dtype", "rows"} <= doc.keys()
    assert doc["dtype"] == "float32"
    assert [r["width"] for r in doc["rows"]] == [3, 6]
    for r in doc["rows"]:
        for key in (
            "width",
            "depth",
            "batch_size",
            "loop_s_per_example",
            "matrix_s_per_example",
            "batch_s_per_example",
            "max_grad_diff",
            "extrapolated",
        ):
            assert key in r
        assert r["depth"] == 1 and r["batch_size"] == 4
        assert isinstance(r["extrapolated"], bool)
        assert r["max_grad_diff"] < 1e-9
    assert any("width" in line and "loop" in line for line in lines[:-1])  # the table too


def test_bench_engine_json_reports_throughput_and_gemm_fraction(capsys):
    args = _parse(
        [
            "--engine",
            "--json",
            "--no-torch",
            "--cases",
            "tiny",
            "--rounds",
            "1",
            "--seconds",
            "0.05",
            "--threads",
            "1",
        ]
    )
    assert bench.run(args) == 0
    out = capsys.readouterr().out
    doc = json.loads(out.strip().splitlines()[-1])
    assert doc["torch"] is None and doc["gemm_peak_flops"] > 0
    assert doc["threads"] == 1  # --threads limited NumPy's BLAS
    (row,) = doc["rows"]
    assert row["case"] == "tiny" and row["batch_size"] == 10
    assert row["nnstudio_samples_per_s"] > 0 and row["torch_samples_per_s"] is None
    assert 0 < row["nnstudio_gemm_fraction"] < 1
    assert "PyTorch disabled by --no-torch" in out
    assert "nnstudio process: NumPy" in out  # the side ran in a process of its own


def test_bench_engine_holds_each_case_against_the_peak_measured_around_it(capsys, monkeypatch):
    import nnstudio.bench.throughput as throughput

    # peaks measured before tiny, between tiny and small, after small (FLOP/s)
    peaks = iter([4e9, 1e9, 2e9])
    monkeypatch.setattr(throughput, "gemm_peak", lambda: next(peaks))
    monkeypatch.setattr(
        throughput,
        "_measure",
        lambda case, with_torch, args: ({"nnstudio": [100.0]}, {"nnstudio": ("NumPy", 1)}),
    )
    args = _parse(["--engine", "--json", "--no-torch", "--cases", "tiny,small"])
    assert bench.run(args) == 0
    doc = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    tiny, small = doc["rows"]
    assert doc["gemm_peaks_between_cases"] == [4e9, 1e9, 2e9]
    assert (tiny["gemm_peak_flops"], small["gemm_peak_flops"]) == (4e9, 2e9)
    # 100 samples/s at step_flops / batch FLOPs a sample, over that case's peak
    per_sample = step_flops([784, 128, 10], 32) / 32
    assert small["nnstudio_gemm_fraction"] == pytest.approx(100 * per_sample / 2e9)


def test_step_flops_counts_forward_weight_and_input_gradients_but_the_first_input():
    # 784-512-512-10, batch 128: layer 0 forward + dW only, the others also dA_prev
    per = [2 * 128 * 784 * 512, 2 * 128 * 512 * 512, 2 * 128 * 512 * 10]
    assert step_flops([784, 512, 512, 10], 128) == 2 * per[0] + 3 * per[1] + 3 * per[2]


@pytest.mark.parametrize(
    "argv",
    [
        ["--engine", "--cases", "huge"],
        ["--depth", "-1"],
        ["--depth", "17"],
        ["--batch-size", "100000000"],
        ["--inputs", "100000000"],
        ["--outputs", "100000000"],
        ["--budget", "0"],
        ["--activation", "softmax"],
    ],
)
def test_bench_user_errors_raise_bench_error(argv):
    with pytest.raises(bench.BenchError) as info:
        bench.run(_parse(argv))
    assert "\n" not in str(info.value)
