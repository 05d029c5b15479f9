import os

# Must happen before any QApplication exists, or Qt aborts the whole process
# on a machine without a screen.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
