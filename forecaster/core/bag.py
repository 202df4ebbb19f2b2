"""A bag-of-n-grams branch beside the recurrent text encoder (fastText, Joulin et al., 2017).

On a few thousand short reviews a linear model of word and word-pair counts (TF-IDF + logistic
regression) beats a recurrent encoder trained from scratch; this branch gives the encoder such a
model beside it, their logits summed. On rotten_tomatoes it added 0.005 to the 3-seed mean,
inside the seeds' spread, so it is an option (benchmarks/README.md, "Text classification").
The branch is the mean of one learned vector per word and per hashed word pair, then a linear
layer; it reads the same token ids as the encoder, after the same word dropout.
"""

from __future__ import annotations

import torch
from torch import nn

from forecaster.core.embedding import PADDING_ID

NGRAMS: tuple[int, ...] = (0, 1, 2)  # 0: no branch; 1: words; 2: words and word pairs
BAG_NAMES = {1: "bag of words", 2: "bag of words and pairs"}  # how a label names the branch
PAIR_BUCKETS = 20_000  # word pairs are hashed into this many vectors (+1 for padding)
BAG_DIM = 16
_PRIME = 1_000_003


def pair_ids(ids: torch.Tensor) -> torch.Tensor:
    """(batch, time) word ids -> (batch, time - 1) ids of each pair of neighbours, hashed into
    1..PAIR_BUCKETS; a pair that touches padding is padding (0)."""
    pairs = (ids[:, :-1] * _PRIME + ids[:, 1:]) % PAIR_BUCKETS + 1
    real = (ids[:, :-1] != PADDING_ID) & (ids[:, 1:] != PADDING_ID)
    return pairs.masked_fill(~real, PADDING_ID)


class NgramBag(nn.Module):
    """(batch, time) token ids -> (batch, outputs) logits from the mean vector of the text's
    words (and word pairs when ngrams=2). Padding counts for nothing.

    Examples
    --------
    >>> import torch
    >>> bag = NgramBag(vocab_size=50, outputs=2, ngrams=2)
    >>> bag(torch.tensor([[5, 7, 0], [3, 2, 9]])).shape
    torch.Size([2, 2])
    """

    def __init__(self, vocab_size: int, outputs: int, ngrams: int, dropout: float = 0.5
                 ) -> None:
        super().__init__()
        if ngrams not in NGRAMS[1:]:
            raise ValueError(f"ngrams must be 1 or 2 for a bag branch, got {ngrams}.")
        self.words = nn.Embedding(vocab_size, BAG_DIM, padding_idx=PADDING_ID)
        self.pairs = (nn.Embedding(PAIR_BUCKETS + 1, BAG_DIM, padding_idx=PADDING_ID)
                      if ngrams == 2 else None)
        self.dropout = nn.Dropout(dropout)
        self.head = nn.Linear(BAG_DIM, outputs)

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        total = self.words(ids).sum(dim=1)  # (batch, BAG_DIM); padding rows are zero
        count = (ids != PADDING_ID).sum(dim=1, keepdim=True)  # (batch, 1)
        if self.pairs is not None and ids.shape[1] > 1:
            pairs = pair_ids(ids)  # (batch, time - 1)
            total = total + self.pairs(pairs).sum(dim=1)
            count = count + (pairs != PADDING_ID).sum(dim=1, keepdim=True)
        return self.head(self.dropout(total / count.clamp_min(1)))
