"""positional_encoding, Embedding, TransformerBlock: formulas (SymPy rotation
identity), gradients vs finite differences, the block vs
torch.nn.TransformerEncoderLayer with copied weights, bad input, float32."""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp
from _helpers import requires_torch

from nnlib.gradcheck import gradcheck, relative_error
from nnlib.layers import Embedding, TransformerBlock, positional_encoding


# ---------------------------------------------------------------------------------
# positional encodings
# ---------------------------------------------------------------------------------
def test_positional_encoding_formula_and_shape():
    P = positional_encoding(7, 6)
    assert P.shape == (7, 6)
    for t in range(7):
        for i in range(3):
            w = 10000.0 ** (-2 * i / 6)
            assert abs(P[t, 2 * i] - np.sin(t * w)) < 1e-15
            assert abs(P[t, 2 * i + 1] - np.cos(t * w)) < 1e-15
    assert positional_encoding(4, 5).shape == (4, 5)
    odd = positional_encoding(4, 5)  # omega_i = 10000^(-2i/5), i = 0, 1, 2; no last cosine
    for i in range(3):
        np.testing.assert_allclose(odd[:, 2 * i], np.sin(np.arange(4) * 10000.0 ** (-2 * i / 5)))


def test_shift_is_a_rotation_sympy_and_numbers():
    t, k, w = sp.symbols("t k omega", real=True)
    pair = sp.Matrix([sp.sin(t * w), sp.cos(t * w)])
    shifted = sp.Matrix([sp.sin((t + k) * w), sp.cos((t + k) * w)])
    rot = sp.Matrix([[sp.cos(k * w), sp.sin(k * w)], [-sp.sin(k * w), sp.cos(k * w)]])
    assert sp.simplify(sp.expand_trig(shifted - rot * pair)) == sp.zeros(2, 1)
    P = positional_encoding(20, 8)
    shift = 3
    for i in range(4):
        om = 10000.0 ** (-2 * i / 8)
        R = np.array(
            [[np.cos(shift * om), np.sin(shift * om)], [-np.sin(shift * om), np.cos(shift * om)]]
        )
        np.testing.assert_allclose(
            P[shift:, 2 * i : 2 * i + 2], P[:-shift, 2 * i : 2 * i + 2] @ R.T, atol=1e-12
        )


# ---------------------------------------------------------------------------------
# Embedding
# ---------------------------------------------------------------------------------
def test_embedding_lookup_and_scatter_add_gradient():
    rng = np.random.default_rng(0)
    emb = Embedding(5, 3, rng=rng)
    ids = np.array([[0, 2, 2], [4, 0, 2]])
    Y = emb.forward(ids)
    np.testing.assert_array_equal(Y, emb.W.value[ids])
    G = rng.standard_normal((2, 3, 3))
    assert emb.backward(G) is None
    expected = np.zeros((5, 3))
    for n in range(2):
        for t in range(3):
            expected[ids[n, t]] += G[n, t]
    np.testing.assert_allclose(emb.W.grad, expected, rtol=1e-14)
    # equals the one-hot matrix product
    onehot = np.eye(5)[ids.reshape(-1)]
    np.testing.assert_allclose(emb.W.grad, onehot.T @ G.reshape(-1, 3), rtol=1e-14)


def test_embedding_gradient_finite_differences():
    from nnlib.gradcheck import numerical_gradient

    rng = np.random.default_rng(1)
    emb = Embedding(4, 2, rng=rng)
    ids = np.array([[1, 3, 1]])
    R = rng.standard_normal((1, 3, 2))
    emb.forward(ids)
    emb.backward(R)
    fd = numerical_gradient(lambda _: float(np.sum(R * emb.forward(ids))), emb.W.value)
    assert relative_error(emb.W.grad, fd) < 1e-9


@requires_torch
def test_embedding_matches_torch():
    import torch

    emb = Embedding(6, 4, rng=2)
    te = torch.nn.Embedding(6, 4).double()
    with torch.no_grad():
        te.weight.copy_(torch.from_numpy(emb.W.value))
    ids = np.array([[1, 5, 1, 0]])
    G = np.random.default_rng(3).standard_normal((1, 4, 4))
    Yt = te(torch.from_numpy(ids))
    (Yt * torch.from_numpy(G)).sum().backward()
    np.testing.assert_array_equal(emb.forward(ids), Yt.detach().numpy())
    emb.backward(G)
    assert relative_error(emb.W.grad, te.weight.grad.numpy()) < 1e-14


def test_embedding_bad_input():
    emb = Embedding(5, 3, rng=0)
    with pytest.raises(ValueError, match=r"expected token ids in \[0, 5\), got id 5"):
        emb.forward(np.array([[0, 5]]))
    with pytest.raises(ValueError, match=r"got id -1"):
        emb.forward(np.array([[-1, 2]]))
    with pytest.raises(TypeError, match="expected integer token ids, got dtype float64"):
        emb.forward(np.array([[0.0, 1.0]]))
    with pytest.raises(ValueError, match="non-empty batch"):
        emb.forward(np.zeros((0, 3), dtype=int))
    with pytest.raises(ValueError, match="backward before forward"):
        Embedding(5, 3, rng=0).backward(np.zeros((1, 2, 3)))
    with pytest.raises((ValueError, TypeError), match="n_tokens"):
        Embedding(0, 3)


# ---------------------------------------------------------------------------------
# TransformerBlock
# ---------------------------------------------------------------------------------
def make_block(norm_first=True, causal=False, seed=0, **kw):
    rng = np.random.default_rng(seed)
    block = TransformerBlock(
        4, n_heads=2, d_ff=6, causal=causal, norm_first=norm_first, rng=rng, **kw
    )
    for name, p in block.named_parameters():  # non-trivial gains, shifts and biases
        if name.startswith("norm"):
            p.value[...] = (1.0 if name.endswith("gamma") else 0.0) + 0.3 * rng.standard_normal(
                p.shape
            )
        elif name.endswith(".b"):
            p.value[...] = 0.2 * rng.standard_normal(p.shape)
    return block, rng


def test_parameter_names_and_shapes():
    block, _ = make_block()
    assert [(n, p.shape) for n, p in block.named_parameters()] == [
        ("attn.W_q", (4, 4)),
        ("attn.W_k", (4, 4)),
        ("attn.W_v", (4, 4)),
        ("attn.W_o", (4, 4)),
        ("norm1.gamma", (4,)),
        ("norm1.beta", (4,)),
        ("ff1.W", (6, 4)),
        ("ff1.b", (6,)),
        ("ff2.W", (4, 6)),
        ("ff2.b", (4,)),
        ("norm2.gamma", (4,)),
        ("norm2.beta", (4,)),
    ]
    assert block.n_params == 4 * 16 + 4 * 4 + 6 * 4 + 6 + 4 * 6 + 4


@pytest.mark.parametrize("norm_first", [True, False])
@pytest.mark.parametrize("causal", [False, True])
def test_gradients_match_finite_differences(norm_first, causal):
    block, rng = make_block(norm_first, causal)
    X = rng.standard_normal((2, 3, 4))
    errors = gradcheck(block, X, per_tensor=True)
    assert max(errors.values()) < 1e-6, errors


def test_causal_block_does_not_look_ahead():
    block, rng = make_block(causal=True)
    X = rng.standard_normal((1, 5, 4))
    Y = block.forward(X)
    X2 = X.copy()
    X2[0, 3:] += 10.0
    np.testing.assert_allclose(block.forward(X2)[0, :3], Y[0, :3], rtol=1e-13)


@requires_torch
@pytest.mark.parametrize("norm_first", [True, False])
@pytest.mark.parametrize("causal", [False, True])
def test_matches_torch_encoder_layer(norm_first, causal):
    import torch

    block, rng = make_block(norm_first, causal, seed=4)
    t = torch.nn.TransformerEncoderLayer(
        4, 2, 6, dropout=0.0, batch_first=True, norm_first=norm_first
    ).double()
    a = block.attn
    with torch.no_grad():
        t.self_attn.in_proj_weight.copy_(
            torch.from_numpy(np.concatenate([a.W_q.value, a.W_k.value, a.W_v.value]))
        )
        t.self_attn.in_proj_bias.zero_()
        t.self_attn.out_proj.weight.copy_(torch.from_numpy(a.W_o.value))
        t.self_attn.out_proj.bias.zero_()
        for tl, nl in ((t.linear1, block.ff1), (t.linear2, block.ff2)):
            tl.weight.copy_(torch.from_numpy(nl.W.value))
            tl.bias.copy_(torch.from_numpy(nl.b.value))
        for tn, nn_ in ((t.norm1, block.norm1), (t.norm2, block.norm2)):
            tn.weight.copy_(torch.from_numpy(nn_.gamma.value))
            tn.bias.copy_(torch.from_numpy(nn_.beta.value))
    t.train()  # dropout is 0; training mode avoids the fused inference fast path
    X = rng.standard_normal((2, 5, 4))
    G = rng.standard_normal((2, 5, 4))
    Xt = torch.from_numpy(X).requires_grad_(True)
    mask = (
        torch.nn.Transformer.generate_square_subsequent_mask(5, dtype=torch.float64)
        if causal
        else None
    )
    Yt = t(Xt, src_mask=mask)
    (Yt * torch.from_numpy(G)).sum().backward()
    Y = block.forward(X)
    dX = block.backward(G)
    assert relative_error(Y, Yt.detach().numpy()) < 1e-12
    assert relative_error(dX, Xt.grad.numpy()) < 1e-10
    dW_in = np.concatenate([a.W_q.grad, a.W_k.grad, a.W_v.grad])
    assert relative_error(dW_in, t.self_attn.in_proj_weight.grad.numpy()) < 1e-10
    assert relative_error(a.W_o.grad, t.self_attn.out_proj.weight.grad.numpy()) < 1e-10
    assert relative_error(block.ff1.W.grad, t.linear1.weight.grad.numpy()) < 1e-10
    assert relative_error(block.ff2.b.grad, t.linear2.bias.grad.numpy()) < 1e-10
    assert relative_error(block.norm1.gamma.grad, t.norm1.weight.grad.numpy()) < 1e-10
    assert relative_error(block.norm2.beta.grad, t.norm2.bias.grad.numpy()) < 1e-10


def test_block_bad_input():
    block, _ = make_block()
    with pytest.raises(ValueError, match=r"expected X of shape \(batch, T, 4\), got \(2, 3\)"):
        block.forward(np.zeros((2, 3)))
    X = np.zeros((1, 2, 4))
    X[0, 1, 1] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        block.forward(X)
    with pytest.raises(ValueError, match="backward before forward"):
        make_block()[0].backward(np.zeros((1, 2, 4)))
    with pytest.raises(ValueError, match="n_heads to divide d_model"):
        TransformerBlock(4, n_heads=3, d_ff=8)
    with pytest.raises(TypeError, match="norm_first"):
        TransformerBlock(4, n_heads=2, d_ff=8, norm_first="yes")


def test_block_float32_and_eval():
    block, rng = make_block(dtype=np.float32)
    X = rng.standard_normal((2, 3, 4)).astype(np.float32)
    Y = block.forward(X)
    assert Y.dtype == np.float32
    assert block.backward(np.ones_like(Y)).dtype == np.float32
    block.eval()
    assert not any(layer.training for _, layer in block.sublayers)


# ---------------------------------------------------------------------------------
# pre-LN vs post-LN at initialisation (chapter 14, sec-attn-layernorm): the
# pattern Xiong et al. (2020) describe, measured on a small stack
# ---------------------------------------------------------------------------------
def _w2_gradient_norms(norm_first, n_blocks, seed, width=16, batch=8, T=6):
    from nnlib.layers import Dense, LayerNorm
    from nnlib.losses import CrossEntropy

    rng = np.random.default_rng(seed)
    embed = Embedding(5, width, rng=rng)
    blocks = [
        TransformerBlock(width, n_heads=2, d_ff=2 * width, norm_first=norm_first, rng=rng)
        for _ in range(n_blocks)
    ]
    final_norm, readout = LayerNorm(width), Dense(width, 5, rng=rng)
    ids = rng.integers(0, 5, size=(batch, T))
    H = embed.forward(ids) + positional_encoding(T, width)
    for block in blocks:
        H = block.forward(H)
    if norm_first:
        H = final_norm.forward(H)
    loss = CrossEntropy()
    loss.forward(readout.forward(H.reshape(-1, width)), ids[:, ::-1].ravel())
    dH = readout.backward(loss.backward()).reshape(H.shape)
    if norm_first:
        dH = final_norm.backward(dH)
    for block in reversed(blocks):
        dH = block.backward(dH)
    return np.array([np.linalg.norm(b.ff2.W.grad) for b in blocks])


def test_post_ln_gradients_grow_towards_the_output_and_pre_ln_do_not():
    pre, post = (
        np.mean([_w2_gradient_norms(nf, 6, seed) for seed in range(8)], axis=0)
        for nf in (True, False)
    )
    assert post[3:].mean() > 1.1 * post[:3].mean()  # post-LN: larger near the output
    assert pre[-1] < pre[0]  # pre-LN: not larger near the output
    assert post[-1] > 1.5 * pre[-1]


def test_pre_ln_last_block_gradient_shrinks_with_depth_post_ln_does_not():
    last = {
        nf: [np.mean([_w2_gradient_norms(nf, L, s)[-1] for s in range(8)]) for L in (1, 8)]
        for nf in (True, False)
    }
    assert last[True][1] < 0.75 * last[True][0]
    assert last[False][1] > 0.8 * last[False][0]
