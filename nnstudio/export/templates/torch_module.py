"""A trained nnstudio model as a PyTorch module (imports only torch and numpy).

    from model_torch import build_model
    model = build_model("model.npz")          # torch.nn.Module, in eval mode
    with torch.no_grad():
        out = model(torch.from_numpy(X.astype("float32")))   # raw features (N, n_features)

``out`` is what ``nnstudio predict`` writes: for classification the probabilities of
``model.classes`` (its ``p_<label>`` columns, two columns for a single sigmoid unit), for
regression the values in the target's units. Feature columns are in the order of
``model.feature_names``. The module computes in float64 by default, as ``nnstudio
predict`` does (``build_model(path, dtype=torch.float32)`` or ``model.float()`` for
float32); inputs of any float type are converted. ``model.net`` is the bare network on
standardized features, with the model file's parameter names (``layers.{i}.weight``).
"""

import json

import numpy as np
import torch

# export: inline
from ._torch_net import Net, Predictor


def build_model(npz_path, dtype=torch.float64):
    """The model in ``npz_path`` (an nnstudio model file) as a ``torch.nn.Module`` in
    eval mode; ``classes``, ``feature_names`` and ``meta`` are attributes."""
    with np.load(npz_path, allow_pickle=False) as f:
        arrays = {k: f[k] for k in f.files}
    meta = json.loads(str(arrays["meta"][()]))
    if meta.get("format") != "nnstudio.mlp":
        raise ValueError(f"{npz_path}: not an nnstudio model file")
    net = Net(meta["layer_sizes"], meta["activations"])
    net.load_state_dict(
        {k: torch.from_numpy(np.asarray(arrays[k], np.float64)) for k in net.state_dict()}
    )
    model = Predictor(
        net,
        arrays["input.mean"],
        arrays["input.scale"],
        meta["task"],
        arrays.get("target.mean") if meta["task"] == "regression" else None,
        arrays.get("target.scale") if meta["task"] == "regression" else None,
    )
    model.classes = meta.get("classes")
    model.feature_names = list(meta["feature_names"])
    model.meta = meta
    return model.to(dtype).eval()
