"""Shapes, padding invariance, generation and configuration of the recurrent core."""

from __future__ import annotations

import itertools

import pytest
import torch
from torch import nn

from forecaster.core import CELLS, POOLINGS, EncoderConfig, EncoderWithHead, RecurrentEncoder
from forecaster.errors import ConfigError

FEATURES, HIDDEN, LAYERS = 3, 6, 2
ALL = list(itertools.product(CELLS, (False, True), POOLINGS))
IDS = [f"{cell}-{'bi' if bi else 'uni'}-{pool}" for cell, bi, pool in ALL]


def make(
    cell: str = "lstm", bidirectional: bool = False, pooling: str = "last", **kwargs
) -> RecurrentEncoder:
    torch.manual_seed(0)
    config = EncoderConfig(
        input_size=FEATURES,
        cell=cell,
        hidden_size=HIDDEN,
        num_layers=LAYERS,
        bidirectional=bidirectional,
        pooling=pooling,
        **kwargs,
    )
    return RecurrentEncoder(config).eval()


def test_cells_and_poolings_are_the_documented_ones() -> None:
    assert set(CELLS) == {"rnn", "lstm", "gru"}
    assert set(POOLINGS) == {"last", "mean", "attention"}


# --------------------------------------------------------------------------- shapes


@pytest.mark.parametrize(("cell", "bidirectional", "pooling"), ALL, ids=IDS)
def test_shapes(cell: str, bidirectional: bool, pooling: str) -> None:
    encoder = make(cell, bidirectional, pooling)
    width = HIDDEN * (2 if bidirectional else 1)
    assert encoder.output_size == encoder.config.output_size == width
    torch.manual_seed(1)
    x = torch.randn(4, 9, FEATURES)
    lengths = torch.tensor([9, 2, 5, 1])

    assert encoder(x).shape == (4, width)  # many-to-one
    assert encoder(x, lengths).shape == (4, width)
    outputs, state = encoder.sequence(x)  # many-to-many
    assert outputs.shape == (4, 9, width)
    h = state[0] if cell == "lstm" else state
    assert h.shape == (LAYERS * (2 if bidirectional else 1), 4, HIDDEN)
    outputs, _ = encoder.sequence(x, lengths)
    assert outputs.shape == (4, 9, width)
    # outputs past a sequence's length are zero
    for row, length in enumerate(lengths.tolist()):
        assert torch.all(outputs[row, length:] == 0)


@pytest.mark.parametrize("cell", CELLS)
def test_rnn_is_a_fused_torch_layer(cell: str) -> None:
    """No Python loop over time on the training path: the encoder wraps nn.RNN/LSTM/GRU."""
    expected = {"rnn": nn.RNN, "lstm": nn.LSTM, "gru": nn.GRU}[cell]
    encoder = make(cell)
    assert type(encoder.rnn) is expected
    assert encoder.rnn.batch_first
    assert encoder.rnn.num_layers == LAYERS
    assert encoder.rnn.hidden_size == HIDDEN
    assert encoder.rnn.input_size == FEATURES


def test_dropout_is_passed_to_stacked_layers_only() -> None:
    assert make("gru", dropout=0.3).rnn.dropout == pytest.approx(0.3)
    torch.manual_seed(0)
    single = RecurrentEncoder(EncoderConfig(input_size=FEATURES, num_layers=1, dropout=0.3))
    assert single.rnn.dropout == 0.0  # would warn in PyTorch otherwise


def test_encoder_with_head_shape() -> None:
    torch.manual_seed(0)
    config = EncoderConfig(
        input_size=FEATURES,
        cell="gru",
        hidden_size=HIDDEN,
        num_layers=1,
        bidirectional=True,
        pooling="attention",
    )
    model = EncoderWithHead(config, outputs=5).eval()
    x = torch.randn(4, 8, FEATURES)
    assert model(x).shape == (4, 5)
    assert model(x, torch.tensor([8, 3, 1, 6])).shape == (4, 5)
    assert model.head.in_features == 2 * HIDDEN


# --------------------------------------------------------------------------- padding


@pytest.mark.parametrize(("cell", "bidirectional", "pooling"), ALL, ids=IDS)
def test_padding_invariance(cell: str, bidirectional: bool, pooling: str) -> None:
    """Right-padding with garbage, given lengths, changes nothing in the pooled vectors."""
    encoder = make(cell, bidirectional, pooling)
    torch.manual_seed(2)
    lengths = [3, 7, 5]
    sequences = [torch.randn(1, n, FEATURES) for n in lengths]
    padded = torch.randn(len(lengths), 10, FEATURES) * 100.0  # garbage
    for row, seq in enumerate(sequences):
        padded[row, : seq.shape[1]] = seq[0]
    with torch.no_grad():
        batched = encoder(padded, torch.tensor(lengths))
        alone = torch.cat([encoder(seq) for seq in sequences])
    torch.testing.assert_close(batched, alone, rtol=0, atol=1e-6)


@pytest.mark.parametrize("cell", CELLS)
def test_final_state_is_at_last_real_step(cell: str) -> None:
    encoder = make(cell)
    torch.manual_seed(3)
    lengths = [4, 10, 2]
    sequences = [torch.randn(1, n, FEATURES) for n in lengths]
    padded = torch.randn(len(lengths), 10, FEATURES)
    for row, seq in enumerate(sequences):
        padded[row, : seq.shape[1]] = seq[0]
    with torch.no_grad():
        _, state = encoder.sequence(padded, torch.tensor(lengths))
        alone = [encoder.sequence(seq)[1] for seq in sequences]
    if cell == "lstm":
        for i in (0, 1):
            expected = torch.cat([s[i] for s in alone], dim=1)
            torch.testing.assert_close(state[i], expected, rtol=0, atol=1e-6)
    else:
        torch.testing.assert_close(state, torch.cat(alone, dim=1), rtol=0, atol=1e-6)


@pytest.mark.parametrize("pooling", POOLINGS)
def test_full_lengths_equal_no_lengths(pooling: str) -> None:
    encoder = make("lstm", True, pooling)
    torch.manual_seed(4)
    x = torch.randn(3, 6, FEATURES)
    with torch.no_grad():
        torch.testing.assert_close(
            encoder(x, torch.tensor([6, 6, 6])), encoder(x), rtol=0, atol=1e-6
        )


def test_attention_weights_ignore_padding() -> None:
    encoder = make("gru", pooling="attention")
    x = torch.randn(2, 5, FEATURES)
    with torch.no_grad():
        encoder(x, torch.tensor([2, 5]))
    weights = encoder.pool.last_weights
    assert weights.shape == (2, 5)
    assert torch.all(weights[0, 2:] == 0)
    torch.testing.assert_close(weights.sum(1), torch.ones(2))


# --------------------------------------------------------------------------- generate


@pytest.mark.parametrize("cell", CELLS)
def test_generate(cell: str) -> None:
    encoder = make(cell)
    torch.manual_seed(5)
    readout = nn.Linear(HIDDEN, FEATURES)
    x = torch.randn(2, 6, FEATURES)
    generated = encoder.generate(x, 4, readout)
    assert generated.shape == (2, 4, FEATURES)
    with torch.no_grad():
        first = readout(encoder.sequence(x)[0][:, -1])
        torch.testing.assert_close(generated[:, 0], first, rtol=0, atol=1e-6)
        # each later step is the readout after reading x and the steps generated before it
        for k in range(1, 4):
            history = torch.cat([x, generated[:, :k]], dim=1)
            expected = readout(encoder.sequence(history)[0][:, -1])
            torch.testing.assert_close(generated[:, k], expected, rtol=0, atol=1e-5)


def test_generate_rejects_bidirectional() -> None:
    encoder = make("lstm", bidirectional=True)
    readout = nn.Linear(2 * HIDDEN, FEATURES)
    with pytest.raises(ValueError, match="unidirectional"):
        encoder.generate(torch.randn(2, 5, FEATURES), 3, readout)


# --------------------------------------------------------------------------- config


@pytest.mark.parametrize(
    ("field", "value", "text"),
    [
        ("cell", "transformer", "cell='transformer' is not known; use one of rnn, lstm, gru."),
        ("cell", "LSTM", "cell='LSTM' is not known"),
        ("pooling", "max", "pooling='max' is not known; use one of last, mean, attention."),
        ("dropout", 1.0, "dropout=1.0 must be in [0, 1)"),
        ("dropout", -0.1, "dropout=-0.1 must be in [0, 1)"),
        ("dropout", "0.1", "dropout='0.1' must be in [0, 1)"),
        ("hidden_size", 0, "hidden_size=0 must be a positive whole number."),
        ("num_layers", 0, "num_layers=0 must be a positive whole number."),
        ("input_size", -2, "input_size=-2 must be a positive whole number."),
        ("bidirectional", "yes", "bidirectional='yes' must be True or False."),
    ],
)
def test_config_rejects_bad_values(field: str, value, text: str) -> None:
    """A bad architecture is the user's to fix: ConfigError (exit 2), never a bare ValueError
    that the CLI would report as a bug."""
    kwargs = {"input_size": FEATURES, field: value}
    with pytest.raises(ConfigError) as info:
        EncoderConfig(**kwargs)
    assert text in str(info.value)


def test_config_round_trips_through_dict() -> None:
    config = EncoderConfig(
        input_size=2,
        cell="rnn",
        hidden_size=7,
        num_layers=1,
        bidirectional=True,
        dropout=0.1,
        pooling="mean",
    )
    assert EncoderConfig(**config.to_dict()) == config
    assert config.output_size == 14


@pytest.mark.parametrize("cell", CELLS)
def test_a_batch_without_padding_skips_packing_with_the_same_results(cell: str) -> None:
    """Full-length batches take the fused unpacked path; beside a longer sequence the same
    three are packed. Outputs and final states agree, so the shortcut changes only speed."""
    encoder = make(cell, True, "attention")
    torch.manual_seed(5)
    x = torch.randn(3, 6, FEATURES)
    wider = torch.cat([x, torch.randn(3, 2, FEATURES) * 100.0], dim=1)  # garbage after step 6
    wider = torch.cat([wider, torch.randn(1, 8, FEATURES)])  # a fourth, longer sequence
    with torch.no_grad():
        fast, fast_state = encoder.sequence(x, torch.tensor([6, 6, 6]))
        packed, packed_state = encoder.sequence(wider, torch.tensor([6, 6, 6, 8]))
        pooled = encoder(x, torch.tensor([6, 6, 6]))
        pooled_packed = encoder(wider, torch.tensor([6, 6, 6, 8]))[:3]
    torch.testing.assert_close(fast, packed[:3, :6], rtol=0, atol=1e-5)
    for mine, theirs in zip(*(s if isinstance(s, tuple) else (s,)
                              for s in (fast_state, packed_state)), strict=True):
        torch.testing.assert_close(mine, theirs[:, :3], rtol=0, atol=1e-5)
    torch.testing.assert_close(pooled, pooled_packed, rtol=0, atol=1e-5)
