"""The training engine: NumPy only, no Qt, nothing else from nnstudio.

- ``activations``, ``losses``, ``initializers``, ``optimizers``: tables keyed by name.
- ``network.MLP``: forward and backward passes in matrix form over whole mini-batches.
- ``trainer.Trainer``: shuffled mini-batch training, steppable for a GUI worker.
- ``loop``: the per-example, per-neuron reference engine (the oracle, not for training).
- ``gradcheck``: central-difference gradients for tests.
"""

from .activations import ACTIVATIONS, HIDDEN_ACTIVATIONS
from .losses import LOSSES
from .network import MLP, Gradients
from .optimizers import OPTIMIZERS, make_optimizer
from .trainer import EpochReport, StepReport, Trainer, TrainingDiverged

__all__ = [
    "ACTIVATIONS",
    "HIDDEN_ACTIVATIONS",
    "LOSSES",
    "MLP",
    "OPTIMIZERS",
    "EpochReport",
    "Gradients",
    "StepReport",
    "Trainer",
    "TrainingDiverged",
    "make_optimizer",
]
