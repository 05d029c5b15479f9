"""The script exports: ``numpy`` (predict.py), ``torch`` (a module file) and
``torch-train`` (a training script), assembled from the sources in ``templates/``.

A template is a valid Python module. Two kinds of lines are rewritten on the way out:

- a line ``# export: inline`` and the ``from ._fragment import a, b`` after it become
  the body of ``templates/_fragment.py`` (the text after its ``# ---- inlined ...``
  line, preceded by the fragment's imports the script lacks), so the written script
  imports nothing of nnstudio;
- ``CONFIG = {}  # export: config`` becomes ``CONFIG = {...}``, the settings of the model
  being exported (``torch-train`` only).

A header comment names the model file and the nnstudio version it was exported from.
"""

from __future__ import annotations

import re
from importlib import resources

from .. import __version__
from ..io.model_file import TrainedModel
from .settings import training_settings

#: format -> template module
TEMPLATES = {"numpy": "predict_numpy", "torch": "torch_module", "torch-train": "torch_train"}

_INLINE = re.compile(r"^# export: inline\nfrom \.(\w+) import (?:\([^)]*\)|[^\n]*)$", re.MULTILINE)
_CONFIG = re.compile(r"^CONFIG = \{\}  # export: config$", re.MULTILINE)
_FRAGMENT_START = "# ---- inlined into exported scripts below ----\n"


def _source(module: str) -> str:
    return resources.files(__package__).joinpath("templates", f"{module}.py").read_text("utf-8")


def _inline(module: str, script: str) -> str:
    """The fragment's body, preceded by those of its imports ``script`` lacks."""
    head, sep, body = _source(module).partition(_FRAGMENT_START)
    if not sep:  # pragma: no cover - a template bug, caught by the tests
        raise RuntimeError(f"templates/{module}.py has no fragment marker")
    have = set(script.splitlines())
    imports = [
        line
        for line in head.splitlines()
        if line.startswith(("import ", "from ")) and line not in have and "__future__" not in line
    ]
    text = body.strip("\n")
    if imports:
        text = "\n".join(imports) + "\n\n\n" + text
    return text


def script_text(fmt: str, model: TrainedModel, model_name: str) -> str:
    """The exported script of format ``fmt`` for ``model`` (read from ``model_name``)."""
    text = _source(TEMPLATES[fmt])
    text = _INLINE.sub(lambda m: _inline(m.group(1), text), text)
    if fmt == "torch-train":
        items = train_config(model, model_name).items()
        config = "CONFIG = {\n" + "".join(f"    {k!r}: {v!r},\n" for k, v in items) + "}"
        text = _CONFIG.sub(lambda m: config, text)
    header = (
        f"# Exported by nnstudio {__version__} from {model_name} "
        f"(nnstudio export --format {fmt}).\n"
    )
    return header + text


def train_config(model: TrainedModel, model_name: str = "model.npz") -> dict:
    """What the training script needs: the design (hidden layers, activations, output
    layer and loss), the data's roles (task, target, features, classes) and the training
    settings (``training_settings``)."""
    net = model.net
    settings = training_settings(model)
    return {
        "source_model": model_name,
        "task": model.task,
        "target_name": model.target_name,
        "feature_names": list(model.feature_names),
        "classes": list(model.classes) if model.classes is not None else None,
        "hidden_layers": [int(n) for n in net.layer_sizes[1:-1]],
        "hidden_activations": list(net.activations[:-1]),
        "output_activation": net.activations[-1],
        "output_units": int(net.n_outputs),
        "loss": net.loss,
        **{k: v for k, v in settings.items() if k not in ("task", "target_name")},
    }
