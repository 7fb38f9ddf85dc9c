"""PyTorch (CPU) as a peer of the bench: one measurement per process, like bench/worker.ts.

    python3 bench/peers/torch_bench.py < request.json   (bench/peers/torch.ts writes the request)
    python3 bench/peers/torch_bench.py --info           (one JSON line: torch's version, its BLAS)

The request is one JSON object: {"case": <a Case of bench/cases.ts>, "x": [[...]], "y": [[...]],
"implementation": "torch-1t" | "torch-all", "seconds": S}. The data are caseData's, so every
implementation trains on the same numbers. The network is the case's Dense stack (Keras' layout and
initialisers: Glorot-uniform kernels, zero biases), the loss and optimiser as Keras defines them.
A step is zero_grad, forward, loss, backward and the optimiser's step over tensors built once.
Calibration and measurement are bench/worker.ts's; the output is its one JSON line.
"""

import json
import os
import sys
import time

import torch
import torch.nn.functional as F

EPSILON = 1e-7  # Keras' backend epsilon: the probability clip and Adam's epsilon


def blas_libraries():
    """The BLAS/LAPACK shared objects this process has mapped (their real paths)."""
    try:
        with open("/proc/self/maps") as maps:
            paths = {line.split()[-1] for line in maps if "/" in line}
    except OSError:
        return []
    return sorted(p for p in paths if any(k in os.path.basename(p) for k in ("blas", "lapack", "mkl")))


def info():
    torch.mm(torch.ones(2, 2), torch.ones(2, 2))  # BLAS loaded, if lazily
    return {"torch": torch.__version__, "python": sys.executable, "blas": blas_libraries(), "cpus": os.cpu_count()}


def build(case):
    sizes = case["layers"]
    layers = []
    for i, (n_in, n_out) in enumerate(zip(sizes, sizes[1:])):
        linear = torch.nn.Linear(n_in, n_out, bias=case["useBias"])
        torch.nn.init.xavier_uniform_(linear.weight)  # Keras' glorotUniform
        if linear.bias is not None:
            torch.nn.init.zeros_(linear.bias)
        layers.append(linear)
        last = i == len(sizes) - 2
        activation = case["output"] if last else case["hidden"]
        if activation == "sigmoid":
            layers.append(torch.nn.Sigmoid())
        elif activation == "relu":
            layers.append(torch.nn.ReLU())
        elif activation == "softmax":
            layers.append(torch.nn.Softmax(dim=1))
        else:
            raise ValueError(f"torch_bench: unknown activation {activation!r}")
    return torch.nn.Sequential(*layers)


def loss_function(case):
    if case["loss"] == "meanSquaredError":
        return F.mse_loss  # mean over the batch and the outputs, as Keras' meanSquaredError
    if case["loss"] == "categoricalCrossentropy":
        # Keras' categorical_crossentropy on probabilities (from_logits false): renormalise, clip
        # to [eps, 1 - eps], -sum(y log p) per example, mean over the batch.
        def categorical_crossentropy(p, y):
            p = p / p.sum(dim=1, keepdim=True)
            p = p.clamp(EPSILON, 1 - EPSILON)
            return -(y * p.log()).sum(dim=1).mean()

        return categorical_crossentropy
    raise ValueError(f"torch_bench: unknown loss {case['loss']!r}")


def optimizer(case, parameters):
    if case["optimizer"] == "sgd":
        return torch.optim.SGD(parameters, lr=case["learningRate"])
    if case["optimizer"] == "adam":
        # Keras' Adam defaults (lr 1e-3, beta1 0.9, beta2 0.999, epsilon 1e-7).
        return torch.optim.Adam(parameters, lr=case["learningRate"], betas=(0.9, 0.999), eps=EPSILON)
    raise ValueError(f"torch_bench: unknown optimizer {case['optimizer']!r}")


def runner(case, x, y):
    model = build(case)
    loss_of = loss_function(case)
    opt = optimizer(case, model.parameters())
    xs = torch.tensor(x, dtype=torch.float32)
    ys = torch.tensor(y, dtype=torch.float32)

    def run(steps):
        for _ in range(steps):
            opt.zero_grad()
            loss = loss_of(model(xs), ys)
            loss.backward()
            opt.step()

    return run


def calibrate(run, target):
    """Grows the step count until one call takes at least `target` seconds (bench/worker.ts's)."""
    steps = 1
    while steps < 2**30:
        start = time.perf_counter()
        run(steps)
        if time.perf_counter() - start >= target:
            return steps
        steps *= 2
    raise RuntimeError("torch_bench: a step takes no measurable time")


def main():
    if sys.argv[1:] == ["--info"]:
        print(json.dumps(info()))
        return
    request = json.load(sys.stdin)
    case, implementation, seconds = request["case"], request["implementation"], float(request["seconds"])
    if implementation == "torch-1t":
        torch.set_num_threads(1)  # ATen's OpenMP pool, and so the OpenMP build of OpenBLAS
    elif implementation == "torch-all":
        torch.set_num_threads(os.cpu_count())
    else:
        raise ValueError(f"torch_bench: unknown implementation {implementation!r}")
    run = runner(case, request["x"], request["y"])
    steps = calibrate(run, min(0.5, seconds / 4))
    total = 0
    elapsed = 0.0
    while elapsed < seconds:
        start = time.perf_counter()
        run(steps)
        elapsed += time.perf_counter() - start
        total += steps
    per_second = total / elapsed * (case["batch"] if case["unit"] == "samples/s" else 1)
    print(json.dumps({"case": case["name"], "implementation": implementation, "perSecond": per_second, "steps": total, "seconds": elapsed}))


if __name__ == "__main__":
    main()
