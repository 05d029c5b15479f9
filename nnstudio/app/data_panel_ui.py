"""The data panel's widgets and their layout (``build``), apart from what the panel does
with them (``data_panel``): every control keeps its object name, a contract."""

from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QComboBox,
    QDoubleSpinBox,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QProgressBar,
    QPushButton,
    QSizePolicy,
    QStackedWidget,
    QTableWidget,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from nnstudio.app.boundary_view import style_plot
from nnstudio.app.data_preview import PREVIEW_ROWS
from nnstudio.app.points import PointSets
from nnstudio.data.samples import SAMPLES

__all__ = ["TASK_CHOICES", "VAL_SPLIT_DECIMALS", "VAL_SPLIT_MAX", "build"]

#: the largest validation fraction the box takes, and its decimals (the pipeline takes
#: any fraction in [0, 1); a project's value the box cannot show exactly is refused)
VAL_SPLIT_MAX = 0.99
VAL_SPLIT_DECIMALS = 3

#: the task combo's entries; "auto" means "detect" (task=None)
TASK_CHOICES = ("auto", "classification", "regression")


def build(panel: QWidget) -> None:
    """Make ``panel``'s widgets (as its attributes), connect them to its slots and lay
    them out."""
    panel.datasetCombo = QComboBox(panel)
    panel.datasetCombo.setObjectName("datasetCombo")
    panel.datasetCombo.setAccessibleName("Dataset")
    panel.datasetCombo.setToolTip("Built-in sample datasets (or the file that is loaded)")
    panel.datasetCombo.setPlaceholderText("Choose a sample…")
    panel.datasetCombo.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
    for name, description in SAMPLES.items():
        panel.datasetCombo.addItem(name, name)
        panel.datasetCombo.setItemData(
            panel.datasetCombo.count() - 1, description, Qt.ItemDataRole.ToolTipRole
        )
    panel._n_samples = panel.datasetCombo.count()
    panel.datasetCombo.setCurrentIndex(-1)
    panel.datasetCombo.currentIndexChanged.connect(panel._on_dataset_chosen)

    panel.openDatasetButton = QPushButton("Open…", panel)
    panel.openDatasetButton.setObjectName("openDatasetButton")
    panel.openDatasetButton.setAccessibleName("Open dataset file")
    panel.openDatasetButton.setToolTip("Load a CSV (header row, target last) or NPZ (X, y)")
    panel.openDatasetButton.clicked.connect(panel._on_open_clicked)

    panel.targetCombo = QComboBox(panel)
    panel.targetCombo.setObjectName("targetCombo")
    panel.targetCombo.setAccessibleName("Target column")
    panel.targetCombo.setToolTip("The column to predict; the other columns are features")
    panel.targetCombo.setEnabled(False)
    panel.targetCombo.currentIndexChanged.connect(panel._on_target_chosen)

    panel.taskCombo = QComboBox(panel)
    panel.taskCombo.setObjectName("taskCombo")
    panel.taskCombo.setAccessibleName("Task")
    panel.taskCombo.setToolTip(
        "auto: text or few distinct integers means classification, else regression"
    )
    panel.taskCombo.addItems(list(TASK_CHOICES))
    panel.taskCombo.setEnabled(False)
    panel.taskCombo.currentIndexChanged.connect(panel._on_task_chosen)

    panel.valSplitSpin = QDoubleSpinBox(panel)
    panel.valSplitSpin.setObjectName("valSplitSpin")
    panel.valSplitSpin.setAccessibleName("Validation split")
    panel.valSplitSpin.setToolTip("Fraction of the rows held out for validation")
    panel.valSplitSpin.setRange(0.0, VAL_SPLIT_MAX)
    panel.valSplitSpin.setSingleStep(0.05)
    panel.valSplitSpin.setDecimals(VAL_SPLIT_DECIMALS)
    panel.valSplitSpin.setValue(0.2)
    panel.valSplitSpin.valueChanged.connect(panel.valSplitChanged)

    panel.datasetInfoLabel = QLabel(
        "No dataset loaded. Pick a sample, open a file or drop a CSV/NPZ file here.", panel
    )
    panel.datasetInfoLabel.setObjectName("datasetInfoLabel")
    panel.datasetInfoLabel.setAccessibleName("Dataset summary")
    panel.datasetInfoLabel.setWordWrap(True)
    panel.datasetInfoLabel.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

    panel.classCountsLabel = QLabel("", panel)
    panel.classCountsLabel.setObjectName("classCountsLabel")
    panel.classCountsLabel.setAccessibleName("Class counts")
    panel.classCountsLabel.setWordWrap(True)
    panel.classCountsLabel.setTextFormat(Qt.TextFormat.RichText)

    panel.dataPlot = pg.PlotWidget(panel)
    panel.dataPlot.setObjectName("dataPlot")
    panel.dataPlot.setAccessibleName("Data scatter plot")
    panel.dataPlot.setMinimumHeight(80)
    style_plot(panel.dataPlot)
    panel._points = PointSets(panel.dataPlot.getPlotItem())
    # No legend: it would sit on the points, and the class counts above the plot
    # already show each class's colour.
    panel.plotNoteLabel = QLabel("", panel)
    panel.plotNoteLabel.setObjectName("plotNoteLabel")
    panel.plotNoteLabel.setWordWrap(True)
    panel.plotNoteLabel.setVisible(False)

    panel.previewTable = QTableWidget(0, 0, panel)
    panel.previewTable.setObjectName("previewTable")
    panel.previewTable.setAccessibleName("Data preview")
    panel.previewTable.setToolTip(f"The first {PREVIEW_ROWS} rows: features, then target")
    panel.previewTable.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
    panel.previewTable.setAlternatingRowColors(True)
    panel.previewTable.verticalHeader().setDefaultSectionSize(20)
    panel.previewTable.setMinimumHeight(90)  # the header and three rows
    # Interactive, sized once per load (resize-to-contents would measure every cell
    # again at each change)
    panel.previewTable.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    panel.previewNoteLabel = QLabel("", panel)
    panel.previewNoteLabel.setObjectName("previewNoteLabel")
    panel.previewNoteLabel.setWordWrap(True)
    panel.previewNoteLabel.setVisible(False)

    panel.loadProgressBar = QProgressBar(panel)
    panel.loadProgressBar.setObjectName("loadProgressBar")
    panel.loadProgressBar.setAccessibleName("Loading progress")
    panel.loadProgressBar.setRange(0, 1000)
    panel.loadProgressBar.setFormat("Loading… %p%")
    panel.cancelLoadButton = QPushButton("Cancel", panel)
    panel.cancelLoadButton.setObjectName("cancelLoadButton")
    panel.cancelLoadButton.setAccessibleName("Cancel loading")
    panel.cancelLoadButton.setToolTip("Stop reading the file; the current data stays")
    panel.cancelLoadButton.clicked.connect(panel.cancel_load)
    panel._progress_timer = QTimer(panel)
    panel._progress_timer.setSingleShot(True)
    panel._progress_timer.timeout.connect(panel._show_load_row)

    # While a load runs, its progress bar and Cancel take the place of the chooser
    # (disabled then anyway). Two pages of one stack keep the panel's layout as it
    # is: showing the bar in a new row moved every widget below it, and the
    # window's repaint of all of them stalled the GUI for 100+ ms.
    choose_row = QWidget(panel)
    choose_layout = QHBoxLayout(choose_row)
    choose_layout.setContentsMargins(0, 0, 0, 0)
    choose_layout.addWidget(panel.datasetCombo, 1)
    choose_layout.addWidget(panel.openDatasetButton)
    panel._load_row = QWidget(panel)
    load_layout = QHBoxLayout(panel._load_row)
    load_layout.setContentsMargins(0, 0, 0, 0)
    load_layout.addWidget(panel.loadProgressBar, 1)
    load_layout.addWidget(panel.cancelLoadButton)
    panel._top = QStackedWidget(panel)
    panel._top.addWidget(choose_row)
    panel._top.addWidget(panel._load_row)
    panel._top.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
    # Target on its own row (column names can be long); task and split share one.
    form = QGridLayout()
    form.setContentsMargins(0, 0, 0, 0)
    for row, col, text, field in (
        (0, 0, "&Target", panel.targetCombo),
        (1, 0, "Tas&k", panel.taskCombo),
        (1, 2, "&Validation", panel.valSplitSpin),
    ):
        label = QLabel(text, panel)
        label.setBuddy(field)
        label.setToolTip(field.toolTip())
        form.addWidget(label, row, col)
        form.addWidget(field, row, col + 1, 1, 3 if row == 0 else 1)
    form.setColumnStretch(1, 1)

    # The scatter and the first rows share the room as two tabs: each gets enough
    # height to be useful in a window of ordinary size.
    plot_box = QWidget(panel)
    plot_layout = QVBoxLayout(plot_box)
    plot_layout.setContentsMargins(0, 0, 0, 0)
    plot_layout.setSpacing(2)
    plot_layout.addWidget(panel.dataPlot, 1)
    plot_layout.addWidget(panel.plotNoteLabel)
    table_box = QWidget(panel)
    table_layout = QVBoxLayout(table_box)
    table_layout.setContentsMargins(0, 0, 0, 0)
    table_layout.setSpacing(2)
    table_layout.addWidget(panel.previewNoteLabel)
    table_layout.addWidget(panel.previewTable, 1)
    panel.viewTabs = QTabWidget(panel)
    panel.viewTabs.setObjectName("dataViewTabs")
    panel.viewTabs.setAccessibleName("Data views")
    panel.viewTabs.setDocumentMode(True)
    panel.viewTabs.addTab(plot_box, "Scatter")
    panel.viewTabs.addTab(table_box, "Rows")
    panel.viewTabs.setTabToolTip(0, "The data: the first two features, coloured by target")
    panel.viewTabs.setTabToolTip(1, f"The first {PREVIEW_ROWS} rows as a table")

    layout = QVBoxLayout(panel)
    layout.setSpacing(4)
    layout.addWidget(panel._top)
    layout.addLayout(form)
    layout.addWidget(panel.datasetInfoLabel)
    layout.addWidget(panel.classCountsLabel)
    layout.addWidget(panel.viewTabs, 1)
