"""Compare rnn_core.lstm (readable) and rnn_core.lstm_fast (training's) with torch.nn.LSTM (forward and every
gradient), where PyTorch happens to be installed.

PyTorch is not a dependency of RNN Lab, so this is a script, not a test (CI allows no skipped tests). The tests
check the conversion against PyTorch's recurrence written out in numpy in its own layout
(tests/test_lstm.py); this script checks it against the real library.

Run: python scripts/check_lstm_against_torch.py      (exit 0: identical to 1e-10; exit 1: a mismatch)
"""

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from rnn_core import lstm, lstm_fast  # noqa: E402

N, T, D, H = 2, 5, 3, 4


def main() -> int:
    try:
        import torch
    except ImportError:
        print("PyTorch is not installed here; nothing to compare (pip install torch to run this check).")
        return 0
    rng = np.random.default_rng(12)
    params = lstm.init_params(D, H, rng)
    X = rng.normal(size=(N, T, D))
    dH = rng.normal(size=(N, T, H))
    module = torch.nn.LSTM(D, H, batch_first=True).double()
    module.load_state_dict({k: torch.from_numpy(v) for k, v in lstm.params_to_torch(params).items()})
    X_t = torch.from_numpy(X).requires_grad_(True)
    out, _ = module(X_t)
    (out * torch.from_numpy(dH)).sum().backward()

    torch_grads = {name: p.grad.numpy() for name, p in module.named_parameters()}
    torch_grads["bias_hh_l0"] = np.zeros(4 * H)  # both biases get the same gradient; count it once
    as_ours = lstm.params_from_torch(torch_grads)
    checks = {}
    for implementation in (lstm, lstm_fast):
        Hs, _, cache = implementation.forward(X, params)
        grads = implementation.backward(dH, cache)
        tag = implementation.__name__.split(".")[-1]
        checks[f"{tag} H"] = np.allclose(Hs, out.detach().numpy(), rtol=1e-12, atol=1e-13)
        checks[f"{tag} X"] = np.allclose(grads["X"], X_t.grad.numpy(), rtol=1e-10, atol=1e-12)
        for name in params:
            checks[f"{tag} {name}"] = np.allclose(grads[name], as_ours[name], rtol=1e-10, atol=1e-12)
    for name, ok in checks.items():
        print(f"{name:16s} {'same' if ok else 'DIFFERENT'}")
    return 0 if all(checks.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
