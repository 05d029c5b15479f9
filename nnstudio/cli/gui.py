"""``nnstudio gui`` (the default) and ``nnstudio samples``."""

from __future__ import annotations

from pathlib import Path

from .common import UserError, writing_stdout


def gui(args) -> int:
    from ..platform_check import check_gui_environment

    check_gui_environment()  # no display, missing libraries: one line, before Qt aborts
    try:
        from ..app import run_gui
    except (ImportError, OSError) as exc:
        reason = " ".join(str(exc).split()) or type(exc).__name__
        raise UserError(
            f"the desktop app is not available ({reason}); install the Qt system libraries "
            "listed in the README, or use `nnstudio train` / `nnstudio predict`"
        ) from exc
    return int(
        run_gui(
            dataset=getattr(args, "dataset", None),
            model=getattr(args, "model", None),
            project=getattr(args, "project", None),
        )
        or 0
    )


def samples_folder() -> Path | None:
    """The repository's ``samples/`` folder next to the package, when it is there."""
    folder = Path(__file__).resolve().parents[2] / "samples"
    return folder if folder.is_dir() else None


def samples() -> int:
    from ..data.samples import list_samples

    items = list_samples()
    width = max(len(n) for n, _ in items)
    lines = ["Built-in samples (use the name as DATA):"]
    lines += [f"  {name:<{width}}  {text}" for name, text in items]
    folder = samples_folder()
    csvs = sorted(folder.glob("*.csv")) if folder else []
    if csvs:
        lines += ["", f"CSV files in {folder}:", *(f"  {f.name}" for f in csvs)]
    with writing_stdout():
        print("\n".join(lines), flush=True)
    return 0
