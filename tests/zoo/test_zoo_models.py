"""Zoo models: output shapes, layer counts, feature hooks, ids vs inputs_embeds."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from harsanyi import zoo
from harsanyi.errors import ShapeError


def _count(model: nn.Module, kinds: tuple[type, ...]) -> int:
    return sum(isinstance(m, kinds) for m in model.modules())


@pytest.mark.parametrize("name, layers", [("mlp5", 5), ("mlp8", 8)])
def test_mlp_shapes_and_depth(name: str, layers: int) -> None:
    net = zoo.get_model(name, in_features=7, n_classes=3, seed=0)
    assert net(torch.randn(4, 7)).shape == (4, 3)
    assert _count(net, (nn.Linear,)) == layers
    hidden = [m.out_features for m in net.modules() if isinstance(m, nn.Linear)]
    assert hidden == [100] * (layers - 1) + [3]


@pytest.mark.parametrize("channels, size", [(1, 8), (1, 28), (3, 32)])
def test_resnet20_shapes(channels: int, size: int) -> None:
    net = zoo.get_model("resnet20", in_channels=channels, n_classes=10, image_size=size,
                        width=0.5, seed=0)
    assert net(torch.randn(2, channels, size, size)).shape == (2, 10)
    convs3 = [m for m in net.modules() if isinstance(m, nn.Conv2d) and m.kernel_size == (3, 3)]
    assert len(convs3) + _count(net, (nn.Linear,)) == 20


@pytest.mark.parametrize("channels, size", [(1, 8), (1, 28), (3, 32)])
def test_vgg11_shapes(channels: int, size: int) -> None:
    net = zoo.get_model("vgg11", in_channels=channels, n_classes=10, image_size=size,
                        width=0.125, seed=0)
    assert net(torch.randn(2, channels, size, size)).shape == (2, 10)
    assert _count(net, (nn.Conv2d,)) == 8 and _count(net, (nn.Linear,)) == 3


def test_width_multiplier_scales_parameters() -> None:
    small = zoo.get_model("resnet20", width=0.5)
    big = zoo.get_model("resnet20", width=1.0)
    n = lambda m: sum(p.numel() for p in m.parameters())  # noqa: E731
    assert 3 < n(big) / n(small) < 5  # conv weights scale with width**2


@pytest.mark.parametrize("name", ["mlp5", "resnet20", "vgg11", "textcnn", "lstm", "pointnet"])
def test_feature_hook_sits_at_half_depth(name: str) -> None:
    kw = {"mlp5": dict(in_features=6, n_classes=2),
          "resnet20": dict(in_channels=1, n_classes=2, image_size=8, width=0.25),
          "vgg11": dict(in_channels=1, n_classes=2, image_size=8, width=0.125),
          "textcnn": dict(vocab_size=12, embed_dim=8), "lstm": dict(vocab_size=12, embed_dim=8),
          "pointnet": dict(n_classes=2)}[name]
    x = {"mlp5": torch.randn(3, 6), "resnet20": torch.randn(3, 1, 8, 8),
         "vgg11": torch.randn(3, 1, 8, 8), "textcnn": torch.randint(1, 12, (3, 6)),
         "lstm": torch.randint(1, 12, (3, 6)), "pointnet": torch.randn(3, 20, 3)}[name]
    net = zoo.get_model(name, seed=0, **kw)  # train mode: batch norm uses batch statistics
    seen = []
    module = net.get_submodule(net.feature_layer)
    handle = module.register_forward_hook(lambda m, i, o: seen.append(o))
    out = net(x)
    handle.remove()
    assert out.shape == (3, 2) and len(seen) == 1
    assert seen[0].shape[0] == 3 and seen[0].requires_grad
    # replacing the feature by zeros changes the output: the feature lies on the path
    h = module.register_forward_hook(lambda m, i, o: torch.zeros_like(o))
    assert not torch.allclose(net(x), out)
    h.remove()


@pytest.mark.parametrize("name", ["textcnn", "lstm"])
def test_text_models_ids_equal_embeddings(name: str) -> None:
    net = zoo.get_model(name, vocab_size=30, embed_dim=16, seed=1).eval()
    ids = torch.randint(1, 30, (4, 9))
    by_ids = net(input_ids=ids)
    assert by_ids.shape == (4, 2)
    torch.testing.assert_close(net(inputs_embeds=net.embed(ids)), by_ids)
    torch.testing.assert_close(net(ids), by_ids)  # positional = input_ids (training loop)
    # masking one token position in embedding space changes the output
    emb = net.embed(ids)
    emb[:, 3] = 0.0
    assert not torch.allclose(net(inputs_embeds=emb), by_ids)
    # the padding id has a zero embedding
    assert torch.count_nonzero(net.embed(torch.zeros(1, 1, dtype=torch.long))) == 0


@pytest.mark.parametrize("name", ["textcnn", "lstm"])
def test_text_models_padding_with_attention_mask(name: str) -> None:
    net = zoo.get_model(name, vocab_size=30, embed_dim=8, seed=2).eval()
    ids = torch.randint(1, 30, (2, 6))
    pad2 = torch.cat([ids, torch.zeros(2, 2, dtype=torch.long)], 1)
    pad5 = torch.cat([ids, torch.randint(1, 30, (2, 5))], 1)  # garbage where masked
    m2 = torch.cat([torch.ones(2, 6), torch.zeros(2, 2)], 1)
    m5 = torch.cat([torch.ones(2, 6), torch.zeros(2, 5)], 1)
    a = net(input_ids=pad2, attention_mask=m2)
    b = net(input_ids=pad5, attention_mask=m5)
    torch.testing.assert_close(a, b)
    # the padded, masked sentence reads like the bare one (and padding matters without a mask)
    torch.testing.assert_close(a, net(input_ids=ids))
    assert not torch.allclose(net(input_ids=pad5), a)


def test_text_model_input_errors() -> None:
    net = zoo.get_model("lstm", vocab_size=10, embed_dim=4)
    ids = torch.ones(2, 3, dtype=torch.long)
    with pytest.raises(ValueError, match="exactly one of input_ids and inputs_embeds"):
        net(input_ids=ids, inputs_embeds=net.embed(ids))
    with pytest.raises(ValueError, match="exactly one"):
        net()
    with pytest.raises(ShapeError, match=r"inputs_embeds must be \(batch, length, 4\)"):
        net(inputs_embeds=torch.zeros(2, 3, 5))
    with pytest.raises(ShapeError, match="attention_mask must be"):
        net(input_ids=ids, attention_mask=torch.ones(2, 4))


def test_pointnet_shape_invariance_and_errors() -> None:
    net = zoo.get_model("pointnet", n_classes=5, seed=0).eval()
    x = torch.randn(3, 64, 3)
    out = net(x)
    assert out.shape == (3, 5)
    torch.testing.assert_close(net(x[:, torch.randperm(64)]), out)
    with pytest.raises(ShapeError, match=r"\(batch, n_points, 3\)"):
        net(torch.randn(3, 3, 64)[:, :, :2])


def test_model_argument_errors() -> None:
    with pytest.raises(ValueError, match="at least 2 linear layers"):
        zoo.MLP(3, 2, n_layers=1)
    with pytest.raises(ValueError, match="width must be a positive multiplier"):
        zoo.ResNet20(width=0)
