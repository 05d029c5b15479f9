"""What the network learned, computed without Qt: the numbers behind the app's views.

- ``evaluation``: which rows the views score (validation, else training) and the network's
  output on them.
- ``classes``: confusion matrix, per-class precision / recall / F1, misclassified rows
  (also what ``nnstudio train --json`` reports as ``confusion_matrix``).
- ``surface``: the network's output (or one hidden unit's) over a plane of two features
  with the others held at their training mean; the fitted curve of one feature;
  predicted-against-actual for regression.
- ``units``: per hidden layer, dead and saturated units, mean activation, histograms.
- ``backprop_check``: backprop against central differences, layer by layer.

This package imports the engine, the data layer and the pipeline, never Qt; the app's
views only draw what it returns.
"""
