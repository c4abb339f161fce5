"""Time one training epoch of a 784-512-256-10 ReLU MLP and compare implementations.

The work: 60,000 x 784 inputs (random, float64), batch size 128 (469 minibatches,
the last one of 96), softmax cross-entropy, plain minibatch SGD (the book's
section 6 update; momentum and Adam are timed as extra rows).  Timed, in
one run and interleaved (round-robin, best of ``--repeats``), so that the
ratios compare like with like on a machine whose load varies:

* ``bare products``: only the matrix products one epoch needs: per minibatch
  the 3 forward products ``A @ W.T``, the 3 weight gradients ``delta.T @ A``
  and the 2 input gradients ``delta @ W`` of layers 3 and 2 (no one needs
  dL/dX of the first layer).  This is the yardstick (ratio 1.00).
* ``bare products + dX1``: the same plus the first layer's input gradient,
  for reference.
* ``nnlib``: ``nnlib.train.fit(..., epochs=1)`` with ``SGD``: shuffling,
  minibatch gathering, forward, loss, training accuracy, backward, update.
* ``nnlib momentum``, ``nnlib Adam``: the same with ``SGD(momentum=0.9)`` and
  with ``Adam`` (their updates touch every parameter 2-3 times more often).
* ``naive NumPy``: a straightforward NumPy training loop (fancy indexing, a
  fresh array for every intermediate, dL/dX for every layer).
* ``scikit-learn``: ``MLPClassifier(solver="sgd", momentum=0).partial_fit``
  (one pass over the data with the same batch size; float64 like its input).
* ``PyTorch``: ``torch.nn`` float64 model, ``torch.optim.SGD``, same batches
  (skipped if PyTorch is not installed; as many threads as NumPy's BLAS when
  ``OPENBLAS_NUM_THREADS`` is set).
* ``float32``: the bare products and nnlib again in single precision.

Run from the repository root::

    .venv/bin/python benchmarks/bench_epoch.py            # full size, 3 rounds
    .venv/bin/python benchmarks/bench_epoch.py --quick    # 10,000 examples, 1 round
    .venv/bin/python benchmarks/bench_epoch.py --n 20000 --paired 5 --stages 5 \\
        --skip scikit naive torch adam momentum float32   # where nnlib's time goes
"""

from __future__ import annotations

import argparse
import importlib.util
import itertools
import os
import platform
import statistics
import sys
import time
import warnings
from collections.abc import Callable

import numpy as np

from nnlib.losses import CrossEntropy
from nnlib.network import mlp
from nnlib.optim import SGD, Adam
from nnlib.train import fit

SIZES = [784, 512, 256, 10]
BATCH = 128
LR = 0.01
MOMENTUM = 0.0  # the comparison uses plain SGD; "nnlib momentum" uses 0.9
ROWS = ("bare products", "bare products + dX1", "nnlib", "nnlib momentum", "nnlib Adam",
        "naive NumPy", "scikit-learn", "PyTorch", "bare products float32", "nnlib float32")


def make_data(n: int, dtype: type) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    X = rng.random((n, SIZES[0])).astype(dtype)
    y = rng.integers(0, SIZES[-1], n)
    return X, y


def bare_operands(
    rng: np.random.Generator, dtype: type | np.dtype = np.float64
) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Random weights ``W_l`` (n_out, n_in) and error terms ``delta_l`` (BATCH, n_out)."""
    Ws = [rng.standard_normal((o, i)).astype(dtype) * 0.05 for i, o in itertools.pairwise(SIZES)]
    deltas = [rng.standard_normal((BATCH, o)).astype(dtype) for o in SIZES[1:]]
    return Ws, deltas


def bare_minibatch(
    A: np.ndarray, Ws: list[np.ndarray], deltas: list[np.ndarray], with_dX1: bool = False
) -> None:
    """Only the matrix products of one minibatch ``A`` (m, n_in)."""
    m = A.shape[0]
    acts = [A]
    for W in Ws:  # forward: A_l = A_{l-1} @ W_l^T
        acts.append(acts[-1] @ W.T)
    for layer in (2, 1, 0):  # backward
        delta = deltas[layer][:m]
        _ = delta.T @ acts[layer]  # dL/dW = delta^T A_{l-1}
        if layer > 0 or with_dX1:
            _ = delta @ Ws[layer]  # dL/dA_{l-1} = delta W


def bare_products(X: np.ndarray, with_dX1: bool) -> Callable[[], None]:
    """Only the matrix products of one epoch, on preallocated arrays."""
    Ws, deltas = bare_operands(np.random.default_rng(1), X.dtype)

    def run() -> None:
        for start in range(0, X.shape[0], BATCH):
            bare_minibatch(X[start : start + BATCH], Ws, deltas, with_dX1)

    return run


def nnlib_epoch(X: np.ndarray, y: np.ndarray, optimizer: str) -> Callable[[], None]:
    net = mlp(SIZES, rng=0, dtype=X.dtype)
    if optimizer == "sgd":
        opt = SGD(net.parameters(), lr=LR, momentum=MOMENTUM)
    elif optimizer == "momentum":
        opt = SGD(net.parameters(), lr=LR, momentum=0.9)
    else:
        opt = Adam(net.parameters(), lr=1e-3)
    loss = CrossEntropy()
    rng = np.random.default_rng(2)

    def run() -> None:
        fit(net, loss, opt, X, y, epochs=1, batch_size=BATCH, rng=rng, progress=False)

    return run


def naive_epoch(X: np.ndarray, y: np.ndarray) -> Callable[[], None]:
    """How one would first write it: clear, but allocating everywhere."""
    rng = np.random.default_rng(0)
    Ws = [rng.standard_normal((o, i)) * np.sqrt(2 / i) for i, o in itertools.pairwise(SIZES)]
    bs = [np.zeros(o) for o in SIZES[1:]]
    order_rng = np.random.default_rng(2)

    def run() -> None:
        order = order_rng.permutation(X.shape[0])
        for start in range(0, X.shape[0], BATCH):
            idx = order[start : start + BATCH]
            A, t = X[idx], y[idx]
            acts, zs = [A], []
            for i, (W, b) in enumerate(zip(Ws, bs, strict=True)):
                z = acts[-1] @ W.T + b
                zs.append(z)
                acts.append(np.maximum(z, 0) if i < 2 else z)
            z = acts[-1]
            p = np.exp(z - z.max(axis=1, keepdims=True))
            p = p / p.sum(axis=1, keepdims=True)
            Y = np.eye(SIZES[-1])[t]
            delta = (p - Y) / len(t)
            for i in (2, 1, 0):
                gW = delta.T @ acts[i]
                gb = delta.sum(axis=0)
                dA = delta @ Ws[i]
                if i > 0:
                    delta = dA * (zs[i - 1] > 0)
                Ws[i] = Ws[i] - LR * gW
                bs[i] = bs[i] - LR * gb

    return run


def sklearn_epoch(X: np.ndarray, y: np.ndarray) -> Callable[[], None] | None:
    if importlib.util.find_spec("sklearn") is None:
        return None
    from sklearn.neural_network import MLPClassifier

    clf = MLPClassifier(
        hidden_layer_sizes=tuple(SIZES[1:-1]),
        activation="relu",
        solver="sgd",
        batch_size=BATCH,
        learning_rate_init=LR,
        momentum=MOMENTUM,
        nesterovs_momentum=False,
        alpha=0.0,
        shuffle=True,
        random_state=0,
    )
    classes = np.arange(SIZES[-1])

    def run() -> None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            clf.partial_fit(X, y, classes=classes)

    return run


def torch_epoch(X: np.ndarray, y: np.ndarray) -> Callable[[], None] | None:
    if importlib.util.find_spec("torch") is None:
        return None
    import torch

    threads = os.environ.get("OPENBLAS_NUM_THREADS") or os.environ.get("OMP_NUM_THREADS")
    if threads:  # use as many threads as NumPy's BLAS, for a fair comparison
        torch.set_num_threads(int(threads))
    torch.manual_seed(0)
    layers: list[torch.nn.Module] = []
    for i, (n_in, n_out) in enumerate(itertools.pairwise(SIZES)):
        layers.append(torch.nn.Linear(n_in, n_out, dtype=torch.float64))
        if i < len(SIZES) - 2:
            layers.append(torch.nn.ReLU())
    model = torch.nn.Sequential(*layers)
    opt = torch.optim.SGD(model.parameters(), lr=LR, momentum=MOMENTUM)
    Xt = torch.from_numpy(X)
    yt = torch.from_numpy(y)
    gen = torch.Generator().manual_seed(2)
    loss_fn = torch.nn.CrossEntropyLoss()

    def run() -> None:
        order = torch.randperm(Xt.shape[0], generator=gen)
        for start in range(0, Xt.shape[0], BATCH):
            idx = order[start : start + BATCH]
            opt.zero_grad(set_to_none=True)
            loss_fn(model(Xt[idx]), yt[idx]).backward()
            opt.step()

    return run


def paired_minibatches(X: np.ndarray, y: np.ndarray, rounds: int) -> dict[str, float]:
    """Noise-robust estimate: interleave the methods minibatch by minibatch.

    For every minibatch the bare products, an nnlib SGD step and an nnlib
    momentum step (the same calls that ``fit`` makes: gather, forward, loss,
    accuracy, backward, update) are timed back to back, so all three see the
    same machine load.  The estimate of an epoch is the sum over minibatches
    of each one's best time over ``rounds`` passes.
    """
    from nnlib.train import accuracy

    n = X.shape[0]
    starts = list(range(0, n, BATCH))
    best = {name: np.full(len(starts), np.inf) for name in ("bare", "nnlib", "momentum")}
    rng = np.random.default_rng(1)
    Ws, deltas = bare_operands(rng)
    models = {}
    for name, mu in (("nnlib", 0.0), ("momentum", 0.9)):
        net = mlp(SIZES, rng=0)
        models[name] = (net, SGD(net.parameters(), lr=LR, momentum=mu), CrossEntropy())
    X_batch = np.empty((BATCH, X.shape[1]))
    y_batch = np.empty(BATCH, dtype=y.dtype)
    for _ in range(rounds):
        order = rng.permutation(n)
        for b, start in enumerate(starts):
            t0 = time.perf_counter()
            bare_minibatch(X[start : start + BATCH], Ws, deltas)
            best["bare"][b] = min(best["bare"][b], time.perf_counter() - t0)
            idx = order[start : start + BATCH]
            m = idx.shape[0]
            for name, (net, opt, loss) in models.items():
                t0 = time.perf_counter()
                Xb, yb = X_batch[:m], y_batch[:m]
                np.take(X, idx, axis=0, out=Xb)
                np.take(y, idx, axis=0, out=yb)
                out = net.forward(Xb)
                loss.forward(out, yb)
                accuracy(out, yb)
                net.backward(loss.backward(), input_grad=False)
                opt.step()
                best[name][b] = min(best[name][b], time.perf_counter() - t0)
    return {name: float(times.sum()) for name, times in best.items()}


STAGES = ("bare products", "gather", "forward", "loss + accuracy", "backward", "update")


def stage_profile(X: np.ndarray, y: np.ndarray, rounds: int) -> dict[str, float]:
    """Where an nnlib SGD minibatch spends its time, stage by stage, in ms per minibatch.

    Every minibatch times the bare products and then each stage of an nnlib
    SGD step (the calls ``fit`` makes) back to back; each stage keeps its best
    time per minibatch over ``rounds`` passes, summed over the minibatches and
    divided by their number.  Stages measured this way add up to slightly less
    than a whole step (each stage's best round is taken separately).
    """
    from nnlib.train import accuracy

    n = X.shape[0]
    starts = list(range(0, n, BATCH))
    best = {stage: np.full(len(starts), np.inf) for stage in STAGES}
    rng = np.random.default_rng(1)
    Ws, deltas = bare_operands(rng)
    net = mlp(SIZES, rng=0)
    opt, loss = SGD(net.parameters(), lr=LR), CrossEntropy()
    X_batch = np.empty((BATCH, X.shape[1]))
    y_batch = np.empty(BATCH, dtype=y.dtype)
    clock = time.perf_counter
    for _ in range(rounds):
        order = rng.permutation(n)
        for b, start in enumerate(starts):
            t0 = clock()
            bare_minibatch(X[start : start + BATCH], Ws, deltas)
            t1 = clock()
            idx = order[start : start + BATCH]
            m = idx.shape[0]
            Xb, yb = X_batch[:m], y_batch[:m]
            np.take(X, idx, axis=0, out=Xb)
            np.take(y, idx, axis=0, out=yb)
            t2 = clock()
            out = net.forward(Xb)
            t3 = clock()
            loss.forward(out, yb)
            accuracy(out, yb)
            t4 = clock()
            net.backward(loss.backward(), input_grad=False)
            t5 = clock()
            opt.step()
            t6 = clock()
            for stage, seconds in zip(STAGES, (t1 - t0, t2 - t1, t3 - t2, t4 - t3, t5 - t4,
                                               t6 - t5), strict=True):
                best[stage][b] = min(best[stage][b], seconds)
    return {stage: 1e3 * float(times.mean()) for stage, times in best.items()}


def time_once(fn: Callable[[], None]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=60_000, help="number of examples")
    parser.add_argument("--repeats", type=int, default=3, help="rounds (best of)")
    parser.add_argument("--quick", action="store_true", help="10,000 examples, 1 round")
    parser.add_argument("--skip", nargs="*", default=[], metavar="NAME",
                        help="skip rows whose name contains NAME (any case), e.g. scikit adam")
    parser.add_argument(
        "--paired",
        type=int,
        default=0,
        metavar="ROUNDS",
        help="also estimate nnlib / bare by interleaving minibatch by minibatch (noisy machines)",
    )
    parser.add_argument(
        "--stages",
        type=int,
        default=0,
        metavar="ROUNDS",
        help="also time each stage of an nnlib SGD minibatch (ms per minibatch)",
    )
    args = parser.parse_args()
    if args.quick:
        args.n, args.repeats = 10_000, 1
    unknown = [name for name in args.skip
               if not name or not any(name.lower() in row.lower() for row in ROWS)]
    if unknown:
        parser.error(f"--skip: expected parts of row names {list(ROWS)}, got {unknown}")

    X64, y = make_data(args.n, np.float64)
    X32 = X64.astype(np.float32)
    candidates: dict[str, Callable[[], None] | None] = {
        "bare products": bare_products(X64, with_dX1=False),
        "bare products + dX1": bare_products(X64, with_dX1=True),
        "nnlib": nnlib_epoch(X64, y, "sgd"),
        "nnlib momentum": nnlib_epoch(X64, y, "momentum"),
        "nnlib Adam": nnlib_epoch(X64, y, "adam"),
        "naive NumPy": naive_epoch(X64, y),
        "scikit-learn": sklearn_epoch(X64, y),
        "PyTorch": torch_epoch(X64, y),
        "bare products float32": bare_products(X32, with_dX1=False),
        "nnlib float32": nnlib_epoch(X32, y, "sgd"),
    }
    assert tuple(candidates) == ROWS
    runs = {k: v for k, v in candidates.items()
            if v is not None and not any(name.lower() in k.lower() for name in args.skip)}
    skipped = [k for k in candidates if k not in runs]
    times: dict[str, list[float]] = {k: [] for k in runs}
    for r in range(args.repeats):
        for name, fn in runs.items():
            times[name].append(time_once(fn))
            print(f"round {r + 1}: {name}: {times[name][-1]:.3f} s", file=sys.stderr, flush=True)

    print(
        f"one epoch: {args.n} x {SIZES[0]} inputs, MLP {'-'.join(map(str, SIZES))}, "
        f"batch {BATCH}; best of {args.repeats} interleaved rounds"
    )
    threads = os.environ.get("OPENBLAS_NUM_THREADS") or os.environ.get("OMP_NUM_THREADS")
    print(
        f"numpy {np.__version__}, python {platform.python_version()}, {os.cpu_count()} CPUs, "
        f"BLAS threads: {threads or 'default'}, load average {os.getloadavg()[0]:.1f}"
    )
    base64 = min(times["bare products"])
    base32 = min(times.get("bare products float32", [np.nan]))
    print(f"{'':24}{'best s':>9}{'median s':>10}{'ratio':>8}")
    for name, ts in times.items():
        base = base32 if "float32" in name else base64
        ratio = min(ts) / base
        print(f"{name:24}{min(ts):9.3f}{statistics.median(ts):10.3f}{ratio:8.2f}")
    print("ratio: best time / best bare-products time of the same dtype")
    if "nnlib float32" in times and "nnlib" in times:
        speedup = min(times["nnlib"]) / min(times["nnlib float32"])
        print(f"nnlib float32 speed-up over float64: {speedup:.2f}x")
    for name in skipped:
        print(f"skipped: {name}")
    if args.paired:
        est = paired_minibatches(X64, y, args.paired)
        print(
            f"paired per-minibatch estimate (sum of per-minibatch best of {args.paired}): "
            f"bare {est['bare']:.3f} s, nnlib {est['nnlib']:.3f} s "
            f"(ratio {est['nnlib'] / est['bare']:.2f}), nnlib momentum {est['momentum']:.3f} s "
            f"(ratio {est['momentum'] / est['bare']:.2f})"
        )
    if args.stages:
        ms = stage_profile(X64, y, args.stages)
        bare = ms.pop("bare products")
        print(f"stages of an nnlib SGD minibatch, ms (best of {args.stages} per minibatch, "
              f"mean over minibatches): bare products {bare:.3f}; "
              + ", ".join(f"{stage} {value:.3f}" for stage, value in ms.items())
              + f"; stages / bare products = {sum(ms.values()) / bare:.2f}")


if __name__ == "__main__":
    main()
