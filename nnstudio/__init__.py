"""nnstudio: design, train and understand multilayer perceptrons."""

__version__ = "0.1.0"
