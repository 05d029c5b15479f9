"""The two sides of the throughput benchmark, each run in a process of its own.

``python -m nnstudio.bench.sides SIDE CASE [--threads N]`` builds one side (``nnstudio``
or ``torch``) for one case of ``cases.CASES`` and then serves its parent over stdin and
stdout, one line each way:

- on start it prints ``{"ready": true, "backend": "...", "threads": n}`` (NumPy's BLAS
  and kernel, or PyTorch's version and BLAS library; the threads it trains this case
  with, a number or a text such as ``"1 (2 for dW)"``), or ``{"error": "..."}`` and
  exits;
- for each line ``run SECONDS`` it trains for about that long and prints
  ``{"samples": n, "seconds": t}``;
- ``quit`` or the end of stdin ends it.

Why processes: in one process the two libraries' thread pools interfere (on the medium
case torch measured 18.9k samples/s next to NumPy and 39k/s alone), so each side gets
its own and the parent makes them take turns while the other waits idle on stdin.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time

import numpy as np

from .cases import CASES, Case, case_data


class NnstudioSide:
    """nnstudio's real training loop: ``Trainer.step`` with SGD, float32, with the BLAS
    thread count ``Trainer.run`` and the app's worker use."""

    name = "nnstudio"

    def __init__(self, case: Case):
        from ..engine import MLP, Trainer, make_optimizer

        X, Y = case_data(case)
        net = MLP(case.layer_sizes, case.activations, case.loss, dtype=np.float32, seed=0)
        self.trainer = Trainer(
            net,
            X,
            Y,
            optimizer=make_optimizer("sgd", case.lr),
            batch_size=case.batch_size,
            epochs=10**9,
            seed=0,
        )

    def backend(self) -> tuple[str, int | str | None]:
        """(NumPy's BLAS, its threads while this case trains: a number, or e.g. ``"1 (2
        for dW)"`` when the weight-gradient products get more, see
        ``engine.trainer.blas_threads_for``)."""
        from ..engine.trainer import blas_threads_for
        from .machine import blas_info

        info = blas_info()
        with blas_threads_for(self.trainer.net.layer_sizes, self.trainer.batch_size) as widen:
            threads = blas_info()["threads"]
        if widen is not None:
            threads = f"{threads} ({info['threads']} for dW)"
        return f"NumPy {np.__version__}, BLAS {info['blas']}", threads

    def steps(self, seconds: float) -> tuple[int, float]:
        """Step for about ``seconds``; returns (samples, elapsed)."""
        step = self.trainer.step
        samples = 0
        with self.trainer.blas_threads():
            t0 = time.perf_counter()
            end = t0 + seconds
            while True:
                samples += step().batch_size
                t = time.perf_counter()
                if t >= end:
                    return samples, t - t0


class TorchSide:
    """``torch.nn.Sequential`` of Linear + activation, ``torch.optim.SGD``, the same loss,
    learning rate and batch size, shuffling each epoch as the Trainer does."""

    name = "torch"

    def __init__(self, case: Case, threads: int):
        import torch

        torch.set_num_threads(threads)
        self.torch = torch
        nn = torch.nn
        torch.manual_seed(0)
        layers = []
        sizes = case.layer_sizes
        acts = {"relu": nn.ReLU, "tanh": nn.Tanh}
        for i, (fi, fo) in enumerate(zip(sizes[:-1], sizes[1:])):
            layers.append(nn.Linear(fi, fo))
            if i < len(sizes) - 2:
                layers.append(acts[case.activations[i]]())
        self.model = nn.Sequential(*layers)
        self.opt = torch.optim.SGD(self.model.parameters(), lr=case.lr)
        X, Y = case_data(case)
        self.X = torch.from_numpy(X)
        if case.loss == "cross_entropy":
            # softmax output + cross-entropy: torch's fused log-softmax on the logits
            self.Y = torch.from_numpy(Y.argmax(axis=1))
            self.loss_fn = nn.functional.cross_entropy
        else:
            # nnstudio's mse is 1/(2m) sum (a - y)^2: half of torch's mean for one output
            self.Y = torch.from_numpy(Y)
            mse = nn.functional.mse_loss
            self.loss_fn = lambda out, y: 0.5 * mse(out, y)
        self.batch = case.batch_size
        self.n = X.shape[0]
        self.pos = self.n
        self.gen = torch.Generator().manual_seed(0)

    def backend(self) -> tuple[str, int | None]:
        """(PyTorch's version and BLAS, its threads)."""
        from .machine import torch_backend

        return torch_backend(self.torch), self.torch.get_num_threads()

    def steps(self, seconds: float) -> tuple[int, float]:
        torch = self.torch
        model, opt, loss_fn, bs, n = self.model, self.opt, self.loss_fn, self.batch, self.n
        samples = 0
        t0 = time.perf_counter()
        end = t0 + seconds
        while True:
            if self.pos >= n:
                perm = torch.randperm(n, generator=self.gen)
                self.Xs, self.Ys = self.X[perm], self.Y[perm]
                self.pos = 0
            lo, hi = self.pos, min(self.pos + bs, n)
            opt.zero_grad(set_to_none=True)
            loss = loss_fn(model(self.Xs[lo:hi]), self.Ys[lo:hi])
            loss.backward()
            opt.step()
            self.pos = hi
            samples += hi - lo
            t = time.perf_counter()
            if t >= end:
                return samples, t - t0


def _reply(doc: dict) -> None:
    sys.stdout.write(json.dumps(doc) + "\n")
    sys.stdout.flush()


def serve(side_name: str, case_name: str, threads: int | None) -> int:
    """Build one side and answer ``run SECONDS`` lines until ``quit`` or end of input."""
    case = CASES[case_name]
    try:
        if side_name == "torch":
            side = TorchSide(case, threads or os.cpu_count() or 1)
        else:
            side = NnstudioSide(case)
    except ImportError as exc:
        _reply({"error": f"{side_name} is not available: {exc}"})
        return 1
    backend, threads = side.backend()
    _reply({"ready": True, "backend": backend, "threads": threads})
    for line in sys.stdin:
        words = line.split()
        if not words or words[0] == "quit":
            break
        samples, elapsed = side.steps(float(words[1]))
        _reply({"samples": samples, "seconds": elapsed})
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m nnstudio.bench.sides")
    parser.add_argument("side", choices=("nnstudio", "torch"))
    parser.add_argument("case", choices=tuple(CASES))
    parser.add_argument("--threads", type=int, default=None)
    args = parser.parse_args(argv)
    if args.threads is None or args.side == "torch":
        return serve(args.side, args.case, args.threads)
    import threadpoolctl

    with threadpoolctl.threadpool_limits(limits=args.threads, user_api="blas"):
        return serve(args.side, args.case, args.threads)


if __name__ == "__main__":
    sys.exit(main())
