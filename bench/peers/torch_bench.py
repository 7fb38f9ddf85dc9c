"""PyTorch (CPU) as a peer of the bench: one measurement per process, like bench/worker.ts.

    python3 bench/peers/torch_bench.py < request.json   (bench/peers/torch.ts writes the request)
    python3 bench/peers/torch_bench.py --info           (one JSON line: torch's version, its BLAS)

The request is one JSON object: {"case": <a Case of bench/cases.ts>, "x": [[...]], "y": [[...]],
"implementation": "torch-1t" | "torch-all", "seconds": S}. The data are caseData's, so every
implementation trains on the same numbers. A dense case's network is its Dense stack (Keras' layout
and initialisers: Glorot-uniform kernels, zero biases); a recurrent case's is nn.Embedding, nn.RNN /
nn.LSTM / nn.GRU (bidirectional when the case says so) and a Linear with a sigmoid, initialised and
biased as Keras does; the nnlm case's is nn.Embedding, Linear, tanh, Linear and a softmax. The loss and optimiser are as Keras defines them. A step is zero_grad,
forward, loss, backward and the optimiser's step over tensors built once. Calibration and
measurement are bench/worker.ts's; the output is its one JSON line.
"""

import json
import math
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


class Recurrent(torch.nn.Module):
    """Embedding -> one recurrent layer, its last output (both directions' when bidirectional,
    forward's then backward's, as Keras concatenates them) -> Linear(1) -> sigmoid.

    Keras' initialisers: embeddings uniform(-0.05, 0.05); kernels Glorot-uniform (torch's
    xavier_uniform_ on weight_ih [G*U, F] has Keras' limit sqrt(6 / (F + G*U))); recurrent kernels
    orthogonal; biases zero, the LSTM's forget-gate bias 1 (unit_forget_bias). Keras' SimpleRNN and
    LSTM have one bias, torch's two (b_ih + b_hh): b_hh is held at zero and not trained. Keras 3's
    GRU (resetAfter) has an input and a recurrent bias, as torch's nn.GRU: both are trained.
    Gate order differs (torch's GRU is r, z, n; Keras' z, r, h) but every gate is initialised alike.
    """

    CELLS = {"simpleRNN": torch.nn.RNN, "lstm": torch.nn.LSTM, "gru": torch.nn.GRU}

    def __init__(self, case):
        super().__init__()
        units, cell = case["units"], case["cell"]
        self.embedding = torch.nn.Embedding(case["vocabulary"], case["embeddingDim"])
        torch.nn.init.uniform_(self.embedding.weight, -0.05, 0.05)
        self.rnn = self.CELLS[cell](case["embeddingDim"], units, batch_first=True, bidirectional=case["bidirectional"])
        for name, weight in self.rnn.named_parameters():
            if name.startswith("weight_ih"):
                torch.nn.init.xavier_uniform_(weight)
            elif name.startswith("weight_hh"):
                torch.nn.init.orthogonal_(weight)
            else:
                torch.nn.init.zeros_(weight)
                if cell == "lstm" and name.startswith("bias_ih"):
                    with torch.no_grad():
                        weight[units : 2 * units] = 1.0  # gates i, f, g, o: f's bias
                if cell != "gru" and name.startswith("bias_hh"):
                    weight.requires_grad_(False)
        self.dense = torch.nn.Linear(units * (2 if case["bidirectional"] else 1), 1)
        torch.nn.init.xavier_uniform_(self.dense.weight)
        torch.nn.init.zeros_(self.dense.bias)

    def forward(self, ids):
        _, state = self.rnn(self.embedding(ids))
        h = state[0] if isinstance(state, tuple) else state  # h_n: [directions, batch, units]
        last = h.transpose(0, 1).reshape(ids.shape[0], -1)
        return torch.sigmoid(self.dense(last))


class Nnlm(torch.nn.Module):
    """Embedding -> the window's vectors concatenated -> Linear(hidden) -> tanh -> Linear(vocabulary)
    -> softmax, as Keras' Embedding, Flatten, Dense(tanh), Dense(softmax). Keras' initialisers:
    embeddings uniform(-0.05, 0.05), Glorot-uniform kernels, zero biases."""

    def __init__(self, case):
        super().__init__()
        self.embedding = torch.nn.Embedding(case["vocabulary"], case["embeddingDim"])
        torch.nn.init.uniform_(self.embedding.weight, -0.05, 0.05)
        self.hidden = torch.nn.Linear(case["window"] * case["embeddingDim"], case["hidden"])
        self.output = torch.nn.Linear(case["hidden"], case["vocabulary"])
        for linear in (self.hidden, self.output):
            torch.nn.init.xavier_uniform_(linear.weight)
            torch.nn.init.zeros_(linear.bias)

    def forward(self, ids):
        projection = self.embedding(ids).reshape(ids.shape[0], -1)
        return torch.softmax(self.output(torch.tanh(self.hidden(projection))), dim=1)


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
    if case["loss"] == "binaryCrossentropy":
        # Keras' binary_crossentropy on probabilities: clip to [eps, 1 - eps], mean over the batch.
        def binary_crossentropy(p, y):
            p = p.clamp(EPSILON, 1 - EPSILON)
            return -(y * p.log() + (1 - y) * (1 - p).log()).mean()

        return binary_crossentropy
    if case["loss"] == "sparseCategoricalCrossentropy":
        # Keras' sparse_categorical_crossentropy on probabilities: the categorical one with the
        # labels as class ids: -log(clip(p_label / sum p)), mean over the batch.
        def sparse_categorical_crossentropy(p, y):
            p = p / p.sum(dim=1, keepdim=True)
            p = p.gather(1, y).clamp(EPSILON, 1 - EPSILON)
            return -p.log().mean()

        return sparse_categorical_crossentropy
    raise ValueError(f"torch_bench: unknown loss {case['loss']!r}")


class KerasRMSprop:
    """Keras 3's RMSprop (rho 0.9, epsilon 1e-7 inside the root): v = rho*v + (1-rho)*g^2;
    w -= lr * g / sqrt(v + eps). torch.optim.RMSprop puts eps outside the root (sqrt(v) + eps),
    which no constant eps can match, so the update is written out with torch's in-place ops."""

    def __init__(self, parameters, lr, rho=0.9, eps=EPSILON):
        self.parameters = [p for p in parameters if p.requires_grad]
        self.velocities = [torch.zeros_like(p) for p in self.parameters]
        self.lr, self.rho, self.eps = lr, rho, eps

    def zero_grad(self):
        for p in self.parameters:
            p.grad = None

    @torch.no_grad()
    def step(self):
        for p, v in zip(self.parameters, self.velocities):
            g = p.grad
            v.mul_(self.rho).addcmul_(g, g, value=1 - self.rho)
            p.addcdiv_(g, v.add(self.eps).sqrt_(), value=-self.lr)


class KerasAdam:
    """Keras 3's Adam, "epsilon hat" form: m = b1*m + (1-b1)*g; v = b2*v + (1-b2)*g^2;
    w -= lr*sqrt(1-b2^t)/(1-b1^t) * m / (sqrt(v) + eps). torch.optim.Adam adds eps to
    sqrt(v)/sqrt(1-b2^t), i.e. Keras' form with eps*sqrt(1-b2^t) in place of eps."""

    def __init__(self, parameters, lr, beta1=0.9, beta2=0.999, eps=EPSILON):
        self.parameters = [p for p in parameters if p.requires_grad]
        self.moments = [torch.zeros_like(p) for p in self.parameters]
        self.velocities = [torch.zeros_like(p) for p in self.parameters]
        self.lr, self.beta1, self.beta2, self.eps, self.t = lr, beta1, beta2, eps, 0

    def zero_grad(self):
        for p in self.parameters:
            p.grad = None

    @torch.no_grad()
    def step(self):
        self.t += 1
        alpha = self.lr * math.sqrt(1 - self.beta2**self.t) / (1 - self.beta1**self.t)
        for p, m, v in zip(self.parameters, self.moments, self.velocities):
            g = p.grad
            m.mul_(self.beta1).add_(g, alpha=1 - self.beta1)
            v.mul_(self.beta2).addcmul_(g, g, value=1 - self.beta2)
            p.addcdiv_(m, v.sqrt().add_(self.eps), value=-alpha)


def optimizer(case, parameters):
    if case["optimizer"] == "sgd":
        return torch.optim.SGD(parameters, lr=case["learningRate"])
    if case["optimizer"] == "adam" and case.get("kind") in ("recurrent", "nnlm"):
        return KerasAdam(parameters, lr=case["learningRate"])
    if case["optimizer"] == "adam":
        # Keras' Adam defaults (lr 1e-3, beta1 0.9, beta2 0.999, epsilon 1e-7); torch's eps is
        # Keras' scaled by sqrt(1 - beta2^t) (see KerasAdam). Kept for the MLP's earlier runs.
        return torch.optim.Adam(parameters, lr=case["learningRate"], betas=(0.9, 0.999), eps=EPSILON)
    if case["optimizer"] == "rmsprop":
        return KerasRMSprop(parameters, lr=case["learningRate"])
    raise ValueError(f"torch_bench: unknown optimizer {case['optimizer']!r}")


def runner(case, x, y):
    kind = case.get("kind", "dense")
    model = {"recurrent": Recurrent, "nnlm": Nnlm}.get(kind, build)(case)
    loss_of = loss_function(case)
    opt = optimizer(case, model.parameters())
    xs = torch.tensor(x, dtype=torch.float32 if kind == "dense" else torch.int64)
    ys = torch.tensor(y, dtype=torch.int64 if case["loss"] == "sparseCategoricalCrossentropy" else torch.float32)

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
