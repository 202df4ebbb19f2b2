"""Language-model pretraining of a text classifier's embedding and encoder (Dai & Le, 2015).

Trained from scratch on a few thousand short texts, the word vectors and the recurrent encoder
learn from one label per text only. Before the classifier sees any label, `pretrain="lm"` trains
the same embedding and encoder to predict each word of the training texts from the words around
it, then fine-tuning starts from those weights. A bidirectional encoder's forward direction
predicts the next word and its backward direction the previous one: each direction reads only
its own side, so neither sees the word it predicts (a single layer; in a stacked bidirectional
encoder the upper layers would read both sides, which is why that is refused).

The output layer is an adaptive softmax over the vocabulary (Grave et al., 2017; the vocabulary's
ids are in order of frequency, as it needs): on rotten_tomatoes (1 thread), an epoch took 6 s
for the encoder alone, about 12 times that with a full softmax over 10,000 words (70-84 s) and
twice that with the adaptive one (12 s). It is dropped after pretraining; the classifier's
pooling and head start fresh.

The language model trains on the classifier's training texts only; the held-out validation
texts pick its kept epoch (the lowest validation loss), and never the test texts.

Why it is an option and not the default: on rotten_tomatoes (the benchmark's split, seeds 0, 1,
2) the test accuracy was 0.772, 0.783, 0.772 (mean 0.776) against the default's 0.776, 0.781,
0.764 (mean 0.773), within the seeds' spread, with a lower validation accuracy on every seed;
the fine-tuning did not start better nor end sooner (38-50 epochs against 34-50), and the 5
language-model epochs cost about as much as 8-10 classifier epochs (timed on a busy machine),
so the fit would pass 2 minutes on 2 cores. Only the training texts (about 176,000 words)
are there to learn from; Dai & Le's gains came with far more unlabelled text.
"""

from __future__ import annotations

import dataclasses
import sys
from collections.abc import Callable

import torch
from torch import nn

from forecaster.classification.batches import SequenceBatches
from forecaster.core import EmbeddingEncoderWithHead, RecurrentEncoder
from forecaster.data.choices import PRETRAIN
from forecaster.errors import ConfigError
from forecaster.training import History, TrainConfig, fit

LM_EPOCHS = 5  # passes of the language model over the training texts
HEAD_WORDS = 500  # the adaptive softmax's head: the most frequent words, scored in full
TAIL_CUTOFF = 2500  # words 500-2499 in one tail cluster, the rarer ones in another


def check_pretrain(pretrain: object, bidirectional: bool, num_layers: int) -> None:
    """ConfigError for an unknown `pretrain`, or a language model whose directions would see
    the word they predict (bidirectional with stacked layers)."""
    if not isinstance(pretrain, str) or pretrain not in PRETRAIN:
        raise ConfigError(f"pretrain={pretrain!r} is not known; use one of "
                          f"{', '.join(PRETRAIN)} (lm: pretrain the embedding and encoder as a "
                          f"language model on the training texts first).")
    if pretrain == "lm" and bidirectional and num_layers > 1:
        raise ConfigError(f"pretrain='lm' needs num_layers=1 with a bidirectional encoder "
                          f"(num_layers={num_layers} was given): from the second layer on, "
                          f"each direction reads the other's outputs and so the word it should "
                          f"predict. Use num_layers=1, bidirectional=False, or pretrain='none'.")


class LanguageModel(nn.Module):
    """A classifier network's embedding and encoder (shared, not copied) with an adaptive
    softmax over the vocabulary. Input (batch, time) ids and lengths -> the mean negative
    log-likelihood of the predicted words (a scalar): the forward direction's output at step t
    predicts word t + 1, the backward direction's predicts word t - 1."""

    def __init__(self, network: EmbeddingEncoderWithHead, dropout: float) -> None:
        super().__init__()
        self.embedding = network.embedding
        self.encoder: RecurrentEncoder = network.body.encoder
        self.dropout = nn.Dropout(dropout)
        words = self.embedding.num_embeddings
        cutoffs = [cut for cut in (HEAD_WORDS, TAIL_CUTOFF) if cut < words - 1]
        hidden = self.encoder.config.hidden_size
        self.output = (nn.AdaptiveLogSoftmaxWithLoss(hidden, words, cutoffs, div_value=4.0)
                       if cutoffs else None)
        self.linear = nn.Linear(hidden, words) if not cutoffs else None  # a tiny vocabulary

    def forward(self, ids: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        x = self.dropout(self.embedding(ids))  # (batch, time, embedding_dim)
        outputs, _ = self.encoder.sequence(x, lengths)  # (batch, time, width)
        outputs = self.dropout(outputs)
        hidden = self.encoder.config.hidden_size
        steps = torch.arange(ids.shape[1] - 1, device=ids.device)
        pairs = steps[None, :] + 1 < lengths[:, None]  # (batch, time - 1): both t, t+1 real
        states = [outputs[:, :-1, :hidden][pairs]]  # (n, hidden): read up to t
        targets = [ids[:, 1:][pairs]]  # (n,): word t + 1
        if self.encoder.config.bidirectional:
            states.append(outputs[:, 1:, hidden:][pairs])  # read from the end down to t + 1
            targets.append(ids[:, :-1][pairs])  # word t
        state, target = torch.cat(states), torch.cat(targets)  # (n or 2n, hidden), (n or 2n,)
        if not len(target):  # one-word texts only: nothing to predict
            return outputs.sum() * 0.0
        if self.output is not None:
            return self.output(state, target).loss
        return nn.functional.cross_entropy(self.linear(state), target)


def _own_loss(loss: torch.Tensor, _targets: torch.Tensor) -> torch.Tensor:
    """The fit loop's loss function for a model that scores its own predictions."""
    return loss


def _words(batches: SequenceBatches) -> SequenceBatches:
    """The texts as a batch source whose targets are unused (the words are their own)."""
    return SequenceBatches(batches.values, batches.lengths,
                           torch.zeros(len(batches), dtype=torch.long))


def pretrained_network(build: Callable[[], EmbeddingEncoderWithHead], train: SequenceBatches,
                       val: SequenceBatches, config: TrainConfig, epochs: int = LM_EPOCHS
                       ) -> tuple[Callable[[], EmbeddingEncoderWithHead], History]:
    """Build the classifier network under the run's seed, train its embedding and encoder as a
    language model on the `train` texts for `epochs` epochs (keeping the epoch with the
    lowest loss on the `val` texts), and return a builder that hands that network to the
    classifier's training, with the language model's History.

    The language model trains with the classifier's optimiser, learning rate, batch size,
    seed and device, and its own schedule (no early stopping: `epochs` is short). It reports
    to no run (its epochs would collide with the classifier's) and keeps no checkpoint: a
    classifier resumed from its checkpoint pretrains again, then takes the saved weights.
    """
    if config.progress != "off":
        print(f"Pretraining the embedding and encoder as a language model on "
              f"{len(train)} training texts ({epochs} epochs).", file=sys.stderr,
              flush=True)
    torch.manual_seed(config.seed)
    network = build()
    model = LanguageModel(network, network.dropout.p)
    lm_config = dataclasses.replace(config, epochs=epochs, patience=0, monitor="loss")
    history = fit(model, _words(train), _words(val) if len(val) else None, _own_loss,
                  lm_config)
    network.to("cpu")
    return (lambda: network), history
