"""A tokenizer's output as the input of model_game: checked against the model on edited ids."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import harsanyi as hs
from harsanyi.errors import PlayerError, ShapeError
from harsanyi.games import Tokens, Words
from harsanyi.games.rewards import reward_from_outputs

VOCAB = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "a", "good", "movie", "bad", "not",
         "##s", "film", "is", "the", "very", "fun"]


def log_odds(logits: torch.Tensor, target: int) -> np.ndarray:
    return reward_from_outputs(logits.detach(), target, "log_odds").numpy()


def masked_ids(ids: torch.Tensor, groups: list[tuple[int, ...]], mask: int, token: int
               ) -> torch.Tensor:
    """The ids with every position of the players absent from ``mask`` replaced by ``token``."""
    out = ids.clone()
    for i, g in enumerate(groups):
        if not (mask >> i) & 1:
            out[list(g)] = token
    return out


# -- without transformers: a toy model with the Hugging Face calling convention
class ToyTextModel(torch.nn.Module):
    def __init__(self) -> None:
        super().__init__()
        torch.manual_seed(0)
        self.emb = torch.nn.Embedding(len(VOCAB), 4)
        self.head = torch.nn.Linear(4, 2)

    def get_input_embeddings(self) -> torch.nn.Module:
        return self.emb

    def forward(self, input_ids=None, inputs_embeds=None, attention_mask=None):
        x = self.emb(input_ids) if inputs_embeds is None else inputs_embeds
        w = attention_mask[..., None].to(x.dtype)
        h = torch.tanh((x * w).sum(1) * 3.0)
        return self.head(h * h.roll(1, dims=1))


def test_toy_model_matches_the_edited_ids_and_keeps_special_tokens():
    model = ToyTextModel().eval()
    ids = torch.tensor([[2, 13, 7, 12, 6, 3], [2, 5, 8, 11, 3, 0]])
    enc = {"input_ids": ids, "attention_mask": (ids != 0).long(),
           "special_tokens_mask": torch.isin(ids, torch.tensor([0, 2, 3])).long()}
    game = hs.model_game(model, enc, Tokens([1, 2, 3]), baselines="token=4", target=1)
    assert game.metadata["baseline"] == "token=4"
    for b in range(2):
        for m in range(8):
            edited = masked_ids(ids[b], [(1,), (2,), (3,)], m, 4)
            if b == 0:
                edited[4] = 4  # a word of no player: at the baseline (outside="masked")
            want = log_odds(model(input_ids=edited[None], attention_mask=enc["attention_mask"]
                                  [b:b + 1]), 1)
            np.testing.assert_allclose(game.values[b, m], want[0], rtol=1e-6, atol=1e-6)
    # names per sentence, from the ids when no tokenizer is given
    assert game[0].players == ["tok1", "tok2", "tok3"]


def test_a_plain_dict_has_no_words_and_says_so():
    model = ToyTextModel().eval()
    enc = {"input_ids": [[2, 13, 7, 3]], "attention_mask": [[1, 1, 1, 1]],
           "special_tokens_mask": [[1, 0, 0, 1]]}
    with pytest.raises(PlayerError, match="word ids of a fast tokenizer"):
        hs.model_game(model, enc, "words", baselines="zero")
    with pytest.raises(PlayerError, match="'words', 'tokens'"):
        hs.model_game(model, enc, "sentences", baselines="zero")
    with pytest.raises(ShapeError, match="needs 'input_ids'"):
        hs.model_game(model, {"attention_mask": [[1]]}, "tokens")
    with pytest.warns(UserWarning, match="no tokenizer= given"):
        game = hs.model_game(model, enc, "tokens", target=0)
    assert game.metadata["baseline"] == "zero embedding" and game.n == 2


# -- with transformers ---------------------------------------------------------------------
@pytest.fixture(scope="module")
def bert(tmp_path_factory):
    transformers = pytest.importorskip(
        "transformers", reason="the 'text' extra (transformers) is not installed: "
        "pip install 'harsanyi[text]'")
    path = tmp_path_factory.mktemp("vocab") / "vocab.txt"
    path.write_text("\n".join(VOCAB))
    tok = transformers.BertTokenizerFast(str(path))
    torch.manual_seed(0)
    cfg = transformers.BertConfig(vocab_size=len(VOCAB), hidden_size=16, num_hidden_layers=2,
                                  num_attention_heads=2, intermediate_size=32,
                                  max_position_embeddings=16, initializer_range=0.5)
    return transformers.BertForSequenceClassification(cfg).eval(), tok


def test_bert_words_match_the_model_on_masked_ids(bert):
    model, tok = bert
    enc = tok(["the movies is good", "a bad film is"], padding=True, return_tensors="pt")
    game = hs.model_game(model, enc, "words", tokenizer=tok, target=1)
    assert game.metadata["baseline"] == "token=4 (mask)"
    assert game[0].players == ["the", "movies", "is", "good"]
    assert game.metadata["sample_players"][1][:3] == ["a", "bad", "film"]
    with torch.no_grad():
        full = log_odds(model(**enc).logits, 1)
    np.testing.assert_allclose(game.v_full, full, rtol=1e-5, atol=1e-6)  # v(x_N) = f(x)
    groups = [(1,), (2, 3), (4,), (5,)]  # "movies" = movie ##s: one player
    for m in range(16):
        edited = masked_ids(enc["input_ids"][0], groups, m, tok.mask_token_id)
        with torch.no_grad():
            want = log_odds(model(input_ids=edited[None]).logits, 1)[0]
        np.testing.assert_allclose(game.values[0, m], want, rtol=1e-5, atol=1e-6)


def test_bert_sentences_of_different_lengths_and_chosen_words(bert):
    model, tok = bert
    enc = tok(["the movie is very good", "a bad film"], padding=True, return_tensors="pt")
    with pytest.raises(PlayerError, match="sample 1 has 3 players, sample 0 has 5"):
        hs.model_game(model, enc, "words", tokenizer=tok)
    with pytest.raises(PlayerError, match="word 4 does not exist: sentence 1 has 3 words"):
        hs.model_game(model, enc, Words([0, 4]), tokenizer=tok)
    game = hs.model_game(model, enc, Words([1, 2]), tokenizer=tok, target=0)
    assert game.metadata["sample_players"] == [["movie", "is"], ["bad", "film"]]
    # padding of sentence 1 stays padding: v(N) is the model's output on the padded batch
    with torch.no_grad():
        full = log_odds(model(**enc).logits, 0)
    assert abs(game.values[1, 0b11] - full[1]) > 0  # other words are masked (outside=masked)
    present = hs.model_game(model, enc, Words([1, 2]), tokenizer=tok, target=0,
                            outside="present")
    np.testing.assert_allclose(present.v_full, full, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("baseline", ["pad", "zero"])
def test_bert_pad_and_zero_baselines(bert, baseline):
    model, tok = bert
    enc = tok(["a good film"], return_tensors="pt")
    game = hs.model_game(model, enc, "tokens", baselines=baseline, tokenizer=tok, target=1)
    ids = enc["input_ids"]
    emb = model.get_input_embeddings()
    with torch.no_grad():
        x = emb(ids)
        masked = x.clone()
        masked[0, 1:4] = emb.weight[tok.pad_token_id] if baseline == "pad" else 0.0
        want = log_odds(model(inputs_embeds=masked).logits, 1)[0]  # [CLS], [SEP] kept
    np.testing.assert_allclose(game.values[0, 0], want, rtol=1e-5, atol=1e-6)


def test_a_special_token_is_masked_only_when_it_is_a_player(bert):
    model, tok = bert
    enc = tok(["a good film"], return_tensors="pt")
    game = hs.model_game(model, enc, Tokens([0, 2]), tokenizer=tok, target=1)
    assert game.players == ["[CLS]", "good"]
    for m in range(4):
        edited = masked_ids(enc["input_ids"][0], [(0,), (2,)], m, tok.mask_token_id)
        edited[[1, 3]] = tok.mask_token_id  # outside="masked": other words at the baseline
        with torch.no_grad():
            want = log_odds(model(input_ids=edited[None]).logits, 1)[0]
        np.testing.assert_allclose(game.values[0, m], want, rtol=1e-5, atol=1e-6)


def test_gpt2_next_token_logit_with_left_padding(tmp_path):
    transformers = pytest.importorskip(
        "transformers", reason="the 'text' extra (transformers) is not installed")
    tokenizers = pytest.importorskip("tokenizers", reason="tokenizers is not installed")
    vocab = {w: i for i, w in enumerate(["<pad>", "<unk>", "the", "cat", "sat", "on", "mat",
                                         "a", "dog"])}
    raw = tokenizers.Tokenizer(tokenizers.models.WordLevel(vocab, unk_token="<unk>"))
    raw.pre_tokenizer = tokenizers.pre_tokenizers.Whitespace()
    tok = transformers.PreTrainedTokenizerFast(tokenizer_object=raw, pad_token="<pad>",
                                               unk_token="<unk>", padding_side="left")
    torch.manual_seed(0)
    cfg = transformers.GPT2Config(vocab_size=len(vocab), n_embd=16, n_layer=2, n_head=2,
                                  n_positions=16, initializer_range=0.5)
    model = transformers.GPT2LMHeadModel(cfg).eval()
    enc = tok(["cat sat on", "a dog sat on the"], padding=True, return_tensors="pt")
    assert enc["attention_mask"][0].tolist() == [0, 0, 1, 1, 1]
    target = vocab["mat"]
    game = hs.model_game(model, enc, Words([0, 1, 2]), tokenizer=tok, reward="logit",
                         target=target, outside="present")
    assert game.metadata["baseline"] == "token=0 (pad)"  # no mask token: the pad token
    assert game.metadata["sample_players"] == [["cat", "sat", "on"], ["a", "dog", "sat"]]
    groups = [[(2,), (3,), (4,)], [(0,), (1,), (2,)]]
    for b in range(2):
        for m in range(8):
            edited = masked_ids(enc["input_ids"][b], groups[b], m, 0)
            with torch.no_grad():
                want = model(input_ids=edited[None],
                             attention_mask=enc["attention_mask"][b:b + 1]).logits[0, -1, target]
            np.testing.assert_allclose(game.values[b, m], float(want), rtol=1e-5, atol=1e-5)


def test_an_unknown_word_is_a_player_not_a_special_token(bert):
    model, tok = bert
    enc = tok(["the plot is good"], return_tensors="pt")  # "plot" is not in the vocabulary
    assert tok.unk_token_id in enc["input_ids"][0].tolist()
    game = hs.model_game(model, enc, "words", tokenizer=tok, target=1)
    assert game.players == ["the", "[UNK]", "is", "good"]
    words = hs.model_game(model, dict(enc), "tokens", tokenizer=tok, target=1)  # a plain dict
    assert words.players == ["the", "[UNK]", "is", "good"]


def test_token_names_per_sample_on_embeddings():
    model = ToyTextModel().eval()
    ids = torch.tensor([[2, 13, 7, 3], [2, 5, 8, 3]])
    texts = [[VOCAB[i] for i in row] for row in ids.tolist()]
    game = hs.model_game(model, ids, Tokens([1, 2], tokens=texts), target=0,
                         forward_kwargs={"attention_mask": torch.ones_like(ids)})
    assert game.metadata["sample_players"] == [["the", "movie"], ["a", "bad"]]
    assert game[1].players == ["a", "bad"] and game.players == ["tok1", "tok2"]
    with pytest.raises(PlayerError, match="2 token lists for 3 samples"):
        hs.model_game(model, torch.cat([ids, ids[:1]]), Tokens([1], tokens=texts),
                      forward_kwargs={"attention_mask": torch.ones(3, 4)})
