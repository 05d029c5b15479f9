"""Training speed: the slider scale and the pacer's waits, on a clock the test drives
(no wall-clock assertions)."""

from __future__ import annotations

import math

import pytest

from nnstudio.pacing import SPEED_MAX, Pacer, steps_per_second


class FakeTime:
    """A clock that only moves when someone waits on the event (like a real wait)."""

    def __init__(self):
        self.now = 100.0
        self.waits: list[float] = []
        self.flag = False
        self.on_wait = None  # called with the timeout, may change the pacer meanwhile

    def clock(self) -> float:
        return self.now

    # the threading.Event interface the pacer uses
    def wait(self, timeout: float) -> bool:
        self.waits.append(timeout)
        if self.on_wait is not None:
            hook, self.on_wait = self.on_wait, None
            return hook(timeout)
        self.now += timeout
        return False

    def set(self) -> None:
        self.flag = True

    def clear(self) -> None:
        self.flag = False


def test_scale_from_slow_motion_to_full_speed():
    assert steps_per_second(0) == pytest.approx(2.0)
    assert steps_per_second(SPEED_MAX - 1) == pytest.approx(1000.0)
    assert steps_per_second(SPEED_MAX) is None
    rates = [steps_per_second(p) for p in range(SPEED_MAX)]
    ratios = [b / a for a, b in zip(rates, rates[1:])]
    # geometric: every notch is the same factor, (1000 / 2) ** (1 / 99)
    assert ratios == pytest.approx([math.exp(math.log(500) / 99)] * (SPEED_MAX - 1))
    assert steps_per_second(-5) == steps_per_second(0)
    assert steps_per_second(SPEED_MAX + 7) is None


def _pacer(position):
    t = FakeTime()
    return Pacer(position, clock=t.clock, event=t), t


def test_steps_are_spaced_one_over_the_rate_apart():
    p, t = _pacer(0)  # 2 steps a second
    assert p.wait() == 0.0  # the first step goes at once
    for _ in range(3):
        t.now += 0.1  # the step itself took 0.1 s
        assert p.wait() == pytest.approx(0.4)
    assert t.waits == pytest.approx([0.4, 0.4, 0.4])


def test_full_speed_never_waits():
    p, t = _pacer(SPEED_MAX)
    for _ in range(5):
        assert p.wait() == 0.0
    assert t.waits == []


def test_a_speed_change_applies_during_the_wait():
    p, t = _pacer(0)
    p.wait()

    def speed_up(timeout):
        t.now += 0.05  # 50 ms into a 500 ms wait the slider moves to full speed
        p.set_position(SPEED_MAX)
        return True

    t.on_wait = speed_up
    assert p.wait() == pytest.approx(0.05)
    assert t.waits == [pytest.approx(0.5)]


def test_slowing_down_mid_wait_waits_for_the_new_spacing():
    p, t = _pacer(SPEED_MAX - 1)  # 1000 steps a second
    p.wait()

    def slow_down(timeout):
        p.set_position(0)  # now 2 a second: the step is due 0.5 s after the last one
        return True

    t.on_wait = slow_down
    assert p.wait() == pytest.approx(0.5)


def test_stop_or_pause_ends_the_wait():
    p, t = _pacer(0)
    p.wait()
    stop = {"set": False}

    def press_stop(timeout):
        t.now += 0.1
        stop["set"] = True
        p.wake()
        return True

    t.on_wait = press_stop
    assert p.wait(lambda: stop["set"]) == pytest.approx(0.1)


def test_restart_after_pause_goes_at_once():
    p, t = _pacer(0)
    p.wait()
    p.restart()
    assert p.wait() == 0.0


def test_set_position_and_wake_set_the_real_event():
    import threading

    event = threading.Event()
    p = Pacer(0, event=event)
    p.set_position(40)
    assert event.is_set() and p.position == 40
    event.clear()
    p.wake()
    assert event.is_set()
