"""Token ids -> class logits: an embedding table in front of the shared encoder and head."""

from __future__ import annotations

import torch
from torch import nn

from forecaster.core.config import EncoderConfig
from forecaster.core.heads import EncoderWithHead

PADDING_ID = 0


class EmbeddingEncoderWithHead(nn.Module):
    """Embedding (id 0 = padding, kept at zero), then the recurrent encoder and a linear head.

    `encoder_config.input_size` must equal `embedding_dim`. Two regularisers act while
    training only: `word_dropout` replaces that share of the tokens by `unknown_id` (so the
    model cannot lean on single rare words, and learns to read around words it does not know),
    and `dropout` zeroes that share of the embedded values (the encoder's own dropout acts only
    between stacked layers). An optional `bag` module reads the same ids (after word dropout)
    and its logits are added to the encoder's (forecaster.core.bag). With
    `lengths` the sequences are packed, so padding never reaches the cell and never changes a
    prediction. Input (batch, time) int64 ids -> (batch, outputs) logits.

    Examples
    --------
    >>> import torch
    >>> config = EncoderConfig(input_size=8, cell="gru", hidden_size=4, num_layers=1)
    >>> model = EmbeddingEncoderWithHead(100, 8, config, outputs=2)
    >>> model(torch.tensor([[5, 7, 0], [3, 2, 9]]), torch.tensor([2, 3])).shape
    torch.Size([2, 2])
    """

    def __init__(self, vocab_size: int, embedding_dim: int, encoder_config: EncoderConfig,
                 outputs: int, dropout: float = 0.0, word_dropout: float = 0.0,
                 unknown_id: int = 1, bag: nn.Module | None = None) -> None:
        super().__init__()
        if encoder_config.input_size != embedding_dim:
            raise ValueError(f"encoder_config.input_size ({encoder_config.input_size}) must "
                             f"equal embedding_dim ({embedding_dim}): the encoder reads the "
                             f"embedded tokens.")
        if not 0.0 <= word_dropout < 1.0:
            raise ValueError(f"word_dropout must be in [0, 1), got {word_dropout}.")
        self.word_dropout = word_dropout
        self.unknown_id = unknown_id
        self.embedding = nn.Embedding(vocab_size, embedding_dim, padding_idx=PADDING_ID)
        self.dropout = nn.Dropout(dropout)
        self.body = EncoderWithHead(encoder_config, outputs)
        self.bag = bag  # e.g. forecaster.core.bag.NgramBag: its logits are added

    def forward(self, ids: torch.Tensor, lengths: torch.Tensor | None = None) -> torch.Tensor:
        if self.training and self.word_dropout > 0:
            hit = torch.rand(ids.shape, device=ids.device) < self.word_dropout  # (batch, time)
            ids = ids.masked_fill(hit & (ids != PADDING_ID), self.unknown_id)
        x = self.dropout(self.embedding(ids))  # (batch, time, embedding_dim)
        logits = self.body(x, lengths)  # (batch, outputs)
        return logits if self.bag is None else logits + self.bag(ids)
