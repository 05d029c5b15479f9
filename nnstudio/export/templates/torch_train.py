"""Train an nnstudio network design with PyTorch, on one process or many.

    python train.py DATA.csv --out model.npz [--epochs N]
    torchrun --nproc_per_node K train.py DATA.csv --out model.npz [--epochs N]

The design and the settings (``CONFIG`` below) come from the nnstudio model this script
was exported from: hidden layers and activations, output layer and loss, optimizer,
learning rate, batch size, epochs, L2, seed, schedule, patience, validation split, target
and task. Command-line options override some of them (``--help``).

What it does, in nnstudio's conventions:

- DATA is a CSV file (header row; the target column is ``CONFIG["target_name"]`` unless
  ``--target`` names another; the features are the model's feature columns when DATA has
  them all, else every other column) or an NPZ file with arrays ``X`` and ``y``.
- A seeded shuffle holds out ``val_split`` of the rows for validation, stratified by
  class for classification: the rows ``nnstudio train`` holds out for the same data,
  split and seed (and the same rows on every process). Features, and regression
  targets, are standardized with a mean and scale fitted on the training rows only
  (population std; 1 for a constant column).
- Losses as nnstudio defines them: cross-entropy on a softmax output, binary
  cross-entropy on one sigmoid unit (computed from the logits), ``mse`` = 1/(2m) * sum of
  squares. L2 weight decay adds ``l2 * W`` to the weights' gradients, never the biases'.
  Optimizers: sgd, momentum (optionally Nesterov), rmsprop (rho 0.9), adam; eps 1e-8.
- The schedule scales the learning rate before each epoch (constant; step: halve every
  quarter of the epochs; cosine; plateau: halve after 5 epochs without a 0.1% better
  loss). With validation rows, the epoch with the lowest validation loss is the best;
  ``patience`` > 0 stops after that many epochs without a new best, and ``restore_best``
  ends with the best epoch's weights.
- Under ``torchrun`` each process trains DistributedDataParallel (gloo on CPUs, nccl on
  GPUs) on its own shard of every epoch (``DistributedSampler``), with a mini-batch of
  ``batch_size`` rows per process (so K times that per step in all); gradients are
  averaged across processes at every step. Every process reads the whole file.

Rank 0 writes an nnstudio model file (``layers.{i}.weight`` (fan_out, fan_in),
``layers.{i}.bias``, ``input.mean``/``input.scale``, ``target.mean``/``target.scale``
for regression, and ``meta`` JSON) atomically: ``nnstudio predict`` and the nnstudio app
read it. Needs only torch and numpy.
"""

import argparse
import json
import math
import os
import sys
import tempfile

import numpy as np
import torch
import torch.distributed as dist
from torch.nn import functional as F
from torch.nn.parallel import DistributedDataParallel
from torch.utils.data import BatchSampler, DistributedSampler, RandomSampler

# export: inline
from ._table import DataFileError, npz_features, numeric_columns, read_npz, read_table

# export: inline
from ._torch_net import Net

CONFIG = {}  # export: config

PLATEAU_WAIT, PLATEAU_MIN_DELTA, PLATEAU_CUT, PLATEAU_MIN_FACTOR = 5, 1e-3, 0.5, 1 / 1024
RELU_FAMILY = ("relu", "leaky_relu", "elu")


# ------------------------------------------------------------------------------ data


def parse_labels(raw):
    """Class labels from CSV cells: integers when every cell is written as one, else
    the text as written."""
    try:
        values = [int(c) for c in raw]
    except ValueError:
        return list(raw)
    return values if all(str(v) == c for v, c in zip(values, raw)) else list(raw)


def sorted_labels(labels):
    unique = set(labels)
    if all(isinstance(v, int) for v in unique):
        return sorted(unique)
    return sorted({str(v) for v in unique})


def load_data(path, target):
    """``(X (n, d) float64, y, feature_names)``: ``y`` a list of class labels, or a
    float64 array (n, k) for regression."""
    regression = CONFIG["task"] == "regression"
    if path.lower().endswith((".npz", ".npy")):
        arrays = read_npz(path)
        if "y" not in arrays:
            raise DataFileError(f"{path}: needs an array y of targets")
        d = arrays["X"].shape[1]
        names = list(CONFIG["feature_names"])
        if len(names) != d and "feature_names" not in arrays:
            names = [f"x{j + 1}" for j in range(d)]
        elif "feature_names" in arrays and not set(names) <= {
            str(v) for v in arrays["feature_names"].tolist()
        }:
            names = [str(v) for v in arrays["feature_names"].tolist()]
        X = npz_features(path, arrays, names)
        y = arrays["y"]
        if len(y) != len(X):
            raise DataFileError(f"{path}: X has {len(X)} rows but y has {len(y)}")
        if regression:
            y = y.astype(np.float64).reshape(len(X), -1)
        else:
            y = y.reshape(len(X), -1)[:, 0].tolist()
            y = [v.decode() if isinstance(v, bytes) else v for v in y]
            y = [int(v) if isinstance(v, float) and v.is_integer() else v for v in y]
        return X, y, names
    header, rows = read_table(path)
    if target not in header:
        raise DataFileError(
            f"{path}: has no target column {target!r}; name it with --target (columns: "
            f"{', '.join(header[:30])})"
        )
    names = list(CONFIG["feature_names"])
    if not set(names) <= set(header) or target in names:
        names = [h for h in header if h != target]
    X = numeric_columns(path, header, rows, names)
    raw = [r[header.index(target)] for r in rows]
    if "" in raw:
        raise DataFileError(f"{path}: column {target!r} has an empty cell")
    if not regression:
        return X, parse_labels(raw), names
    try:
        y = np.array(raw, dtype=np.float64).reshape(-1, 1)
    except ValueError:
        raise DataFileError(f"{path}: the regression target {target!r} is not numeric") from None
    if not np.isfinite(y).all():
        raise DataFileError(f"{path}: the target {target!r} holds NaN or Inf")
    return X, y, names


def split(n, val_split, seed, labels=None, n_classes=0):
    """Training and validation row numbers, the rows ``nnstudio train`` holds out for the
    same data, split and seed: ``round(val_split * n)`` rows (at least 1 when val_split >
    0, at most n - 1); with class ``labels`` (0..n_classes-1) stratified, each class in
    proportion (largest remainder) and never its last row."""
    rng = np.random.default_rng(seed)
    if val_split == 0:
        return rng.permutation(n), np.empty(0, np.int64)
    n_val = min(max(int(round(val_split * n)), 1), n - 1)
    if labels is None:
        perm = rng.permutation(n)
        return perm[n_val:], perm[:n_val]
    groups = [rng.permutation(np.flatnonzero(labels == c)) for c in range(n_classes)]
    sizes = np.array([len(g) for g in groups], dtype=np.int64)
    quota = val_split * sizes
    caps = np.maximum(sizes - 1, 0)
    take = np.minimum(np.floor(quota).astype(np.int64), caps)
    remaining = n_val - int(take.sum())
    for c in np.argsort(-(quota - np.floor(quota)), kind="stable"):
        if remaining > 0 and take[c] < caps[c]:
            take[c] += 1
            remaining -= 1
    while remaining > 0 and np.any(take < caps):
        take[int(np.argmax(caps - take))] += 1
        remaining -= 1
    val = np.concatenate([g[:t] for g, t in zip(groups, take)]).astype(np.int64)
    train = np.concatenate([g[t:] for g, t in zip(groups, take)]).astype(np.int64)
    return rng.permutation(train), rng.permutation(val)


def standardizer(A):
    """``(mean, scale)`` per column; the scale of a constant column is 1."""
    mean, scale = A.mean(axis=0), A.std(axis=0)
    scale[(A.max(axis=0) == A.min(axis=0)) | (scale == 0)] = 1.0
    return mean, scale


# ------------------------------------------------------------------------------ training


def init_weights(net, seed):
    """He uniform for the ReLU family, Glorot uniform otherwise; biases zero."""
    gen = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for layer, act in zip(net.layers, net.activations):
            fan_out, fan_in = layer.weight.shape
            limit = math.sqrt(6.0 / fan_in if act in RELU_FAMILY else 6.0 / (fan_in + fan_out))
            layer.weight.copy_(torch.rand(layer.weight.shape, generator=gen) * 2 * limit - limit)
            layer.bias.zero_()


def make_optimizer(net, cfg, lr):
    groups = [
        {"params": [layer.weight for layer in net.layers], "weight_decay": cfg["l2"]},
        {"params": [layer.bias for layer in net.layers], "weight_decay": 0.0},
    ]
    name = cfg["optimizer"]
    if name == "sgd":
        return torch.optim.SGD(groups, lr=lr)
    if name == "momentum":
        return torch.optim.SGD(groups, lr=lr, momentum=cfg["momentum"], nesterov=cfg["nesterov"])
    if name == "rmsprop":
        return torch.optim.RMSprop(groups, lr=lr, alpha=0.9, eps=1e-8)
    return torch.optim.Adam(groups, lr=lr, betas=(0.9, 0.999), eps=1e-8)


def batch_loss(model, loss, xb, yb):
    """The batch-averaged loss, from the logits where the output activation allows."""
    if loss == "cross_entropy":
        return F.cross_entropy(model(xb, logits=True), yb)
    if loss == "binary_cross_entropy":
        z = model(xb, logits=True)
        return F.binary_cross_entropy_with_logits(z, yb, reduction="none").sum(1).mean()
    return 0.5 * (model(xb) - yb).pow(2).sum(1).mean()


class Schedule:
    """Factor on the base learning rate before each epoch (nnstudio's schedules)."""

    def __init__(self, name):
        self.name, self.plateau, self.best, self.wait = name, 1.0, math.inf, 0

    def factor(self, done, planned):
        if self.name == "step":
            return 0.5 ** (done // max(1, planned // 4))
        if self.name == "cosine":
            return 0.5 * (1.0 + math.cos(math.pi * min(done, planned) / planned))
        return self.plateau if self.name == "plateau" else 1.0

    def observe(self, loss):
        if self.name != "plateau" or loss is None or not math.isfinite(loss):
            return
        if self.best == math.inf or loss < self.best * (1 - PLATEAU_MIN_DELTA):
            self.best, self.wait = loss, 0
            return
        self.wait += 1
        if self.wait >= PLATEAU_WAIT:
            self.plateau, self.wait = max(self.plateau * PLATEAU_CUT, PLATEAU_MIN_FACTOR), 0


@torch.no_grad()
def evaluate(net, loss, task, X, Y):
    """``(loss, accuracy or R^2)`` of ``net`` on preprocessed rows."""
    value = float(batch_loss(net, loss, X, Y))
    out = net(X)
    if task == "classification":
        pred = (out[:, 0] >= 0.5).long() if out.shape[1] == 1 else out.argmax(1)
        truth = Y[:, 0].long() if Y.ndim == 2 else Y
        return value, float((pred == truth).double().mean())
    ss_tot = float(((Y - Y.mean(0)) ** 2).sum())
    return value, 1.0 - float(((out - Y) ** 2).sum()) / ss_tot if ss_tot > 0 else math.nan


# ------------------------------------------------------------------------------ output


def write_model(path, arrays, meta):
    """Write an nnstudio model file atomically (temporary file in the same folder, then a
    rename), with the usual permissions; a symlink is written through to its target."""
    path = os.path.realpath(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{os.path.basename(path)}.", suffix=".tmp",
                               dir=os.path.dirname(path))  # fmt: skip
    try:
        with os.fdopen(fd, "wb") as fh:
            np.savez(fh, **arrays, meta=np.array(json.dumps(meta)))
            fh.flush()
            os.fsync(fh.fileno())
        if os.path.exists(path):
            mode = os.stat(path).st_mode & 0o7777
        else:
            umask = os.umask(0)
            os.umask(umask)
            mode = 0o666 & ~umask
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def check_out(path):
    folder = os.path.dirname(os.path.abspath(path))
    if os.path.isdir(path):
        raise DataFileError(f"{path}: is a folder; give a file name such as model.npz")
    if not os.path.isdir(folder):
        raise DataFileError(f"{path}: the folder {folder!r} does not exist")


# ------------------------------------------------------------------------------ main


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("data", help="a CSV file (or NPZ with X and y)")
    p.add_argument("--out", required=True, help="the nnstudio model file to write (.npz)")
    p.add_argument("--epochs", type=int, default=CONFIG["epochs"])
    p.add_argument("--batch-size", type=int, default=CONFIG["batch_size"],
                   help="rows per step on each process")  # fmt: skip
    p.add_argument("--lr", type=float, default=CONFIG["lr"])
    p.add_argument("--seed", type=int, default=CONFIG["seed"])
    p.add_argument("--val-split", type=float, default=CONFIG["val_split"])
    p.add_argument("--target", default=CONFIG["target_name"])
    p.add_argument("--quiet", action="store_true", help="no progress lines")
    args = p.parse_args(argv)
    if args.epochs < 1 or args.batch_size < 1 or not args.lr > 0:
        p.error("--epochs and --batch-size must be >= 1 and --lr > 0")
    if not 0 <= args.val_split < 1:
        p.error("--val-split must be in [0, 1)")
    return args


def main(argv=None):
    args = parse_args(argv)
    cfg = dict(CONFIG, epochs=args.epochs, batch_size=args.batch_size, lr=args.lr,
               seed=args.seed, val_split=args.val_split, target_name=args.target)  # fmt: skip
    world = int(os.environ.get("WORLD_SIZE", "1"))
    rank = int(os.environ.get("RANK", "0"))
    distributed = world > 1
    if torch.cuda.is_available():
        device = torch.device("cuda", int(os.environ.get("LOCAL_RANK", "0")))
        torch.cuda.set_device(device)
    else:
        device = torch.device("cpu")
    if distributed:
        dist.init_process_group("nccl" if device.type == "cuda" else "gloo")

    def say(text):
        if rank == 0 and not args.quiet:
            print(text, file=sys.stderr, flush=True)

    try:
        check_out(args.out)
        X, y, names = load_data(args.data, cfg["target_name"])
        task, loss = cfg["task"], cfg["loss"]
        if task == "classification":
            known = cfg["classes"] or []
            if {str(v) for v in y} <= {str(c) for c in known}:
                classes = list(known)  # the design's classes, in its order
            else:
                classes = sorted_labels(y)
            if len(classes) < 2:
                raise DataFileError(f"{args.data}: the target has a single class")
            index = {str(c): j for j, c in enumerate(classes)}
            labels = np.array([index[str(v)] for v in y], dtype=np.int64)
            one_unit = cfg["output_units"] == 1 and cfg["output_activation"] == "sigmoid"
            if one_unit and len(classes) != 2:
                raise DataFileError(
                    f"{args.data}: the design has one sigmoid unit for two classes, and the "
                    f"data has {len(classes)}"
                )
            units = 1 if one_unit else len(classes)
        else:
            classes, units = None, y.shape[1]
    except DataFileError as exc:
        if rank == 0:
            print(f"train.py: error: {exc}", file=sys.stderr)
        if distributed:
            dist.destroy_process_group()
        return 2

    if task == "classification":
        train_rows, val_rows = split(len(X), cfg["val_split"], cfg["seed"], labels, len(classes))
    else:
        train_rows, val_rows = split(len(X), cfg["val_split"], cfg["seed"])
    mean, scale = standardizer(X[train_rows])
    Xs = torch.tensor((X - mean) / scale, dtype=torch.float32, device=device)
    if task == "classification":
        if units == 1:
            Y = torch.tensor(labels[:, None], dtype=torch.float32, device=device)
        else:
            Y = torch.tensor(labels, dtype=torch.long, device=device)
        t_mean = t_scale = None
    else:
        t_mean, t_scale = standardizer(y[train_rows])
        Y = torch.tensor((y - t_mean) / t_scale, dtype=torch.float32, device=device)
    X_tr, Y_tr = Xs[train_rows], Y[train_rows]
    X_va, Y_va = Xs[val_rows], Y[val_rows]

    sizes = [X.shape[1], *cfg["hidden_layers"], units]
    acts = [*cfg["hidden_activations"], cfg["output_activation"]]
    torch.manual_seed(cfg["seed"])
    net = Net(sizes, acts)
    init_weights(net, cfg["seed"])
    net.to(device)
    model = DistributedDataParallel(net) if distributed else net
    opt = make_optimizer(net, cfg, cfg["lr"])
    if distributed:
        sampler = DistributedSampler(range(len(train_rows)), num_replicas=world, rank=rank,
                                     shuffle=True, seed=cfg["seed"])  # fmt: skip
    else:
        sampler = RandomSampler(range(len(train_rows)),
                                generator=torch.Generator().manual_seed(cfg["seed"]))  # fmt: skip
    say(
        f"{args.data}: {len(X)} rows, {len(train_rows)} train / {len(val_rows)} validation; "
        f"network {'-'.join(map(str, sizes))} ({', '.join(acts)}; loss {loss}), "
        f"{cfg['optimizer']} lr {cfg['lr']:g}, {cfg['epochs']} epochs; {world} process(es) "
        f"on {device.type}, each {len(sampler)} rows per epoch in batches of {cfg['batch_size']}"
    )

    schedule = Schedule(cfg["schedule"])
    has_val = len(val_rows) > 0
    best_loss, best_epoch, best_state, since_best = math.inf, None, None, 0
    epoch = 0
    every = max(1, cfg["epochs"] // 20)
    metric = "accuracy" if task == "classification" else "r2"
    for epoch in range(1, cfg["epochs"] + 1):
        for group in opt.param_groups:
            group["lr"] = cfg["lr"] * schedule.factor(epoch - 1, cfg["epochs"])
        if distributed:
            sampler.set_epoch(epoch - 1)
        net.train()
        total = torch.zeros(2, dtype=torch.float64, device=device)
        for idx in BatchSampler(sampler, cfg["batch_size"], drop_last=False):
            idx = torch.as_tensor(idx, device=device)
            opt.zero_grad(set_to_none=True)
            value = batch_loss(model, loss, X_tr[idx], Y_tr[idx])
            value.backward()
            opt.step()
            total += torch.stack([value.detach().double() * len(idx), total.new_tensor(len(idx))])
        if distributed:
            dist.all_reduce(total)
        train_loss = float(total[0] / total[1])
        if not math.isfinite(train_loss):
            say(f"train.py: error: training diverged at epoch {epoch}; try a smaller --lr")
            if distributed:
                dist.destroy_process_group()
            return 1
        net.eval()
        val_loss = val_metric = None
        if has_val:
            val_loss, val_metric = evaluate(net, loss, task, X_va, Y_va)
            if val_loss < best_loss:
                best_loss, best_epoch, since_best = val_loss, epoch, 0
                best_state = {k: v.detach().clone() for k, v in net.state_dict().items()}
            else:
                since_best += 1
        schedule.observe(val_loss if has_val else train_loss)
        if epoch % every == 0 or epoch == cfg["epochs"]:
            val = (
                ""
                if val_loss is None
                else f", val loss {val_loss:.4g}, val {metric} {val_metric:.4f}"
            )  # noqa: E501
            say(f"epoch {epoch}/{cfg['epochs']}: loss {train_loss:.4g}{val}")
        stop = int(bool(cfg["patience"]) and since_best >= cfg["patience"])
        stop = torch.tensor([stop], device=device)  # nccl sends only tensors on the GPU
        if distributed:
            dist.broadcast(stop, 0)  # every process stops at the same epoch
        if stop.item():
            say(f"stopped early after epoch {epoch}: no better validation loss for "
                f"{cfg['patience']} epochs (best epoch {best_epoch})")  # fmt: skip
            break
    if not has_val:
        best_epoch = epoch
    elif cfg["restore_best"] and best_state is not None and best_epoch != epoch:
        net.load_state_dict(best_state)
        say(f"restored the weights of epoch {best_epoch} (lowest validation loss)")
    net.eval()

    if rank == 0:
        train_eval = evaluate(net, loss, task, X_tr, Y_tr)
        val_eval = evaluate(net, loss, task, X_va, Y_va) if has_val else (None, None)
        state = net.state_dict()
        arrays = {}
        for i in range(len(net.layers)):
            arrays[f"layers.{i}.weight"] = state[f"layers.{i}.weight"].cpu().numpy()
            arrays[f"layers.{i}.bias"] = state[f"layers.{i}.bias"].cpu().numpy()
        arrays["input.mean"], arrays["input.scale"] = mean, scale
        if task == "regression":
            arrays["target.mean"], arrays["target.scale"] = t_mean, t_scale
        keep = ("optimizer", "lr", "momentum", "nesterov", "batch_size", "epochs", "l2",
                "seed", "schedule", "patience", "restore_best", "val_split")  # fmt: skip
        meta = {
            "format": "nnstudio.mlp",
            "version": 1,
            "layer_sizes": sizes,
            "activations": acts,
            "loss": loss,
            "task": task,
            "classes": classes if classes is not None else [],
            "feature_names": names,
            "target_name": cfg["target_name"],
            "dtype": "float32",
            **{k: cfg[k] for k in keep},
            "best_epoch": best_epoch,
            "epochs_trained": epoch,
            "metrics": {
                "train_loss": train_eval[0],
                "val_loss": val_eval[0],
                f"train_{metric}": train_eval[1],
                f"val_{metric}": val_eval[1],
            },
            "dataset": args.data,
            "trained_with": {
                "script": "nnstudio torch-train export",
                "source_model": cfg["source_model"],
                "processes": world,
                "device": device.type,
                "torch": torch.__version__,
            },
        }
        write_model(args.out, arrays, meta)
        shown = "" if val_eval[0] is None else f", validation {metric} {val_eval[1]:.4f}"
        say(f"train {metric} {train_eval[1]:.4f}{shown}; saved {args.out}")
    if distributed:
        dist.barrier()
        dist.destroy_process_group()
    return 0


if __name__ == "__main__":
    sys.exit(main())
