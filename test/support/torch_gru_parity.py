"""PyTorch's side of test/codegen/torch-parity-gru.test.ts: trains small nn.GRU / nn.Linear stacks.

    /usr/bin/python3 test/support/torch_gru_parity.py < request.json

The request is one JSON object {"cases": [...]}; each case:
    {"layers": [{"type": "gru", "input": F, "units": U, "bias": bool, "returnSequences": bool}
                | {"type": "linear", "input": I, "units": O, "bias": bool}, ...],
     "params": {"<module index>.<torch parameter name>": [flat float32 values], ...},
     "x": [flat], "xShape": [B, T, F], "y": [flat], "yShape": [...],
     "learningRate": lr, "momentum": m, "steps": n}
Every parameter is given in PyTorch's own layout and names (the test maps Keras' layout to it), and
every one must be given: nothing keeps torch's random initialisation. A GRU layer is
nn.GRU(batch_first=True), one layer, unidirectional, from h_0 = 0; it passes on every step's output
or only the last. The loss is mean squared error over every number (Keras' mean over the outputs,
then over the batch), the optimiser torch.optim.SGD (its momentum buffer b = m·b + g, w -= lr·b).
Everything is float32. The answer is one JSON line {"cases": [{"losses": [...] (each step's loss,
before its update), "predictions": [flat, after the steps], "params": {name: [flat]}}, ...]}.
"""

import json
import sys

import torch
import torch.nn.functional as F


def build(layers):
    """The layers as a ModuleList: parameter names "<index>.<torch name>", e.g. "0.weight_ih_l0"."""
    modules = []
    for layer in layers:
        if layer["type"] == "gru":
            modules.append(torch.nn.GRU(layer["input"], layer["units"], num_layers=1, bias=layer["bias"], batch_first=True))
        elif layer["type"] == "linear":
            modules.append(torch.nn.Linear(layer["input"], layer["units"], bias=layer["bias"]))
        else:
            raise ValueError(f"torch_gru_parity: unknown layer {layer['type']!r}")
    return torch.nn.ModuleList(modules)


def forward(layers, modules, x):
    for layer, module in zip(layers, modules):
        if layer["type"] == "gru":
            out, _ = module(x)  # h_0 defaults to zeros
            x = out if layer["returnSequences"] else out[:, -1, :]
        else:
            x = module(x)
    return x


def run(case):
    layers = case["layers"]
    model = build(layers)
    state = model.state_dict()
    given = case["params"]
    if sorted(given) != sorted(state):
        raise ValueError(f"torch_gru_parity: parameters {sorted(given)} given, the model has {sorted(state)}")
    with torch.no_grad():
        for name, tensor in state.items():
            values = torch.tensor(given[name], dtype=torch.float32)
            if values.numel() != tensor.numel():
                raise ValueError(f"torch_gru_parity: {name} has {tensor.numel()} numbers, {values.numel()} given")
            tensor.copy_(values.reshape(tensor.shape))
    x = torch.tensor(case["x"], dtype=torch.float32).reshape(case["xShape"])
    y = torch.tensor(case["y"], dtype=torch.float32).reshape(case["yShape"])
    optimizer = torch.optim.SGD(model.parameters(), lr=case["learningRate"], momentum=case["momentum"])
    losses = []
    for _ in range(case["steps"]):
        optimizer.zero_grad()
        loss = F.mse_loss(forward(layers, model, x), y)  # reduction "mean": over every number
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    with torch.no_grad():
        predictions = forward(layers, model, x).reshape(-1).tolist()
    params = {name: tensor.reshape(-1).tolist() for name, tensor in model.state_dict().items()}
    return {"losses": losses, "predictions": predictions, "params": params}


def main():
    torch.set_num_threads(1)
    torch.set_default_dtype(torch.float32)
    request = json.load(sys.stdin)
    print(json.dumps({"cases": [run(case) for case in request["cases"]]}))


if __name__ == "__main__":
    main()
