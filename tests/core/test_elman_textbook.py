"""The Elman cell (EncoderConfig(cell="rnn")) is the textbook one.

    h_t = tanh(x_t W + h_{t-1} U + b),  h_0 = 0

checked against a float64 NumPy forward pass and a hand-written back-propagation through time.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

from forecaster.core import EncoderConfig, RecurrentEncoder

BATCH, STEPS, FEATURES, HIDDEN = 3, 7, 4, 5


def numpy_forward(x: np.ndarray, w: np.ndarray, u: np.ndarray, b: np.ndarray) -> np.ndarray:
    """x (batch, time, in), w (in, hidden), u (hidden, hidden), b (hidden) -> h."""
    batch, time, _ = x.shape
    h_prev = np.zeros((batch, u.shape[0]))
    hs = np.empty((batch, time, u.shape[0]))
    for t in range(time):
        h_prev = np.tanh(x[:, t] @ w + h_prev @ u + b)
        hs[:, t] = h_prev
    return hs


def numpy_bptt(
    x: np.ndarray, w: np.ndarray, u: np.ndarray, b: np.ndarray, c: np.ndarray, d: np.ndarray
) -> dict[str, np.ndarray]:
    """Gradients of L = sum(h_T * c) + sum_t sum(h_t * d_t), by hand, backwards through time."""
    hs = numpy_forward(x, w, u, b)
    batch, time, _ = x.shape
    dw, du, db = np.zeros_like(w), np.zeros_like(u), np.zeros_like(b)
    dx = np.zeros_like(x)
    dh_next = np.zeros((batch, u.shape[0]))  # dL/dh_t arriving from step t + 1
    for t in reversed(range(time)):
        dh = dh_next + d[:, t]
        if t == time - 1:
            dh = dh + c
        da = dh * (1.0 - hs[:, t] ** 2)  # through tanh
        h_prev = hs[:, t - 1] if t > 0 else np.zeros((batch, u.shape[0]))
        dw += x[:, t].T @ da
        du += h_prev.T @ da
        db += da.sum(axis=0)
        dx[:, t] = da @ w.T
        dh_next = da @ u.T
    return {"W": dw, "U": du, "b": db, "x": dx}


def loss_numpy(hs: np.ndarray, c: np.ndarray, d: np.ndarray) -> float:
    return float((hs[:, -1] * c).sum() + (hs * d).sum())


def make_encoder(num_layers: int = 1, bidirectional: bool = False) -> RecurrentEncoder:
    torch.manual_seed(0)
    config = EncoderConfig(
        input_size=FEATURES,
        cell="rnn",
        hidden_size=HIDDEN,
        num_layers=num_layers,
        bidirectional=bidirectional,
    )
    return RecurrentEncoder(config).double().eval()


def weights(encoder: RecurrentEncoder, layer: int, suffix: str = "") -> tuple[np.ndarray, ...]:
    rnn = encoder.rnn
    w = getattr(rnn, f"weight_ih_l{layer}{suffix}").detach().numpy().T
    u = getattr(rnn, f"weight_hh_l{layer}{suffix}").detach().numpy().T
    b = getattr(rnn, f"bias_ih_l{layer}{suffix}") + getattr(rnn, f"bias_hh_l{layer}{suffix}")
    return w, u, b.detach().numpy()


@pytest.fixture
def data() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(42)
    x = rng.normal(size=(BATCH, STEPS, FEATURES))
    c = rng.normal(size=(BATCH, HIDDEN))
    d = rng.normal(size=(BATCH, STEPS, HIDDEN))
    return x, c, d


def test_cell_is_tanh_elman() -> None:
    encoder = make_encoder()
    assert type(encoder.rnn) is torch.nn.RNN
    assert encoder.rnn.nonlinearity == "tanh"
    assert encoder.rnn.bias


def test_numpy_bptt_matches_finite_differences(data) -> None:
    """The reference itself is right: central differences on a few entries of each gradient."""
    x, c, d = data
    rng = np.random.default_rng(1)
    params = {
        "W": rng.normal(size=(FEATURES, HIDDEN)) * 0.5,
        "U": rng.normal(size=(HIDDEN, HIDDEN)) * 0.5,
        "b": rng.normal(size=HIDDEN) * 0.5,
        "x": x.copy(),
    }
    grads = numpy_bptt(params["x"], params["W"], params["U"], params["b"], c, d)
    eps = 1e-6
    for name, value in params.items():
        for index in [tuple(0 for _ in value.shape), tuple(s - 1 for s in value.shape)]:
            plus = {k: v.copy() for k, v in params.items()}
            minus = {k: v.copy() for k, v in params.items()}
            plus[name][index] += eps
            minus[name][index] -= eps
            lp = loss_numpy(numpy_forward(plus["x"], plus["W"], plus["U"], plus["b"]), c, d)
            lm = loss_numpy(numpy_forward(minus["x"], minus["W"], minus["U"], minus["b"]), c, d)
            assert grads[name][index] == pytest.approx((lp - lm) / (2 * eps), abs=1e-6)


def test_forward_matches_numpy(data) -> None:
    x, _, _ = data
    encoder = make_encoder()
    w, u, b = weights(encoder, 0)
    expected = numpy_forward(x, w, u, b)
    with torch.no_grad():
        outputs, state = encoder.sequence(torch.from_numpy(x))
    assert outputs.dtype == torch.float64
    assert outputs.shape == (BATCH, STEPS, HIDDEN)
    np.testing.assert_allclose(outputs.numpy(), expected, rtol=0, atol=1e-10)
    # the final state is h_T; many-to-one "last" pooling is h_T too
    np.testing.assert_allclose(state[0].numpy(), expected[:, -1], rtol=0, atol=1e-10)
    with torch.no_grad():
        pooled = encoder(torch.from_numpy(x))
    np.testing.assert_allclose(pooled.numpy(), expected[:, -1], rtol=0, atol=1e-10)


def test_autograd_matches_hand_bptt(data) -> None:
    x_np, c, d = data
    encoder = make_encoder()
    w, u, b = weights(encoder, 0)
    expected = numpy_bptt(x_np, w, u, b, c, d)

    x = torch.from_numpy(x_np.copy()).requires_grad_(True)
    outputs, _ = encoder.sequence(x)
    loss = (outputs[:, -1] * torch.from_numpy(c)).sum() + (outputs * torch.from_numpy(d)).sum()
    loss.backward()

    assert loss.item() == pytest.approx(loss_numpy(numpy_forward(x_np, w, u, b), c, d), abs=1e-10)
    rnn = encoder.rnn
    atol = 1e-10
    # torch keeps (out, in) matrices: grad of weight_ih is (dL/dW).T
    np.testing.assert_allclose(rnn.weight_ih_l0.grad.numpy().T, expected["W"], rtol=0, atol=atol)
    np.testing.assert_allclose(rnn.weight_hh_l0.grad.numpy().T, expected["U"], rtol=0, atol=atol)
    # both biases enter only through their sum: each one's gradient is dL/db
    np.testing.assert_allclose(rnn.bias_ih_l0.grad.numpy(), expected["b"], rtol=0, atol=atol)
    np.testing.assert_allclose(rnn.bias_hh_l0.grad.numpy(), expected["b"], rtol=0, atol=atol)
    np.testing.assert_allclose(x.grad.numpy(), expected["x"], rtol=0, atol=atol)


def test_stacked_two_layers_forward_matches_numpy(data) -> None:
    x, _, _ = data
    encoder = make_encoder(num_layers=2)
    h1 = numpy_forward(x, *weights(encoder, 0))
    h2 = numpy_forward(h1, *weights(encoder, 1))
    with torch.no_grad():
        outputs, state = encoder.sequence(torch.from_numpy(x))
    np.testing.assert_allclose(outputs.numpy(), h2, rtol=0, atol=1e-10)
    np.testing.assert_allclose(state[0].numpy(), h1[:, -1], rtol=0, atol=1e-10)
    np.testing.assert_allclose(state[1].numpy(), h2[:, -1], rtol=0, atol=1e-10)


def test_bidirectional_forward_matches_numpy(data) -> None:
    """Backward direction: the same recurrence run on the time-reversed sequence."""
    x, _, _ = data
    encoder = make_encoder(bidirectional=True)
    forward = numpy_forward(x, *weights(encoder, 0))
    backward = numpy_forward(x[:, ::-1], *weights(encoder, 0, "_reverse"))[:, ::-1]
    with torch.no_grad():
        outputs, _ = encoder.sequence(torch.from_numpy(x))
        pooled = encoder(torch.from_numpy(x))
    np.testing.assert_allclose(outputs[..., :HIDDEN].numpy(), forward, rtol=0, atol=1e-10)
    np.testing.assert_allclose(outputs[..., HIDDEN:].numpy(), backward, rtol=0, atol=1e-10)
    # "last" pooling: forward half at step T, backward half at step 0 (where it ends)
    expected = np.concatenate([forward[:, -1], backward[:, 0]], axis=1)
    np.testing.assert_allclose(pooled.numpy(), expected, rtol=0, atol=1e-10)
