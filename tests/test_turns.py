"""Pieces of GUI work run in order, each in its own turn of the event loop."""

from PySide6.QtCore import QCoreApplication, QEvent, QObject

from nnstudio.app.turns import Turns


class _Recorder(QObject):
    """Records the custom events posted to it, as ``"event <n>"``."""

    def __init__(self, log):
        super().__init__()
        self.log = log

    def event(self, ev):
        if ev.type() == QEvent.Type.User:
            self.log.append("event")
            return True
        return super().event(ev)


def test_each_piece_runs_after_the_events_the_one_before_posted(qtbot):
    log = []
    rec = _Recorder(log)
    turns = Turns()

    def piece(k):
        def run():
            log.append(f"piece {k}")
            QCoreApplication.postEvent(rec, QEvent(QEvent.Type.User))

        return run

    for k in range(3):
        turns.later(piece(k))
    assert log == [] and turns.busy()  # nothing runs before the event loop does
    qtbot.waitUntil(lambda: not turns.busy() and log[-1:] == ["event"], timeout=2000)
    assert log == ["piece 0", "event", "piece 1", "event", "piece 2", "event"]


def test_flush_runs_what_waits_now_in_order_including_pieces_added_meanwhile(qtbot):
    log = []
    turns = Turns()
    turns.later(lambda: (log.append(1), turns.later(lambda: log.append(3))))
    turns.later(lambda: log.append(2))
    turns.flush()
    assert log == [1, 2, 3] and not turns.busy()
    qtbot.wait(20)  # the timer started for the first piece runs nothing twice
    assert log == [1, 2, 3]


def test_a_piece_that_raises_does_not_stop_the_ones_after_it(qtbot):
    log = []
    turns = Turns()

    def bad():
        raise ValueError("boom")

    turns.later(bad)
    turns.later(lambda: log.append("after"))
    with qtbot.capture_exceptions() as errors:
        qtbot.waitUntil(lambda: log == ["after"], timeout=2000)
    assert [type(e[1]) for e in errors] == [ValueError]
