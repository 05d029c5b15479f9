"""Sources of the scripts nnstudio exports (see ``nnstudio.export.scripts``).

Each module here is valid Python, linted with the package. The ``predict_numpy``,
``torch_module`` and ``torch_train`` modules are the scripts; a comment line
``# export: inline`` followed by an import from a fragment module (``_table``,
``_torch_net``) is replaced by the fragment's body, so the written script stands alone.
Nothing in nnstudio imports these modules.
"""
