"""The ``onnx`` export: one graph from raw features to what ``nnstudio predict`` prints.

Graph (opset 17), for a model with L dense layers::

    features (float32 [N, n_features])
      -> Cast to float64 -> Sub input.mean -> Div input.scale        standardization
      -> for each layer i: Gemm(a, layers.{i}.weight, layers.{i}.bias, transB=1) -> f_i
      -> classification: probabilities (float64 [N, n_classes]); one sigmoid unit p
         becomes the two columns [1 - p, p], as predict writes them
         regression: Mul target.scale -> Add target.mean -> values (float64 [N, n_outputs])

The input is float32 as the contract says; everything after the Cast is float64, as
``nnstudio predict`` computes, so a value in target units of a few hundred still agrees
with predict to far better than 1e-5 (float32 would round it to ~3e-5). The weights are
stored as the model file holds them, widened to float64 (exactly).

Activations use ONNX operators where ONNX Runtime has float64 kernels (Relu, Tanh,
Sigmoid, Softmax) and a few elementary operators otherwise: leaky_relu = Max(z, 0.01 z),
elu = Max(z, 0) + (Exp(Min(z, 0)) - 1), softplus = Max(z, 0) + Log(1 + Exp(-|z|)).

``metadata_props``: ``classes`` and ``feature_names`` as JSON (``classes`` is null for
regression), plus ``outputs`` (the names of predict's columns: ``p_<label>`` or
``prediction``...), ``task``, ``target_name`` and ``nnstudio_version``.

The ``onnx`` package is an optional extra (``pip install "nnstudio[onnx]"``).
"""

from __future__ import annotations

import json

import numpy as np

from .. import __version__
from ..io.model_file import TrainedModel

OPSET = 17
#: IR version 8 is what opset 17 shipped with; older runtimes refuse newer IR versions
IR_VERSION = 8
INPUT_NAME = "features"


def _onnx():
    from . import ExportError

    try:
        import onnx
    except ImportError:
        raise ExportError(
            'the onnx export needs the onnx package; install it with: pip install "nnstudio[onnx]"'
        ) from None
    return onnx


class _Graph:
    """Nodes and constants accumulated in order; names are made unique here."""

    def __init__(self, onnx):
        self.onnx = onnx
        self.nodes = []
        self.initializers = []
        self._n = 0

    def name(self, stem: str) -> str:
        self._n += 1
        return f"{stem}_{self._n}"

    def const(self, stem: str, value) -> str:
        name = self.name(stem)
        array = np.asarray(value, dtype=np.float64)
        self.initializers.append(self.onnx.numpy_helper.from_array(array, name))
        return name

    def op(self, op_type: str, inputs: list[str], out: str | None = None, **attrs) -> str:
        out = out or self.name(op_type.lower())
        self.nodes.append(self.onnx.helper.make_node(op_type, inputs, [out], **attrs))
        return out

    # activations, each from its pre-activation z
    def activation(self, name: str, z: str) -> str:
        if name == "linear":
            return z
        if name in ("relu", "tanh", "sigmoid"):
            return self.op({"relu": "Relu", "tanh": "Tanh", "sigmoid": "Sigmoid"}[name], [z])
        if name == "softmax":
            return self.op("Softmax", [z], axis=-1)
        zero = self.const("zero", 0.0)
        positive = self.op("Max", [z, zero])
        if name == "leaky_relu":
            return self.op("Max", [z, self.op("Mul", [z, self.const("slope", 0.01)])])
        one = self.const("one", 1.0)
        if name == "elu":
            negative = self.op("Sub", [self.op("Exp", [self.op("Min", [z, zero])]), one])
            return self.op("Add", [positive, negative])
        if name == "softplus":
            tail = self.op("Exp", [self.op("Neg", [self.op("Abs", [z])])])
            return self.op("Add", [positive, self.op("Log", [self.op("Add", [one, tail])])])
        raise ValueError(f"no ONNX form for activation {name!r}")  # pragma: no cover


def output_names(model: TrainedModel) -> list[str]:
    """The columns of ``nnstudio predict`` that the graph's output holds."""
    if model.task == "classification":
        return [f"p_{c}" for c in model.classes]
    k = model.net.n_outputs
    return ["prediction"] if k == 1 else [f"prediction_{j}" for j in range(k)]


def build_onnx(model: TrainedModel):
    """The ``onnx.ModelProto`` of ``model``, checked by ``onnx.checker``."""
    onnx = _onnx()
    helper, TensorProto = onnx.helper, onnx.TensorProto
    g = _Graph(onnx)
    net = model.net
    a = g.op("Cast", [INPUT_NAME], to=TensorProto.DOUBLE)
    a = g.op("Sub", [a, g.const("input_mean", model.input_mean)])
    a = g.op("Div", [a, g.const("input_scale", model.input_scale)])
    for i, (W, b, act) in enumerate(zip(net.weights, net.biases, net.activations)):
        # W is (fan_in, fan_out) in the engine; the file's (fan_out, fan_in) with transB=1
        w = g.const(f"layers_{i}_weight", np.ascontiguousarray(W.T))
        z = g.op("Gemm", [a, w, g.const(f"layers_{i}_bias", b)], transB=1)
        a = g.activation(act, z)
    if model.task == "classification":
        out_name = "probabilities"
        if net.n_outputs == 1:
            a = g.op("Concat", [g.op("Sub", [g.const("one", 1.0), a]), a], axis=1)
    else:
        out_name = "values"
        if model.target_mean is not None:
            a = g.op("Mul", [a, g.const("target_scale", model.target_scale)])
            a = g.op("Add", [a, g.const("target_mean", model.target_mean)])
    g.op("Identity", [a], out_name)
    n_out = len(output_names(model))
    graph = helper.make_graph(
        g.nodes,
        "nnstudio_mlp",
        [helper.make_tensor_value_info(INPUT_NAME, TensorProto.FLOAT, ["N", net.n_inputs])],
        [helper.make_tensor_value_info(out_name, TensorProto.DOUBLE, ["N", n_out])],
        initializer=g.initializers,
    )
    proto = helper.make_model(
        graph,
        producer_name="nnstudio",
        producer_version=__version__,
        opset_imports=[helper.make_opsetid("", OPSET)],
        doc_string=f"nnstudio MLP {'-'.join(map(str, net.layer_sizes))}: raw features -> "
        f"{'class probabilities' if model.task == 'classification' else 'values'}",
    )
    proto.ir_version = IR_VERSION
    meta = {
        "classes": json.dumps(model.classes if model.classes is not None else []),
        "feature_names": json.dumps(list(model.feature_names)),
        "outputs": json.dumps(output_names(model)),
        "task": model.task,
        "target_name": model.target_name,
        "nnstudio_version": __version__,
    }
    helper.set_model_props(proto, meta)
    onnx.checker.check_model(proto, full_check=True)
    return proto


def onnx_bytes(model: TrainedModel) -> bytes:
    """The serialized ONNX model."""
    return build_onnx(model).SerializeToString()
