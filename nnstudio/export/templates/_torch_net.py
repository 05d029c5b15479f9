"""Fragment: an nnstudio network as a ``torch.nn.Module`` (inlined into the exported
``torch`` module file and ``torch-train`` script).

``Net`` holds the dense layers; its ``state_dict`` keys are the model file's own
(``layers.{i}.weight`` of shape (fan_out, fan_in), ``layers.{i}.bias``), so a model file
loads into it, and it saves back into one, without renaming. ``Predictor`` wraps a ``Net``
with the model's preprocessing: raw features in, what ``nnstudio predict`` writes out.
"""

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

# ---- inlined into exported scripts below ----


def activate(name, z):
    """nnstudio's activation ``name`` (leaky_relu slope 0.01, elu alpha 1, softmax over
    each example's units)."""
    if name == "relu":
        return F.relu(z)
    if name == "tanh":
        return torch.tanh(z)
    if name == "sigmoid":
        return torch.sigmoid(z)
    if name == "leaky_relu":
        return F.leaky_relu(z, 0.01)
    if name == "elu":
        return F.elu(z, 1.0)
    if name == "softplus":
        return F.softplus(z)
    if name == "softmax":
        return torch.softmax(z, dim=-1)
    if name == "linear":
        return z
    raise ValueError(f"unknown activation {name!r}")


class Net(nn.Module):
    """Dense layers ``a = f_i(a @ W_i.T + b_i)`` on standardized features.

    ``forward(a, logits=True)`` leaves out the output activation (for losses computed
    from the logits, which is how training stays numerically stable)."""

    def __init__(self, layer_sizes, activations):
        super().__init__()
        self.layers = nn.ModuleList(
            nn.Linear(n_in, n_out) for n_in, n_out in zip(layer_sizes[:-1], layer_sizes[1:])
        )
        self.activations = list(activations)

    def forward(self, a, logits=False):
        last = len(self.layers) - 1
        for i, (layer, name) in enumerate(zip(self.layers, self.activations)):
            a = layer(a)
            if not (logits and i == last):
                a = activate(name, a)
        return a


class Predictor(nn.Module):
    """Raw features ``(N, n_features)`` -> class probabilities ``(N, n_classes)`` (one
    sigmoid unit p gives the two columns [1 - p, p]) or regression values in the
    target's units ``(N, n_outputs)``: the numbers ``nnstudio predict`` writes."""

    def __init__(self, net, input_mean, input_scale, task, target_mean=None, target_scale=None):
        super().__init__()
        self.net = net
        self.task = task
        self.register_buffer("input_mean", torch.as_tensor(np.asarray(input_mean, np.float64)))
        self.register_buffer("input_scale", torch.as_tensor(np.asarray(input_scale, np.float64)))
        if target_mean is not None:
            self.register_buffer(
                "target_mean", torch.as_tensor(np.asarray(target_mean, np.float64))
            )  # noqa: E501
            self.register_buffer(
                "target_scale", torch.as_tensor(np.asarray(target_scale, np.float64))
            )  # noqa: E501
        else:
            self.target_mean = self.target_scale = None

    def forward(self, x):
        x = torch.as_tensor(x).to(self.input_mean.dtype)
        a = self.net((x - self.input_mean) / self.input_scale)
        if self.task == "classification" and a.shape[1] == 1:
            a = torch.cat([1 - a, a], dim=1)
        if self.target_mean is not None:
            a = a * self.target_scale + self.target_mean
        return a
