"""Pure array functions: activations and their derivatives, softmax, attention.

Everything here is a function of NumPy arrays, with no state and no layer
framework: it imports nothing of nnlib but :mod:`nnlib._validation`, so the
layers (:mod:`nnlib.layers`), the losses (:mod:`nnlib.losses`) and the
chapters can all build on it.

The activation functions act element-wise on arrays of any shape
(``softmax`` along ``axis``); the derivatives (``*_grad``) take the
**pre-activation** ``z``, as in the book's :math:`\\sigma'(z)`.  All functions
are numerically stable: ``sigmoid`` never evaluates :math:`e^{t}` for
:math:`t > 0`, ``softmax`` subtracts the row maximum, so inputs like ``±1e4``
give finite results without warnings.

Scaled dot-product attention (Vaswani et al. 2017), for queries
:math:`Q \\in \\mathbb R^{T \\times d_k}`, keys :math:`K` and values :math:`V`:

.. math::

    S = \\frac{Q K^\\top}{\\sqrt{d_k}}, \\qquad
    P = \\mathrm{softmax}_{\\text{row}}(S), \\qquad
    O = P V .

Examples
--------
>>> import math

import numpy as np
>>> from nnlib.functional import sigmoid, softmax
>>> float(sigmoid(np.array(0.0)))
0.5
>>> softmax(np.array([[0.0, 0.0]])).tolist()
[[0.5, 0.5]]
"""

from __future__ import annotations

import math

import numpy as np

from nnlib._validation import check_positive_int, format_shape

__all__ = [
    "causal_mask",
    "gelu",
    "gelu_grad",
    "leaky_relu",
    "leaky_relu_grad",
    "log_softmax",
    "relu",
    "relu_grad",
    "scaled_dot_product_attention",
    "scaled_dot_product_attention_backward",
    "sigmoid",
    "sigmoid_grad",
    "silu",
    "silu_grad",
    "softmax",
    "softmax_jacobian",
    "softplus",
    "softplus_grad",
    "tanh",
    "tanh_grad",
]


def _as_float(z: object) -> np.ndarray:
    z = np.asarray(z)
    if z.dtype.kind not in "f":
        if z.dtype.kind not in "biu":
            raise TypeError(f"expected a numeric array, got dtype {z.dtype}")
        z = z.astype(np.float64)
    return z


# ---------------------------------------------------------------------------------------
# functions
# ---------------------------------------------------------------------------------------
def sigmoid(z: np.ndarray) -> np.ndarray:
    """Logistic sigmoid, computed without overflow.

    .. math::

        \\sigma(z) = \\frac{1}{1 + e^{-z}}
        = \\begin{cases} \\dfrac{1}{1+e^{-|z|}} & z \\ge 0 \\\\[1ex]
                         \\dfrac{e^{-|z|}}{1+e^{-|z|}} & z < 0 \\end{cases}

    Parameters
    ----------
    z : array_like, shape (...)

    Returns
    -------
    numpy.ndarray, shape (...)
        Values in :math:`[0, 1]`.
    """
    z = _as_float(z)
    e = np.exp(-np.abs(z))  # e^{-|z|} in (0, 1]: never overflows
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e)).astype(z.dtype, copy=False)


def sigmoid_grad(z: np.ndarray) -> np.ndarray:
    """Derivative of the sigmoid, :math:`\\sigma'(z) = \\sigma(z)\\,(1 - \\sigma(z))`.

    Computed in the equal, symmetric form

    .. math::

        \\sigma'(z) = \\frac{e^{-|z|}}{(1 + e^{-|z|})^2},

    which keeps full relative accuracy in the tails: :math:`\\sigma(1-\\sigma)`
    rounds :math:`1 - \\sigma(z)` to 0 once :math:`z \\gtrsim 37` and loses
    digits well before that.

    Parameters
    ----------
    z : array_like, shape (...)

    Returns
    -------
    numpy.ndarray, shape (...)
        Values in :math:`[0, 1/4]`.
    """
    z = _as_float(z)
    e = np.exp(-np.abs(z))  # e^{-|z|} in (0, 1]: never overflows
    return (e / (1.0 + e) ** 2).astype(z.dtype, copy=False)


def tanh(z: np.ndarray) -> np.ndarray:
    """Hyperbolic tangent :math:`\\tanh z = (e^z - e^{-z})/(e^z + e^{-z})`.

    Parameters
    ----------
    z : array_like, shape (...)

    Returns
    -------
    numpy.ndarray, shape (...)
    """
    return np.tanh(_as_float(z))


def tanh_grad(z: np.ndarray) -> np.ndarray:
    """Derivative of tanh, :math:`\\tanh'(z) = 1 - \\tanh^2 z`.

    Parameters
    ----------
    z : array_like, shape (...)

    Returns
    -------
    numpy.ndarray, shape (...)
    """
    t = np.tanh(_as_float(z))
    return 1.0 - t * t


def relu(z: np.ndarray) -> np.ndarray:
    """Rectified linear unit :math:`\\mathrm{ReLU}(z) = \\max(0, z)`.

    Parameters
    ----------
    z : array_like, shape (...)

    Returns
    -------
    numpy.ndarray, shape (...)
    """
    z = _as_float(z)
    return np.maximum(z, 0.0).astype(z.dtype, copy=False)


def relu_grad(z: np.ndarray) -> np.ndarray:
    """(Sub)derivative of ReLU: :math:`1` for :math:`z > 0`, else :math:`0` (also at 0).

    Parameters
    ----------
    z : array_like, shape (...)

    Returns
    -------
    numpy.ndarray, shape (...)
    """
    z = _as_float(z)
    return (z > 0).astype(z.dtype)


def leaky_relu(z: np.ndarray, alpha: float = 0.01) -> np.ndarray:
    """Leaky ReLU :math:`\\max(\\alpha z, z)` for :math:`0 < \\alpha < 1`.

    Parameters
    ----------
    z : array_like, shape (...)
    alpha : float
        Slope for negative inputs.

    Returns
    -------
    numpy.ndarray, shape (...)
    """
    z = _as_float(z)
    return np.where(z > 0, z, alpha * z).astype(z.dtype, copy=False)


def leaky_relu_grad(z: np.ndarray, alpha: float = 0.01) -> np.ndarray:
    """Derivative of leaky ReLU: :math:`1` for :math:`z > 0`, :math:`\\alpha` otherwise.

    Parameters
    ----------
    z : array_like, shape (...)
    alpha : float

    Returns
    -------
    numpy.ndarray, shape (...)
    """
    z = _as_float(z)
    return np.where(z > 0, 1.0, alpha).astype(z.dtype)


def softplus(z: np.ndarray) -> np.ndarray:
    """Softplus, a smooth ReLU, computed without overflow.

    .. math::

        \\operatorname{softplus}(z) = \\log(1 + e^{z}) = \\max(z, 0) + \\log(1 + e^{-|z|})

    Parameters
    ----------
    z : array_like, shape (...)

    Returns
    -------
    numpy.ndarray, shape (...)
        Values in :math:`(0, \\infty)`, above :math:`\\max(z, 0)` by at most :math:`\\log 2`.
    """
    z = _as_float(z)
    return (np.maximum(z, 0.0) + np.log1p(np.exp(-np.abs(z)))).astype(z.dtype, copy=False)


def softplus_grad(z: np.ndarray) -> np.ndarray:
    """Derivative of softplus: the sigmoid, :math:`\\operatorname{softplus}'(z) = \\sigma(z)`.

    Parameters
    ----------
    z : array_like, shape (...)

    Returns
    -------
    numpy.ndarray, shape (...)
    """
    return sigmoid(z)


_erf = np.vectorize(math.erf, otypes=[np.float64])
_GELU_APPROXIMATIONS = ("none", "tanh")
_SQRT_2_OVER_PI = math.sqrt(2.0 / math.pi)


def _gelu_approximation(approximate: str, where: str) -> str:
    if approximate not in _GELU_APPROXIMATIONS:
        raise ValueError(
            f"{where}: expected approximate in {_GELU_APPROXIMATIONS}, got {approximate!r}"
        )
    return approximate


def gelu(z: np.ndarray, approximate: str = "none") -> np.ndarray:
    """Gaussian error linear unit (Hendrycks & Gimpel 2016).

    .. math::

        \\operatorname{GELU}(z) = z\\, \\Phi(z)
        = \\tfrac12 z \\big(1 + \\operatorname{erf}(z/\\sqrt 2)\\big),

    with :math:`\\Phi` the standard normal CDF (``approximate="none"``, the
    exact form), or the tanh approximation of the original paper
    (``approximate="tanh"``, as in GPT-2 and PyTorch)

    .. math::

        \\tfrac12 z \\Big(1 + \\tanh\\big(\\sqrt{2/\\pi}\\,(z + 0.044715\\, z^3)\\big)\\Big).

    Parameters
    ----------
    z : array_like, shape (...)
    approximate : {"none", "tanh"}

    Returns
    -------
    numpy.ndarray, shape (...)
    """
    z = _as_float(z)
    if _gelu_approximation(approximate, "gelu") == "tanh":
        inner = _SQRT_2_OVER_PI * (z + 0.044715 * z**3)
        return (0.5 * z * (1.0 + np.tanh(inner))).astype(z.dtype, copy=False)
    return (0.5 * z * (1.0 + _erf(z / math.sqrt(2.0)))).astype(z.dtype, copy=False)


def gelu_grad(z: np.ndarray, approximate: str = "none") -> np.ndarray:
    """Derivative of :func:`gelu`.

    .. math::

        \\operatorname{GELU}'(z) = \\Phi(z) + z\\, \\varphi(z), \\qquad
        \\varphi(z) = \\frac{e^{-z^2/2}}{\\sqrt{2\\pi}};

    for ``approximate="tanh"``, with :math:`u = \\sqrt{2/\\pi}\\,(z + 0.044715 z^3)`,
    :math:`\\tfrac12 (1 + \\tanh u) + \\tfrac12 z (1 - \\tanh^2 u)\\,
    \\sqrt{2/\\pi}\\,(1 + 3 \\cdot 0.044715\\, z^2)`.

    Parameters
    ----------
    z : array_like, shape (...)
    approximate : {"none", "tanh"}

    Returns
    -------
    numpy.ndarray, shape (...)
    """
    z = _as_float(z)
    if _gelu_approximation(approximate, "gelu_grad") == "tanh":
        t = np.tanh(_SQRT_2_OVER_PI * (z + 0.044715 * z**3))
        du = _SQRT_2_OVER_PI * (1.0 + 3 * 0.044715 * z**2)
        return (0.5 * (1.0 + t) + 0.5 * z * (1.0 - t * t) * du).astype(z.dtype, copy=False)
    cdf = 0.5 * (1.0 + _erf(z / math.sqrt(2.0)))
    pdf = np.exp(-0.5 * z * z) / math.sqrt(2.0 * math.pi)
    return (cdf + z * pdf).astype(z.dtype, copy=False)


def silu(z: np.ndarray) -> np.ndarray:
    """SiLU / swish (Elfwing et al. 2018; Ramachandran et al. 2017), :math:`z\\,\\sigma(z)`.

    Parameters
    ----------
    z : array_like, shape (...)

    Returns
    -------
    numpy.ndarray, shape (...)
    """
    z = _as_float(z)
    return z * sigmoid(z)


def silu_grad(z: np.ndarray) -> np.ndarray:
    """Derivative of SiLU, :math:`\\sigma(z)\\,\\big(1 + z\\,(1 - \\sigma(z))\\big)`.

    Parameters
    ----------
    z : array_like, shape (...)

    Returns
    -------
    numpy.ndarray, shape (...)
    """
    z = _as_float(z)
    s = sigmoid(z)
    return s * (1.0 + z * (1.0 - s))


def softmax(z: np.ndarray, axis: int = -1) -> np.ndarray:
    """Softmax along ``axis``, with the maximum subtracted first.

    .. math::

        \\mathrm{softmax}(z)_k = \\frac{e^{z_k}}{\\sum_j e^{z_j}}
        = \\frac{e^{z_k - \\max_j z_j}}{\\sum_j e^{z_j - \\max_j z_j}}

    Parameters
    ----------
    z : array_like, shape (..., K, ...)
        Logits.
    axis : int
        The class axis.

    Returns
    -------
    numpy.ndarray, shape like z
        Probabilities; they sum to 1 along ``axis``.
    """
    z = _as_float(z)
    e = z - np.max(z, axis=axis, keepdims=True)
    np.exp(e, out=e)
    e /= np.sum(e, axis=axis, keepdims=True)
    return e


def log_softmax(z: np.ndarray, axis: int = -1) -> np.ndarray:
    """Log of the softmax by the log-sum-exp trick.

    .. math::

        \\log \\mathrm{softmax}(z)_k = z_k - m - \\log \\sum_j e^{z_j - m},
        \\qquad m = \\max_j z_j

    Parameters
    ----------
    z : array_like, shape (..., K, ...)
    axis : int

    Returns
    -------
    numpy.ndarray, shape like z
        Finite for finite ``z`` (no :math:`\\log 0`).
    """
    z = _as_float(z)
    shifted = z - np.max(z, axis=axis, keepdims=True)
    return shifted - np.log(np.sum(np.exp(shifted), axis=axis, keepdims=True))


def softmax_jacobian(z: np.ndarray) -> np.ndarray:
    """Jacobian of the softmax over the last axis.

    .. math::

        J_{kj} = \\frac{\\partial\\, \\mathrm{softmax}(z)_k}{\\partial z_j}
        = p_k(\\delta_{kj} - p_j), \\qquad
        J = \\mathrm{diag}(p) - p\\, p^\\top, \\quad p = \\mathrm{softmax}(z)

    Parameters
    ----------
    z : array_like, shape (..., K)
        Logits (a single vector or a batch).

    Returns
    -------
    J : numpy.ndarray, shape (..., K, K)
        ``J[..., k, j]`` is :math:`\\partial p_k / \\partial z_j`.
    """
    p = softmax(z, axis=-1)
    J = -p[..., :, None] * p[..., None, :]
    K = p.shape[-1]
    idx = np.arange(K)
    J[..., idx, idx] += p
    return J


# -------------------------------------------------------------------------------------
# attention
# -------------------------------------------------------------------------------------
def causal_mask(T: int) -> np.ndarray:
    """Boolean mask of the positions a query may attend to under causality.

    Parameters
    ----------
    T : int
        Sequence length.

    Returns
    -------
    mask : numpy.ndarray of bool, shape (T, T)
        ``mask[i, j]`` is ``True`` when :math:`j \\le i` (query ``i`` may see key ``j``).
    """
    T = check_positive_int(T, "T", "causal_mask")
    return np.tril(np.ones((T, T), dtype=bool))


def scaled_dot_product_attention(
    Q: np.ndarray,
    K: np.ndarray,
    V: np.ndarray,
    mask: np.ndarray | None = None,
    *,
    scale: float | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Scaled dot-product attention :math:`O = \\mathrm{softmax}(QK^\\top/\\sqrt{d_k})\\,V`.

    Parameters
    ----------
    Q : numpy.ndarray, shape (..., T_q, d_k)
        Queries, one row per query position (leading axes: batch, heads).
    K : numpy.ndarray, shape (..., T_k, d_k)
        Keys.
    V : numpy.ndarray, shape (..., T_k, d_v)
        Values.
    mask : numpy.ndarray of bool, shape broadcastable to (..., T_q, T_k), optional
        ``True`` where a query may attend to a key; the others get weight 0
        (their score is set to :math:`-\\infty` before the softmax).  Every query
        must be allowed at least one key.
    scale : float, optional
        Multiplier of the scores; default :math:`1/\\sqrt{d_k}`.

    Returns
    -------
    O : numpy.ndarray, shape (..., T_q, d_v)
        Outputs :math:`O = PV`.
    P : numpy.ndarray, shape (..., T_q, T_k)
        Attention weights; each row is a probability vector.
    """
    where = "scaled_dot_product_attention"
    if Q.shape[-1] != K.shape[-1] or K.shape[-2] != V.shape[-2]:
        raise ValueError(
            f"{where}: expected Q (..., T_q, d_k), K (..., T_k, d_k), V (..., T_k, d_v), got "
            f"Q {format_shape(Q.shape)}, K {format_shape(K.shape)}, V {format_shape(V.shape)}"
        )
    d_k = Q.shape[-1]
    if scale is None:
        scale = 1.0 / float(np.sqrt(d_k))
    S = (Q @ np.swapaxes(K, -1, -2)) * scale
    if mask is not None:
        mask = np.asarray(mask, dtype=bool)
        if not np.all(np.any(mask, axis=-1)):
            raise ValueError(f"{where}: expected every query to see at least one key in mask")
        S = np.where(mask, S, -np.inf)
    P = softmax(S, axis=-1)
    return P @ V, P


def scaled_dot_product_attention_backward(
    dO: np.ndarray,
    Q: np.ndarray,
    K: np.ndarray,
    V: np.ndarray,
    P: np.ndarray,
    *,
    scale: float | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Backward pass of :func:`scaled_dot_product_attention`.

    .. math::

        dV = P^\\top dO, \\quad dP = dO\\, V^\\top, \\quad
        dS = P \\odot \\big(dP - \\mathrm{rowsum}(dP \\odot P)\\big), \\quad
        dQ = s\\, dS\\, K, \\quad dK = s\\, dS^\\top Q,

    with :math:`s = 1/\\sqrt{d_k}` (masked positions have :math:`P = 0`, hence
    :math:`dS = 0`, automatically).

    Parameters
    ----------
    dO : numpy.ndarray, shape (..., T_q, d_v)
        Upstream gradient :math:`\\partial L/\\partial O`.
    Q, K, V : numpy.ndarray
        The forward inputs.
    P : numpy.ndarray, shape (..., T_q, T_k)
        The attention weights returned by the forward pass.
    scale : float, optional
        The scale used in the forward pass; default :math:`1/\\sqrt{d_k}`.

    Returns
    -------
    dQ, dK, dV : numpy.ndarray
        Gradients with the shapes of ``Q``, ``K``, ``V``.
    """
    if scale is None:
        scale = 1.0 / float(np.sqrt(Q.shape[-1]))
    dV = np.swapaxes(P, -1, -2) @ dO
    dP = dO @ np.swapaxes(V, -1, -2)
    dS = P * (dP - np.sum(dP * P, axis=-1, keepdims=True))
    dQ = (dS @ K) * scale
    dK = (np.swapaxes(dS, -1, -2) @ Q) * scale
    return dQ, dK, dV
