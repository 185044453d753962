"""Explain a BERT-like classifier on a tokenizer's output, and plot the explanation.

Needs the text extra: pip install 'harsanyi[text]'. Nothing is downloaded: the tokenizer is
built from a vocabulary written here and the model from a small config, trained for a few
seconds on made-up reviews whose label is "good" or "fun" unless "not" comes before it.
Usage: python examples/text_bert.py [out.png]  (HARSANYI_EXAMPLE_QUICK=1: 3 training steps)
"""
# needs: transformers

import os
import sys
import tempfile
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import torch
from transformers import BertConfig, BertForSequenceClassification, BertTokenizerFast

import harsanyi as hs
from harsanyi import plot

# -- a tokenizer and a model of our own (no download) -------------------------------------------
words = ["the", "movie", "film", "plot", "is", "was", "are", "very", "not", "good", "fun", "bad",
         "dull"]
vocab = Path(tempfile.mkdtemp()) / "vocab.txt"
vocab.write_text("\n".join(["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", *words, "##s"]))
tokenizer = BertTokenizerFast(str(vocab))
torch.manual_seed(0)
model = BertForSequenceClassification(BertConfig(
    vocab_size=tokenizer.vocab_size, hidden_size=32, num_hidden_layers=2, num_attention_heads=2,
    intermediate_size=64, max_position_embeddings=16))


def review(g: torch.Generator) -> tuple[str, int]:
    pick = lambda options: options[int(torch.randint(len(options), (1,), generator=g))]  # noqa: E731
    negated = bool(torch.rand(1, generator=g) < 0.5)
    adjective = pick(["good", "fun", "bad", "dull"])
    text = f"the {pick(['movie', 'movies', 'film', 'plot'])} {pick(['is', 'was', 'are'])} " \
           f"{'not' if negated else 'very'} {adjective}"
    return text, int((adjective in ("good", "fun")) != negated)


g = torch.Generator().manual_seed(0)
data = [review(g) for _ in range(256)]
batch = tokenizer([t for t, _ in data], padding=True, return_tensors="pt")
labels = torch.tensor([y for _, y in data])
opt = torch.optim.AdamW(model.parameters(), lr=1e-3)
for _ in range(3 if os.environ.get("HARSANYI_EXAMPLE_QUICK") else 150):
    rows = torch.randint(len(data), (64,), generator=g)
    loss = model(**{k: v[rows] for k, v in batch.items()}, labels=labels[rows]).loss
    opt.zero_grad()
    loss.backward()
    opt.step()
model.eval()

# -- the explanation: a tokenizer's output in, words as players, the mask token as baseline ------
enc = tokenizer(["the movies are not good"], return_tensors="pt")
game = hs.model_game(model, enc, players="words", tokenizer=tokenizer, target=1)
I = hs.and_or(game)
fig, (left, right) = plt.subplots(1, 2, figsize=(10, 3), layout="constrained")
plot.sentence(I, ax=left, title="words coloured by their strongest interaction")
plot.bar(I, k=8, ax=right, title="top AND and OR interactions (log-odds of 'positive')")
plt.savefig(sys.argv[1] if len(sys.argv) > 1 else "text_bert.png", dpi=120)

print(f"final training loss {loss.item():.3f}; players {I.players}")
print(f"v(N) = {float(game.v_full[0]):+.3f} is the model's log-odds on the sentence; "
      f"matching residual {float(I.residual.max()):.1e}")
for kind, players, value in plot.ranked(I, 5):
    print(f"{kind.upper():>3} {' '.join(I.players[i] for i in players):<24} {value:+.3f}")
