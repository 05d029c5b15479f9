"""What every ``nnstudio`` subcommand shares: the one-line error rule, stderr lines,
writing to stdout, output-path checks and the progress bars."""

from __future__ import annotations

import argparse
import contextlib
import math
import os
import sys
import time

from ..errors import NnstudioError

PROG = "nnstudio"
#: exit status for user errors (same as argparse) and for Ctrl-C (128 + SIGINT)
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130


class UserError(NnstudioError):
    """A problem with what the user asked for; ``str()`` is the one-line message."""


class Parser(argparse.ArgumentParser):
    """argparse with the one-line error rule: ``nnstudio: error: <message>`` and exit 2.

    The usage text is replaced by a pointer to ``--help`` so the error stays on one line.
    Options are never abbreviated: with argparse's prefix matching, ``lr-find --out x``
    silently meant ``--output-activation x`` (a misleading error at best).
    """

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("allow_abbrev", False)
        super().__init__(*args, **kwargs)

    def error(self, message: str):  # type: ignore[override]
        hint = f"; see '{self.prog} --help'"
        raise UserError(f"{message}{hint}")


def stderr(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def fail(message: str) -> int:
    message = " ".join(str(message).split("\n")).strip() or "failed"
    stderr(f"{PROG}: error: {message}")
    return EXIT_USAGE


@contextlib.contextmanager
def writing_stdout():
    """Writes to stdout that fail (a full disk behind ``> file``) become one UserError
    line; a closed pipe stays a BrokenPipeError (not an error, see ``main``)."""
    try:
        yield
    except BrokenPipeError:
        raise
    except OSError as exc:
        silence_stdout()  # or Python reports the same failure again when it exits
        raise UserError(
            f"standard output: cannot write the output ({exc.strerror or exc}); free some "
            "space or write to a file with --out"
        ) from exc


def silence_stdout() -> None:
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass


def check_output_path(out: str) -> None:
    """Refuse an output path that cannot be written (a folder, a device or FIFO, a
    missing or read-only folder) before spending time on training."""
    from ..io.atomic import check_writable

    check_writable(out, what="output file")


def finite(x):
    """JSON has no NaN/Inf: those become null."""
    if x is None:
        return None
    x = float(x)
    return x if math.isfinite(x) else None


def metric_text(name: str, value) -> str:
    if value is None or not math.isfinite(value):
        return f"{name} n/a"
    return f"accuracy {100 * value:.1f}%" if name == "accuracy" else f"R² {value:.4f}"


def epoch_text(rep) -> str:
    text = f"loss {rep.train_loss:.4g}"
    if rep.val_loss is not None:
        text += f", val {metric_text(rep.metric_name, rep.val_metric)}"
    else:
        text += f", {metric_text(rep.metric_name, rep.train_metric)}"
    return text


@contextlib.contextmanager
def reading_bar(source, enabled: bool):
    """A ``progress(fraction)`` callback for reading the file ``source`` that draws a bar on
    stderr once reading has taken a second (small files never show one); None when
    disabled or ``source`` is not a file (a sample name)."""
    if not enabled or not os.path.isfile(source):
        yield None
        return
    size = os.path.getsize(source)
    tty = sys.stderr.isatty() if hasattr(sys.stderr, "isatty") else False
    start = time.monotonic()
    bars = []  # made at the first report after a second (tqdm's own delay never drew)

    def progress(fraction: float) -> None:
        if not bars:
            if time.monotonic() - start < 1.0:
                return
            from tqdm import tqdm

            bars.append(
                tqdm(
                    total=size,
                    unit="B",
                    unit_scale=True,
                    desc=f"reading {os.path.basename(source)}",
                    file=sys.stderr,
                    dynamic_ncols=tty,
                    mininterval=0.1 if tty else 10.0,
                    leave=False,
                )
            )
        bars[0].update(max(int(fraction * size) - bars[0].n, 0))

    try:
        yield progress
    finally:
        if bars:
            bars[0].close()


def progress_bar(total: int, enabled: bool):
    if not enabled:
        return None
    from tqdm import tqdm

    tty = sys.stderr.isatty() if hasattr(sys.stderr, "isatty") else False
    # On a terminal tqdm redraws one line; in a log file it would append a line on every
    # redraw, so redraw rarely there.
    return tqdm(
        total=total,
        unit="epoch",
        file=sys.stderr,
        dynamic_ncols=tty,
        mininterval=0.1 if tty else 10.0,
        leave=True,
    )
