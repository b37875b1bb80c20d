"""Definitions for torch.distributions objects MindSpore 2.10 has no counterpart for, written into the
converted file like those of file_definitions.py (which merges this table into its own).

MindSpore's bijectors (`mindspore.nn.probability.bijector`) are Cells with other names and semantics
(its PowerTransform is the Box-Cox map), so PyTorch's transforms are written out as plain classes with
PyTorch's protocol: `t(x)`, `t.inv` (an inverse transform object), `t.log_abs_det_jacobian(x, y)`,
`t.forward_shape(shape)` / `t.inverse_shape(shape)`, and a `Transform` base that user code can subclass
(`_call`, `_inverse`). Shapes come back as tuples (PyTorch: torch.Size, a tuple too). `cache_size` is
accepted and checked, but values are recomputed: the results are the same.

`Distribution` and `ExponentialFamily` are the bases PyTorch code builds or subclasses: batch and event
shapes, and the methods the `Distribution.*` member entries rewrite to (`mean()`, `var()`, `sd()`,
`sample(shape)`, ...), each raising NotImplementedError as PyTorch's base does.
"""

from __future__ import annotations

#: NAME → source; `__NAME__` stands for the local name the file gives it
DISTRIBUTION_DEFINITIONS = {
    "Transform": '''\
class __NAME__:
    """torch.distributions.Transform: t(x) calls _call, t.inv is the inverse transform (its call is _inverse),
    log_abs_det_jacobian(x, y) and the shape maps are overridden by each transform."""
    bijective = False
    sign = 1
    event_dim = 0

    def __init__(self, cache_size=0):
        if cache_size not in (0, 1):
            raise ValueError("cache_size must be 0 or 1")
        self._cache_size = cache_size

    @property
    def inv(self):
        return {@msdev.InverseTransform}(self)

    def with_cache(self, cache_size=1):
        return self

    def __call__(self, x):
        return self._call(x)

    def _call(self, x):
        raise NotImplementedError

    def _inverse(self, y):
        raise NotImplementedError

    def log_abs_det_jacobian(self, x, y):
        raise NotImplementedError

    def forward_shape(self, shape):
        return shape

    def inverse_shape(self, shape):
        return shape

    def __repr__(self):
        return type(self).__name__ + "()"
''',
    "Constraint": '''\
class __NAME__:
    """torch.distributions.constraints.Constraint: the base of constraint objects (user code subclasses it);
    check(value) is each subclass's test, the base raises NotImplementedError as PyTorch's does."""
    is_discrete = False
    event_dim = 0

    def check(self, value):
        raise NotImplementedError

    def __repr__(self):
        return type(self).__name__ + "()"
''',
    "InverseTransform": '''\
class __NAME__:
    """The inverse of a transform (PyTorch's _InverseTransform): calls swap, the Jacobian changes sign. It
    stands alone (Transform.inv names it, so it cannot subclass Transform)."""

    def __init__(self, transform):
        self._inv = transform
        self.bijective = transform.bijective
        self.sign = transform.sign
        self.event_dim = transform.event_dim

    @property
    def inv(self):
        return self._inv

    def with_cache(self, cache_size=1):
        return self

    def __call__(self, x):
        return self._inv._inverse(x)

    def log_abs_det_jacobian(self, x, y):
        return -self._inv.log_abs_det_jacobian(y, x)

    def forward_shape(self, shape):
        return self._inv.inverse_shape(shape)

    def inverse_shape(self, shape):
        return self._inv.forward_shape(shape)
''',
    "broadcast_shapes": '''\
def __NAME__(*shapes):
    """torch.broadcast_shapes over shapes and sizes (ints), as a tuple."""
    return tuple({@numpy.broadcast_shapes}(*[(s,) if isinstance(s, int) else tuple(s) for s in shapes]))
''',
    "ExpTransform": '''\
class __NAME__({@msdev.Transform}):
    """torch.distributions.ExpTransform: y = exp(x)."""
    bijective = True

    def _call(self, x):
        return {@mindspore.ops.exp}(x)

    def _inverse(self, y):
        return {@mindspore.ops.log}(y)

    def log_abs_det_jacobian(self, x, y):
        return x
''',
    "AbsTransform": '''\
class __NAME__({@msdev.Transform}):
    """torch.distributions.AbsTransform: y = |x|; the inverse gives y back (the map is not bijective)."""

    def _call(self, x):
        return {@mindspore.ops.abs}(x)

    def _inverse(self, y):
        return y
''',
    "SigmoidTransform": '''\
class __NAME__({@msdev.Transform}):
    """torch.distributions.SigmoidTransform: y = sigmoid(x) clamped into (tiny, 1 - eps) of the dtype; the
    inverse is the logit of y clamped the same way."""
    bijective = True

    def _clamped(self, v):
        info = {@numpy.finfo}({@mindspore.dtype_to_nptype}(v.dtype))
        return v.clamp(float(info.tiny), 1.0 - float(info.eps))

    def _call(self, x):
        return self._clamped({@mindspore.ops.sigmoid}(x))

    def _inverse(self, y):
        y = self._clamped(y)
        return {@mindspore.ops.log}(y) - {@mindspore.ops.log1p}(-y)

    def log_abs_det_jacobian(self, x, y):
        return -{@mindspore.ops.softplus}(-x) - {@mindspore.ops.softplus}(x)
''',
    "TanhTransform": '''\
class __NAME__({@msdev.Transform}):
    """torch.distributions.TanhTransform: y = tanh(x); log|dy/dx| = 2 (log 2 - x - softplus(-2x)) as PyTorch
    writes it for stability."""
    bijective = True

    def _call(self, x):
        return {@mindspore.ops.tanh}(x)

    def _inverse(self, y):
        return 0.5 * ({@mindspore.ops.log1p}(y) - {@mindspore.ops.log1p}(-y))

    def log_abs_det_jacobian(self, x, y):
        return 2.0 * (0.6931471805599453 - x - {@mindspore.ops.softplus}(-2.0 * x))
''',
    "SoftplusTransform": '''\
class __NAME__({@msdev.Transform}):
    """torch.distributions.SoftplusTransform: y = log(1 + exp(x)); inverse y + log(-expm1(-y))."""
    bijective = True

    def _call(self, x):
        return {@mindspore.ops.softplus}(x)

    def _inverse(self, y):
        return y + {@mindspore.ops.log}(-{@mindspore.ops.expm1}(-y))

    def log_abs_det_jacobian(self, x, y):
        return -{@mindspore.ops.softplus}(-x)
''',
    "PowerTransform": '''\
class __NAME__({@msdev.Transform}):
    """torch.distributions.PowerTransform: y = x ** exponent (MindSpore's PowerTransform bijector is the
    Box-Cox map, another function)."""
    bijective = True

    def __init__(self, exponent, cache_size=0):
        super().__init__(cache_size)
        self.exponent = exponent

    def _call(self, x):
        return x ** self.exponent

    def _inverse(self, y):
        return y ** (1 / self.exponent)

    def log_abs_det_jacobian(self, x, y):
        return {@mindspore.ops.log}({@mindspore.ops.abs}(self.exponent * y / x))

    def forward_shape(self, shape):
        return {@msdev.broadcast_shapes}(shape, getattr(self.exponent, "shape", ()))

    def inverse_shape(self, shape):
        return {@msdev.broadcast_shapes}(shape, getattr(self.exponent, "shape", ()))
''',
    "AffineTransform": '''\
class __NAME__({@msdev.Transform}):
    """torch.distributions.AffineTransform: y = loc + scale * x; with event_dim > 0 the log|det J| is summed
    over that many rightmost dimensions."""
    bijective = True

    def __init__(self, loc, scale, event_dim=0, cache_size=0):
        super().__init__(cache_size)
        self.loc, self.scale, self.event_dim = loc, scale, event_dim

    @property
    def sign(self):
        return (1 if self.scale > 0 else -1) if isinstance(self.scale, (int, float)) else self.scale.sign()

    def _call(self, x):
        return self.loc + self.scale * x

    def _inverse(self, y):
        return (y - self.loc) / self.scale

    def log_abs_det_jacobian(self, x, y):
        shape = tuple(x.shape)
        if isinstance(self.scale, (int, float)):
            result = {@mindspore.ops.full_like}(x, {@math.log}(abs(self.scale)))
        else:
            result = {@mindspore.ops.log}({@mindspore.ops.abs}(self.scale))
        if self.event_dim:
            result = result.reshape(tuple(result.shape[:-self.event_dim]) + (-1,)).sum(-1)
            shape = shape[:-self.event_dim]
        return {@mindspore.ops.broadcast_to}(result, shape)

    def forward_shape(self, shape):
        return {@msdev.broadcast_shapes}(shape, getattr(self.loc, "shape", ()), getattr(self.scale, "shape", ()))

    def inverse_shape(self, shape):
        return {@msdev.broadcast_shapes}(shape, getattr(self.loc, "shape", ()), getattr(self.scale, "shape", ()))
''',
    "SoftmaxTransform": '''\
class __NAME__({@msdev.Transform}):
    """torch.distributions.SoftmaxTransform: softmax over the last dimension; the inverse is log(y) (the map
    is not bijective)."""
    event_dim = 1

    def _call(self, x):
        probs = {@mindspore.ops.exp}(x - {@mindspore.ops.amax}(x, -1, True))
        return probs / {@mindspore.ops.sum}(probs, -1, True)

    def _inverse(self, y):
        return {@mindspore.ops.log}(y)

    def forward_shape(self, shape):
        if len(shape) < 1:
            raise ValueError("Too few dimensions on input")
        return shape

    def inverse_shape(self, shape):
        if len(shape) < 1:
            raise ValueError("Too few dimensions on input")
        return shape
''',
    "StickBreakingTransform": '''\
class __NAME__({@msdev.Transform}):
    """torch.distributions.StickBreakingTransform: R^K to the (K+1)-simplex by stick breaking."""
    bijective = True
    event_dim = 1

    def _offset(self, x):
        k = x.shape[-1]
        return {@mindspore.ops.log}((k + 1 - {@mindspore.ops.arange}(1, k + 1)).astype(x.dtype))

    def _call(self, x):
        z = {@mindspore.ops.sigmoid}(x - self._offset(x))
        rest = {@mindspore.ops.cumprod}(1 - z, -1)
        return {@mindspore.ops.pad}(z, (0, 1), value=1.0) * {@mindspore.ops.pad}(rest, (1, 0), value=1.0)

    def _inverse(self, y):
        head = y[..., :-1]
        tiny = float({@numpy.finfo}({@mindspore.dtype_to_nptype}(y.dtype)).tiny)
        rest = (1 - head.cumsum(-1)).clamp(min=tiny)
        return {@mindspore.ops.log}(head) - {@mindspore.ops.log}(rest) + self._offset(head)

    def log_abs_det_jacobian(self, x, y):
        x = x - self._offset(x)
        return (-x - {@mindspore.ops.softplus}(-x) + {@mindspore.ops.log}(y[..., :-1])).sum(-1)

    def forward_shape(self, shape):
        if len(shape) < 1:
            raise ValueError("Too few dimensions on input")
        return tuple(shape[:-1]) + (shape[-1] + 1,)

    def inverse_shape(self, shape):
        if len(shape) < 1:
            raise ValueError("Too few dimensions on input")
        return tuple(shape[:-1]) + (shape[-1] - 1,)
''',
    "CorrCholeskyTransform": '''\
class __NAME__({@msdev.Transform}):
    """torch.distributions.CorrCholeskyTransform: a vector of D*(D-1)/2 reals to the Cholesky factor of a DxD
    correlation matrix: tanh into (-1, 1), placed below the diagonal row by row, each row stick-broken to unit
    norm (inverse and log|det J| as PyTorch writes them). The triangle is gathered and filled through a 0/1
    placement matrix, so gradients flow as through PyTorch's masked assignment."""
    bijective = True
    event_dim = 1

    @staticmethod
    def _placement(n, diag, dtype):
        rows, cols = {@numpy.tril_indices}(n, diag)
        place = {@numpy.zeros}((len(rows), n * n))
        place[{@numpy.arange}(len(rows)), rows * n + cols] = 1
        return {@mindspore.Tensor}(place, dtype)

    def _call(self, x):
        eps = float({@numpy.finfo}({@mindspore.dtype_to_nptype}(x.dtype)).eps)
        x = {@mindspore.ops.tanh}(x).clamp(-1 + eps, 1 - eps)
        n = int(round((1 + (1 + 8 * x.shape[-1]) ** 0.5) / 2))
        r = {@mindspore.ops.matmul}(x, self._placement(n, -1, x.dtype)).reshape(tuple(x.shape[:-1]) + (n, n))
        stick = {@mindspore.ops.cumprod}({@mindspore.ops.sqrt}(1 - r * r), -1)
        r = r + {@mindspore.ops.eye}(n, n, x.dtype)
        return r * {@mindspore.ops.pad}(stick[..., :-1], (1, 0), value=1.0)

    def _vec(self, y, diag):
        n = y.shape[-1]
        flat = y.reshape(tuple(y.shape[:-2]) + (n * n,))
        return {@mindspore.ops.matmul}(flat, self._placement(n, diag, y.dtype).swapaxes(0, 1))

    def _inverse(self, y):
        left = {@mindspore.ops.pad}((1 - {@mindspore.ops.cumsum}(y * y, -1))[..., :-1], (1, 0), value=1.0)
        t = self._vec(y, -1) / {@mindspore.ops.sqrt}(self._vec(left, -1))
        return ({@mindspore.ops.log1p}(t) - {@mindspore.ops.log1p}(-t)) / 2

    def log_abs_det_jacobian(self, x, y):
        stick = 0.5 * {@mindspore.ops.log}(self._vec(1 - {@mindspore.ops.cumsum}(y * y, -1), -2)).sum(-1)
        return stick - 2 * (x + {@mindspore.ops.softplus}(-2 * x) - 0.6931471805599453).sum(-1)

    def forward_shape(self, shape):
        if len(shape) < 1:
            raise ValueError("Too few dimensions on input")
        n = round((0.25 + 2 * shape[-1]) ** 0.5 + 0.5)
        if n * (n - 1) // 2 != shape[-1]:
            raise ValueError("Input is not a flattend lower-diagonal number")
        return tuple(shape[:-1]) + (n, n)

    def inverse_shape(self, shape):
        if len(shape) < 2:
            raise ValueError("Too few dimensions on input")
        if shape[-2] != shape[-1]:
            raise ValueError("Input is not square")
        n = shape[-1]
        return tuple(shape[:-2]) + (n * (n - 1) // 2,)
''',
    "LowerCholeskyTransform": '''\
class __NAME__({@msdev.Transform}):
    """torch.distributions.LowerCholeskyTransform: the strictly lower triangle kept, the diagonal
    exponentiated (inverse: its logarithm)."""
    event_dim = 2

    def _call(self, x):
        return x.tril(-1) + {@mindspore.ops.diag_embed}({@mindspore.ops.exp}(x.diagonal(0, -2, -1)))

    def _inverse(self, y):
        return y.tril(-1) + {@mindspore.ops.diag_embed}({@mindspore.ops.log}(y.diagonal(0, -2, -1)))
''',
    "PositiveDefiniteTransform": '''\
class __NAME__({@msdev.Transform}):
    """torch.distributions.PositiveDefiniteTransform: L L^T of the lower-Cholesky transform L of x; the
    inverse goes back through the Cholesky factor."""
    event_dim = 2

    def _call(self, x):
        low = {@msdev.LowerCholeskyTransform}()(x)
        return {@mindspore.ops.matmul}(low, low.swapaxes(-1, -2))

    def _inverse(self, y):
        low = {@mindspore.Tensor}({@numpy.linalg.cholesky}(y.asnumpy()))
        return {@msdev.LowerCholeskyTransform}().inv(low)
''',
    "ReshapeTransform": '''\
class __NAME__({@msdev.Transform}):
    """torch.distributions.ReshapeTransform: the rightmost in_shape dimensions reshaped to out_shape (unit
    Jacobian: log|det J| is 0 over the batch dimensions)."""
    bijective = True

    def __init__(self, in_shape, out_shape, cache_size=0):
        super().__init__(cache_size)
        self.in_shape, self.out_shape = tuple(in_shape), tuple(out_shape)
        if int({@numpy.prod}(self.in_shape)) != int({@numpy.prod}(self.out_shape)):
            raise ValueError("in_shape, out_shape have different numbers of elements")

    def _call(self, x):
        return x.reshape(tuple(x.shape[:x.ndim - len(self.in_shape)]) + self.out_shape)

    def _inverse(self, y):
        return y.reshape(tuple(y.shape[:y.ndim - len(self.out_shape)]) + self.in_shape)

    def log_abs_det_jacobian(self, x, y):
        return {@mindspore.ops.zeros}(tuple(x.shape[:x.ndim - len(self.in_shape)]), x.dtype)

    def forward_shape(self, shape):
        if len(shape) < len(self.in_shape):
            raise ValueError("Too few dimensions on input")
        cut = len(shape) - len(self.in_shape)
        if shape[cut:] != self.in_shape:
            raise ValueError(f"Shape mismatch: expected {shape[cut:]} but got {self.in_shape}")
        return shape[:cut] + self.out_shape

    def inverse_shape(self, shape):
        if len(shape) < len(self.out_shape):
            raise ValueError("Too few dimensions on input")
        cut = len(shape) - len(self.out_shape)
        if shape[cut:] != self.out_shape:
            raise ValueError(f"Shape mismatch: expected {shape[cut:]} but got {self.out_shape}")
        return shape[:cut] + self.in_shape
''',
    "IndependentTransform": '''\
class __NAME__({@msdev.Transform}):
    """torch.distributions.IndependentTransform: the base transform, with its log|det J| summed over the
    rightmost reinterpreted_batch_ndims dimensions."""

    def __init__(self, base_transform, reinterpreted_batch_ndims, cache_size=0):
        super().__init__(cache_size)
        self.base_transform, self.reinterpreted_batch_ndims = base_transform, reinterpreted_batch_ndims
        self.bijective, self.sign = base_transform.bijective, base_transform.sign
        self.event_dim = base_transform.event_dim + reinterpreted_batch_ndims

    def _call(self, x):
        return self.base_transform(x)

    def _inverse(self, y):
        return self.base_transform.inv(y)

    def log_abs_det_jacobian(self, x, y):
        result = self.base_transform.log_abs_det_jacobian(x, y)
        n = self.reinterpreted_batch_ndims
        return result.sum(tuple(range(-n, 0))) if n else result

    def forward_shape(self, shape):
        return self.base_transform.forward_shape(shape)

    def inverse_shape(self, shape):
        return self.base_transform.inverse_shape(shape)
''',
    "ComposeTransform": '''\
class __NAME__({@msdev.Transform}):
    """torch.distributions.ComposeTransform: the parts applied in order (the inverse: their inverses in
    reverse order); log|det J| adds the parts' terms, each summed down to the largest event dim."""

    def __init__(self, parts, cache_size=0):
        super().__init__(cache_size)
        self.parts = list(parts)
        self.bijective = all(p.bijective for p in self.parts)
        self.event_dim = max([p.event_dim for p in self.parts], default=0)
        sign = 1
        for p in self.parts:
            sign = sign * p.sign
        self.sign = sign

    def _call(self, x):
        for part in self.parts:
            x = part(x)
        return x

    def _inverse(self, y):
        for part in reversed(self.parts):
            y = part.inv(y)
        return y

    def log_abs_det_jacobian(self, x, y):
        if not self.parts:
            return {@mindspore.ops.zeros_like}(x)
        total = 0.0
        for part in self.parts:
            y_part = part(x)
            term = part.log_abs_det_jacobian(x, y_part)
            extra = self.event_dim - part.event_dim
            total = total + (term.sum(tuple(range(-extra, 0))) if extra else term)
            x = y_part
        return total

    def forward_shape(self, shape):
        for part in self.parts:
            shape = part.forward_shape(shape)
        return shape

    def inverse_shape(self, shape):
        for part in reversed(self.parts):
            shape = part.inverse_shape(shape)
        return shape
''',
    "StackTransform": '''\
class __NAME__({@msdev.Transform}):
    """torch.distributions.StackTransform: transform i applied to slice i of x along dim, the results
    stacked along dim again."""

    def __init__(self, tseq, dim=0, cache_size=0):
        super().__init__(cache_size)
        self.transforms, self.dim = list(tseq), dim
        self.bijective = all(t.bijective for t in self.transforms)

    def _slice(self, x, i):
        return x.narrow(self.dim, i, 1).squeeze(self.dim)

    def _map(self, x, fns):
        return {@mindspore.ops.stack}([fns[i](self._slice(x, i)) for i in range(x.shape[self.dim])], self.dim)

    def _call(self, x):
        return self._map(x, self.transforms)

    def _inverse(self, y):
        return self._map(y, [t.inv for t in self.transforms])

    def log_abs_det_jacobian(self, x, y):
        return {@mindspore.ops.stack}([t.log_abs_det_jacobian(self._slice(x, i), self._slice(y, i))
                                       for i, t in enumerate(self.transforms)], self.dim)
''',
    "CatTransform": '''\
class __NAME__({@msdev.Transform}):
    """torch.distributions.CatTransform: transform i applied to the i-th run of lengths[i] entries of x
    along dim, the results concatenated along dim again."""

    def __init__(self, tseq, dim=0, lengths=None, cache_size=0):
        super().__init__(cache_size)
        self.transforms, self.dim = list(tseq), dim
        self.lengths = [1] * len(self.transforms) if lengths is None else list(lengths)
        self.bijective = all(t.bijective for t in self.transforms)

    def _map(self, pairs):
        out, start = [], 0
        for fn, length, *more in pairs:
            out.append(fn(*[v.narrow(self.dim, start, length) for v in more]))
            start += length
        return {@mindspore.ops.cat}(out, self.dim)

    def _call(self, x):
        return self._map([(t, n, x) for t, n in zip(self.transforms, self.lengths)])

    def _inverse(self, y):
        return self._map([(t.inv, n, y) for t, n in zip(self.transforms, self.lengths)])

    def log_abs_det_jacobian(self, x, y):
        return self._map([(t.log_abs_det_jacobian, n, x, y) for t, n in zip(self.transforms, self.lengths)])
''',
    "CumulativeDistributionTransform": '''\
class __NAME__({@msdev.Transform}):
    """torch.distributions.CumulativeDistributionTransform: y = distribution.cdf(x); log|dy/dx| is the
    distribution's log density."""
    bijective = True

    def __init__(self, distribution, cache_size=0):
        super().__init__(cache_size)
        self.distribution = distribution

    def _call(self, x):
        return self.distribution.cdf(x)

    def _inverse(self, y):
        return self.distribution.icdf(y)

    def log_abs_det_jacobian(self, x, y):
        return self.distribution.log_prob(x)
''',
    "Distribution": '''\
class __NAME__:
    """torch.distributions.Distribution, the base of custom distributions: batch and event shapes, and the
    methods the converted member uses call (mean(), var(), sd(), sample(shape), ...), which a subclass
    overrides; here they raise NotImplementedError as PyTorch's do."""
    has_rsample = False
    has_enumerate_support = False

    def __init__(self, batch_shape=(), event_shape=(), validate_args=None):
        self._batch_shape, self._event_shape = tuple(batch_shape), tuple(event_shape)

    @property
    def batch_shape(self):
        return self._batch_shape

    @property
    def event_shape(self):
        return self._event_shape

    def _extended_shape(self, sample_shape=()):
        return tuple(sample_shape) + self._batch_shape + self._event_shape

    def mean(self):
        raise NotImplementedError

    def mode(self):
        raise NotImplementedError

    def var(self):
        raise NotImplementedError

    def sd(self):
        return self.var() ** 0.5

    def sample(self, sample_shape=()):
        return self.rsample(sample_shape)

    def rsample(self, sample_shape=()):
        raise NotImplementedError

    def log_prob(self, value):
        raise NotImplementedError

    def cdf(self, value):
        raise NotImplementedError

    def icdf(self, value):
        raise NotImplementedError

    def entropy(self):
        raise NotImplementedError

    def __repr__(self):
        return type(self).__name__ + "()"
''',
    "Independent": '''\
class __NAME__({@msdev.Distribution}):
    """torch.distributions.Independent written out as a class over the converted base distribution, so that
    code can subclass it (zuko's DiagNormal, BoxUniform): log_prob and entropy sum over the last n batch
    dims, which become event dims; moments, draws and cdf are the base's."""

    def __init__(self, base_distribution, reinterpreted_batch_ndims, validate_args=None):
        self.base_dist = base_distribution
        self.reinterpreted_batch_ndims = n = reinterpreted_batch_ndims
        batch, event = {@msdev.distribution_shapes}(base_distribution)
        batch, event = tuple(batch), tuple(event)
        super().__init__(batch[:len(batch) - n], batch[len(batch) - n:] + event)
        self.has_rsample = getattr(base_distribution, "has_rsample", True)

    def _summed(self, t):
        n = self.reinterpreted_batch_ndims
        return t.sum(tuple(range(-n, 0))) if n else t

    def log_prob(self, value):
        return self._summed(self.base_dist.log_prob(value))

    def entropy(self):
        return self._summed(self.base_dist.entropy())

    def cdf(self, value):
        return self.base_dist.cdf(value)

    def mean(self):
        return self.base_dist.mean()

    def mode(self):
        return self.base_dist.mode()

    def var(self):
        return self.base_dist.var()

    def sd(self):
        return self.base_dist.sd()

    def sample(self, sample_shape=()):
        return self.base_dist.sample(tuple(sample_shape))

    def rsample(self, sample_shape=()):
        draw = getattr(self.base_dist, "rsample", None)
        return draw(tuple(sample_shape)) if draw is not None else self.base_dist.sample(tuple(sample_shape))

    def __repr__(self):
        return f"Independent({self.base_dist!r}, {self.reinterpreted_batch_ndims})"
''',
    "TransformedDistribution": '''\
class __NAME__({@msdev.Distribution}):
    """torch.distributions.TransformedDistribution written out as a class, so that PyTorch code can
    subclass it (SAC's SquashedNormal): log_prob inverts the transforms from the last one and subtracts
    their log|det J|, draws push the base distribution's draws through them."""
    has_rsample = True

    def __init__(self, base_distribution, transforms, validate_args=None):
        self.base_dist = base_distribution
        self.transforms = list(transforms) if isinstance(transforms, (list, tuple)) else [transforms]
        batch, event = {@msdev.distribution_shapes}(base_distribution)
        super().__init__(batch, event)

    def log_prob(self, value):
        total, y = 0.0, value
        for transform in reversed(self.transforms):
            x = transform.inv(y)
            total = total - transform.log_abs_det_jacobian(x, y)
            y = x
        return total + self.base_dist.log_prob(y)

    def rsample(self, sample_shape=()):
        value = self.base_dist.sample(tuple(sample_shape))
        for transform in self.transforms:
            value = transform(value)
        return value

    def sample(self, sample_shape=()):
        """Differentiable, as rsample: converted code calls sample() for both (Distribution.rsample)."""
        return self.rsample(sample_shape)
''',
    "ExponentialFamily": '''\
class __NAME__({@msdev.Distribution}):
    """torch.distributions.ExponentialFamily: a Distribution whose subclasses give natural parameters and
    the log normalizer (MindSpore has no such base)."""

    @property
    def _natural_params(self):
        raise NotImplementedError

    def _log_normalizer(self, *natural_params):
        raise NotImplementedError
''',
    "kl_registry": '''\
__NAME__ = {}  # (type of p, type of q) -> the KL function torch.distributions.kl.register_kl registered for them
''',
    "register_kl": '''\
def __NAME__(type_p, type_q):
    """torch.distributions.kl.register_kl: a decorator that records the function for that pair of
    distribution types, which the converted kl_divergence calls before MindSpore's own kl_loss."""
    def register(fn):
        {@msdev.kl_registry}[(type_p, type_q)] = fn
        return fn
    return register
''',
    "kl_divergence": '''\
def __NAME__(p, q):
    """torch.distributions.kl_divergence: a pair registered with register_kl calls its own function; two
    Independent distributions sum the KL of their bases over the reinterpreted dims; any other pair is
    MindSpore's p.kl_loss(type name of q, parameters of q), which the written-out distributions
    (Categorical, the multivariate normals) give too."""
    if (type(p), type(q)) in {@msdev.kl_registry}:
        return {@msdev.kl_registry}[(type(p), type(q))](p, q)
    if hasattr(p, "base_dist") and hasattr(q, "base_dist"):
        n = p.reinterpreted_batch_ndims
        kl = __NAME__(p.base_dist, q.base_dist)
        return kl.sum(tuple(range(-n, 0))) if n else kl
    params = dict(Normal=lambda: (q.mean(), q.sd()), LogNormal=lambda: (q.loc, q.scale), Exponential=lambda: (q.rate,),
                  Bernoulli=lambda: (q.probs,), Geometric=lambda: (q.probs,), Categorical=lambda: (q.probs,),
                  Uniform=lambda: (q.low, q.high), Gumbel=lambda: (q.loc, q.scale), Cauchy=lambda: (q.loc, q.scale),
                  Beta=lambda: (q.concentration1, q.concentration0), Gamma=lambda: (q.concentration, q.rate),
                  MultivariateNormal=lambda: (q.mean(), q.scale_tril),
                  LowRankMultivariateNormal=lambda: (q.mean(), q.scale_tril))
    name = type(q).__name__
    return p.kl_loss(name, *params[name]())
''',
    "biject_to": '''\
def __NAME__(constraint):
    """torch.distributions.biject_to: the bijective transform from unconstrained reals onto the constraint's
    support, PyTorch's registry written out by the converted constraint's name (its bounds as attributes)."""
    name = type(constraint).__name__
    if name in ("real", "real_vector"):
        return {@msdev.ComposeTransform}([])
    if name in ("positive", "nonnegative"):
        return {@msdev.ExpTransform}()
    if name in ("greater_than", "greater_than_eq"):
        return {@msdev.ComposeTransform}([{@msdev.ExpTransform}(), {@msdev.AffineTransform}(constraint.lower_bound, 1)])
    if name == "less_than":
        return {@msdev.ComposeTransform}([{@msdev.ExpTransform}(), {@msdev.AffineTransform}(constraint.upper_bound, -1)])
    if name == "unit_interval":
        return {@msdev.SigmoidTransform}()
    if name in ("interval", "half_open_interval"):
        lower, upper = constraint.lower_bound, constraint.upper_bound
        return {@msdev.ComposeTransform}([{@msdev.SigmoidTransform}(), {@msdev.AffineTransform}(lower, upper - lower)])
    if name == "simplex":
        return {@msdev.StickBreakingTransform}()
    if name == "lower_cholesky":
        return {@msdev.LowerCholeskyTransform}()
    if name == "independent":
        return {@msdev.IndependentTransform}(__NAME__(constraint.base_constraint), constraint.reinterpreted_batch_ndims)
    raise NotImplementedError("biject_to has no transform for the constraint " + name)
''',
    "transform_to": '''\
def __NAME__(constraint):
    """torch.distributions.transform_to: as biject_to, but the simplex is reached through softmax (not
    bijective, as in PyTorch)."""
    name = type(constraint).__name__
    if name == "simplex":
        return {@msdev.SoftmaxTransform}()
    if name == "independent":
        return {@msdev.IndependentTransform}(__NAME__(constraint.base_constraint), constraint.reinterpreted_batch_ndims)
    return {@msdev.biject_to}(constraint)
''',
    "distribution_shapes": '''\
def __NAME__(d):
    """(batch_shape, event_shape) of a converted distribution, PyTorch's two properties: the Distribution
    base keeps them, MindSpore's distributions call the batch shape broadcast_shape (their events are
    scalars), and a written-out one is read off a draw, whose last dims are the event of a multivariate
    family."""
    if hasattr(d, "_batch_shape") and hasattr(d, "_event_shape"):
        return tuple(d._batch_shape), tuple(d._event_shape)
    if hasattr(d, "broadcast_shape"):
        return tuple(d.broadcast_shape), ()
    events = {"Dirichlet": 1, "Multinomial": 1, "OneHotCategorical": 1, "OneHotCategoricalStraightThrough": 1,
              "RelaxedOneHotCategorical": 1, "MultivariateNormal": 1, "LowRankMultivariateNormal": 1,
              "LogisticNormal": 1, "Wishart": 2, "LKJCholesky": 2}.get(type(d).__name__, 0)
    shape = tuple(d.sample(()).shape)
    return shape[:len(shape) - events], shape[len(shape) - events:]
''',
    "host_sample": '''\
def __NAME__(d, sample_shape=()):
    """A draw from MindSpore's Gamma, Beta or Poisson made with NumPy (MindSpore 2.10 has no CPU kernel for
    their samplers), of PyTorch's shape (sample_shape + batch shape) and float dtype."""
    def host(v):
        return {@numpy.asarray}(v.asnumpy() if isinstance(v, {@mindspore.Tensor}) else v, dtype="float64")
    shape = tuple(sample_shape) + tuple(d.broadcast_shape)
    name = type(d).__name__
    if name == "Gamma":
        first = d.concentration
        value = {@numpy.random.gamma}(host(first), 1.0 / host(d.rate), shape)
    elif name == "Beta":
        first = d.concentration1
        value = {@numpy.random.beta}(host(first), host(d.concentration0), shape)
    else:
        first = d.rate
        value = {@numpy.random.poisson}(host(first), shape)
    dtype = first.dtype if isinstance(first, {@mindspore.Tensor}) else {@mindspore.float32}
    return {@mindspore.Tensor}(value, {@mindspore.float32}).astype(dtype)
''',
    "LogisticNormal": '''\
class __NAME__:
    """torch.distributions.LogisticNormal: a normal over R^K carried onto the (K+1)-simplex by stick
    breaking (PyTorch's TransformedDistribution of Independent(Normal(loc, scale), 1)); log_prob subtracts
    the transform's log-Jacobian, draws are transformed normal draws."""

    def __init__(self, loc, scale, validate_args=None):
        loc = loc if isinstance(loc, {@mindspore.Tensor}) else {@mindspore.Tensor}(loc, {@mindspore.float32})
        scale = scale if isinstance(scale, {@mindspore.Tensor}) else {@mindspore.Tensor}(scale, {@mindspore.float32})
        shape = tuple({@numpy.broadcast_shapes}(tuple(loc.shape), tuple(scale.shape)))
        self.loc, self.scale = {@mindspore.ops.broadcast_to}(loc, shape), {@mindspore.ops.broadcast_to}(scale, shape)
        self._transform = {@msdev.StickBreakingTransform}()
        self._batch_shape, self._event_shape = shape[:-1], (shape[-1] + 1,)

    @property
    def batch_shape(self):
        return self._batch_shape

    @property
    def event_shape(self):
        return self._event_shape

    def log_prob(self, value):
        x = self._transform.inv(value)
        z = (x - self.loc) / self.scale
        normal = (-0.5 * z ** 2 - {@mindspore.ops.log}(self.scale) - 0.9189385332046727).sum(-1)
        return normal - self._transform.log_abs_det_jacobian(x, value)

    def rsample(self, sample_shape=()):
        noise = {@mindspore.ops.standard_normal}(tuple(sample_shape) + tuple(self.loc.shape)).astype(self.loc.dtype)
        return self._transform(self.loc + self.scale * noise)

    def sample(self, sample_shape=()):
        """Differentiable, as rsample: converted code calls sample() for both (Distribution.rsample)."""
        return self.rsample(sample_shape)
''',
    "host_array": '''\
def __NAME__(value):
    """A tensor, array or number as a float64 NumPy array (the written-out distributions compute on the host)."""
    return {@numpy.asarray}(value.asnumpy() if isinstance(value, {@mindspore.Tensor}) else value, dtype="float64")
''',
    "mvlgamma": '''\
def __NAME__(a, p):
    """log of the multivariate gamma function of dimension p, elementwise over a NumPy array."""
    from math import lgamma, log, pi
    lg = {@numpy.vectorize}(lgamma)
    return p * (p - 1) / 4 * log(pi) + sum(lg(a - i / 2) for i in range(p))
''',
    "Wishart": '''\
class __NAME__:
    """torch.distributions.Wishart(df, covariance_matrix | precision_matrix | scale_tril): log_prob, entropy,
    mean(), mode, var() (PyTorch's variance) as PyTorch writes them (computed on the host in float64, returned
    in the parameters' dtype), rsample by the Bartlett decomposition with NumPy draws."""
    has_rsample = True

    def __init__(self, df, covariance_matrix=None, precision_matrix=None, scale_tril=None, validate_args=None):
        given = next(v for v in (covariance_matrix, precision_matrix, scale_tril) if v is not None)
        self._dtype = given.dtype if isinstance(given, {@mindspore.Tensor}) else {@mindspore.float32}
        if scale_tril is not None:
            tril = {@msdev.host_array}(scale_tril)
        elif covariance_matrix is not None:
            tril = {@numpy.linalg.cholesky}({@msdev.host_array}(covariance_matrix))
        else:
            tril = {@numpy.linalg.cholesky}({@numpy.linalg.inv}({@msdev.host_array}(precision_matrix)))
        self._df = {@msdev.host_array}(df)
        batch = tuple({@numpy.broadcast_shapes}(self._df.shape, tril.shape[:-2]))
        self._batch_shape, self._event_shape = batch, tuple(tril.shape[-2:])
        self._tril = {@numpy.broadcast_to}(tril, batch + self._event_shape)
        self._df = {@numpy.broadcast_to}(self._df, batch)
        self._cov = self._tril @ {@numpy.swapaxes}(self._tril, -1, -2)

    def _out(self, value):
        return {@mindspore.Tensor}({@numpy.asarray}(value, dtype="float64"), {@mindspore.float64}).astype(self._dtype)

    @property
    def batch_shape(self):
        return self._batch_shape

    @property
    def event_shape(self):
        return self._event_shape

    @property
    def df(self):
        return self._out(self._df)

    @property
    def scale_tril(self):
        return self._out(self._tril)

    @property
    def covariance_matrix(self):
        return self._out(self._cov)

    @property
    def precision_matrix(self):
        return self._out({@numpy.linalg.inv}(self._cov))

    def mean(self):
        """A method, as converted code reads the means of MindSpore's distributions (d.mean())."""
        return self._out(self._df[..., None, None] * self._cov)

    @property
    def mode(self):
        factor = self._df - self._event_shape[-1] - 1
        factor = {@numpy.where}(factor <= 0, {@numpy.nan}, factor)
        return self._out(factor[..., None, None] * self._cov)

    def var(self):
        """A method, as converted code reads variances (d.variance becomes d.var())."""
        diag = {@numpy.diagonal}(self._cov, 0, -2, -1)
        return self._out(self._df[..., None, None] * (self._cov ** 2 + diag[..., :, None] * diag[..., None, :]))

    def _half_logdet(self):
        return {@numpy.log}({@numpy.diagonal}(self._tril, 0, -2, -1)).sum(-1)

    def log_prob(self, value):
        x = {@msdev.host_array}(value)
        nu, p = self._df, self._event_shape[-1]
        trace = {@numpy.trace}({@numpy.linalg.solve}(self._cov, x), 0, -2, -1)
        out = (-nu * (p * 0.34657359027997264 + self._half_logdet()) - {@msdev.mvlgamma}(nu / 2, p)
               + (nu - p - 1) / 2 * {@numpy.linalg.slogdet}(x)[1] - trace / 2)
        return self._out(out)

    def entropy(self):
        nu, p = self._df, self._event_shape[-1]
        digamma = lambda v: {@mindspore.ops.digamma}({@mindspore.Tensor}(v, {@mindspore.float64})).asnumpy()
        mvdigamma = sum(digamma(nu / 2 - i / 2) for i in range(p))
        return self._out((p + 1) * (p * 0.34657359027997264 + self._half_logdet()) + {@msdev.mvlgamma}(nu / 2, p)
                         - (nu - p - 1) / 2 * mvdigamma + nu * p / 2)

    def rsample(self, sample_shape=()):
        shape = tuple(sample_shape) + self._batch_shape
        p = self._event_shape[-1]
        nu = {@numpy.broadcast_to}(self._df, shape)
        a = {@numpy.tril}({@numpy.random.standard_normal}(shape + (p, p)), -1)
        chi = {@numpy.sqrt}({@numpy.random.chisquare}(nu[..., None] - {@numpy.arange}(p), shape + (p,)))
        a = a + chi[..., :, None] * {@numpy.eye}(p)
        la = self._tril @ a
        return self._out(la @ {@numpy.swapaxes}(la, -1, -2))

    def sample(self, sample_shape=()):
        return self.rsample(sample_shape)
''',
    "LKJCholesky": '''\
class __NAME__:
    """torch.distributions.LKJCholesky(dim, concentration): log_prob as PyTorch writes it (on the host in
    float64, returned in the concentration's dtype); sample() by PyTorch's onion method with NumPy draws."""

    def __init__(self, dim, concentration=1.0, validate_args=None):
        if dim < 2:
            raise ValueError(f"Expected dim to be an integer greater than or equal to 2. Found dim={dim}.")
        self.dim = dim
        self._dtype = concentration.dtype if isinstance(concentration, {@mindspore.Tensor}) else {@mindspore.float32}
        self._conc = {@msdev.host_array}(concentration)
        self._batch_shape, self._event_shape = tuple(self._conc.shape), (dim, dim)

    @property
    def batch_shape(self):
        return self._batch_shape

    @property
    def event_shape(self):
        return self._event_shape

    @property
    def concentration(self):
        return {@mindspore.Tensor}(self._conc, {@mindspore.float64}).astype(self._dtype)

    def log_prob(self, value):
        diag = {@numpy.log}({@numpy.diagonal}({@msdev.host_array}(value), 0, -2, -1)[..., 1:])
        order = 2 * (self._conc[..., None] - 1) + self.dim - {@numpy.arange}(2, self.dim + 1)
        dm1 = self.dim - 1
        alpha = self._conc + 0.5 * dm1
        from math import lgamma, log, pi
        normalize = 0.5 * dm1 * log(pi) + {@msdev.mvlgamma}(alpha - 0.5, dm1) - {@numpy.vectorize}(lgamma)(alpha) * dm1
        out = (order * diag).sum(-1) - normalize
        return {@mindspore.Tensor}({@numpy.asarray}(out, dtype="float64"), {@mindspore.float64}).astype(self._dtype)

    def sample(self, sample_shape=()):
        shape = tuple(sample_shape) + self._batch_shape
        offset = {@numpy.concatenate}([[0.0], {@numpy.arange}(self.dim - 1, dtype="float64")])
        marginal = self._conc + 0.5 * (self.dim - 2)
        y = {@numpy.random.beta}(offset + 0.5, marginal[..., None] - 0.5 * offset, shape + (self.dim,))[..., None]
        u = {@numpy.tril}({@numpy.random.standard_normal}(shape + (self.dim, self.dim)), -1)
        norm = {@numpy.linalg.norm}(u, axis=-1, keepdims=True)
        u = {@numpy.divide}(u, norm, out={@numpy.zeros_like}(u), where=norm > 0)
        w = {@numpy.sqrt}(y) * u
        diag = {@numpy.sqrt}({@numpy.clip}(1 - (w ** 2).sum(-1), {@numpy.finfo}("float64").tiny, None))
        w = w + diag[..., :, None] * {@numpy.eye}(self.dim)
        return {@mindspore.Tensor}(w, {@mindspore.float64}).astype(self._dtype)
''',
    "MixtureSameFamily": '''\
class __NAME__:
    """torch.distributions.MixtureSameFamily written out over the converted mixing Categorical and component
    distribution (whose rightmost batch dim holds the K components): log_prob is the logsumexp of the
    mixture log-weights and the component log-densities, mean and variance by the laws of total
    expectation and variance, draws pick one component draw per sample."""

    def __init__(self, mixture_distribution, component_distribution, validate_args=None):
        self.mixture_distribution = mixture_distribution
        self.component_distribution = component_distribution
        batch, event = {@msdev.distribution_shapes}(component_distribution)
        self._batch_shape, self._event_shape = tuple(batch[:-1]), tuple(event)
        self._event_ndims = len(event)

    @property
    def batch_shape(self):
        return self._batch_shape

    @property
    def event_shape(self):
        return self._event_shape

    def _pad(self, t):
        return t.reshape(tuple(t.shape) + (1,) * self._event_ndims)

    def _log_weights(self):
        return {@mindspore.ops.log_softmax}(self.mixture_distribution.logits, -1)

    def log_prob(self, x):
        x = x.expand_dims(-1 - self._event_ndims)
        return {@mindspore.ops.logsumexp}(self.component_distribution.log_prob(x) + self._log_weights(), -1)

    def cdf(self, x):
        x = x.expand_dims(-1 - self._event_ndims)
        return (self.component_distribution.cdf(x) * self.mixture_distribution.probs).sum(-1)

    def mean(self):
        weights = self._pad(self.mixture_distribution.probs)
        return (weights * self.component_distribution.mean()).sum(-1 - self._event_ndims)

    def var(self):
        weights = self._pad(self.mixture_distribution.probs)
        axis = -1 - self._event_ndims
        spread = (self.component_distribution.mean() - self.mean().expand_dims(axis)) ** 2
        return (weights * self.component_distribution.var()).sum(axis) + (weights * spread).sum(axis)

    def sd(self):
        return self.var() ** 0.5

    def sample(self, sample_shape=()):
        draws = self.component_distribution.sample(tuple(sample_shape))
        picks = self.mixture_distribution.sample(tuple(sample_shape)).astype({@mindspore.int64})
        picks = self._pad(picks.expand_dims(-1))
        picks = {@mindspore.ops.broadcast_to}(picks, tuple(draws.shape[:-1 - self._event_ndims]) + (1,) + tuple(draws.shape[len(draws.shape) - self._event_ndims:]))
        return {@mindspore.ops.gather_elements}(draws, draws.ndim - 1 - self._event_ndims, picks).squeeze(-1 - self._event_ndims)
''',
    "Categorical": '''\
class __NAME__:
    """torch.distributions.Categorical written out: MindSpore's is a Cell that draws int32 indices and gives
    mean() another shape; this one keeps PyTorch's normalised probs and logits, int64 draws (NumPy, from
    the cumulative probabilities), log_prob, entropy, nan mean / variance, the shapes, its support and
    expand."""

    def __init__(self, probs=None, logits=None):
        if (probs is None) == (logits is None):
            raise ValueError("Either `probs` or `logits` must be specified, but not both.")
        if probs is not None:
            probs = probs if isinstance(probs, {@mindspore.Tensor}) else {@mindspore.Tensor}(probs, {@mindspore.float32})
            self.probs = probs / probs.sum(-1, keepdims=True)
            info = {@numpy.finfo}({@mindspore.dtype_to_nptype}(self.probs.dtype))
            self.logits = {@mindspore.ops.log}(self.probs.clamp(float(info.eps), 1.0 - float(info.eps)))
        else:
            logits = logits if isinstance(logits, {@mindspore.Tensor}) else {@mindspore.Tensor}(logits, {@mindspore.float32})
            self.logits = logits - {@mindspore.ops.logsumexp}(logits, -1, True)
            self.probs = {@mindspore.ops.softmax}(self.logits, -1)
        self._batch_shape, self._event_shape = tuple(self.probs.shape[:-1]), ()
        self._num_events = self.probs.shape[-1]

    has_rsample = False
    has_enumerate_support = True

    @property
    def batch_shape(self):
        return self._batch_shape

    @property
    def event_shape(self):
        return self._event_shape

    @property
    def support(self):
        """constraints.integer_interval(0, n - 1): check(value) is True where value names a category."""
        upper = self._num_events - 1
        check = staticmethod(lambda value: (value % 1 == 0) & (value >= 0) & (value <= upper))
        return type("IntegerInterval", (), {"lower_bound": 0, "upper_bound": upper, "check": check})()

    def expand(self, batch_shape, _instance=None):
        """The same categories over a larger batch: probs and logits broadcast, as PyTorch's expand does."""
        new = object.__new__(type(self))
        shape = tuple(batch_shape) + (self._num_events,)
        new.probs = {@mindspore.ops.broadcast_to}(self.probs, shape)
        new.logits = {@mindspore.ops.broadcast_to}(self.logits, shape)
        new._batch_shape, new._event_shape, new._num_events = tuple(batch_shape), (), self._num_events
        return new

    @property
    def param_shape(self):
        return tuple(self.probs.shape)

    @property
    def mode(self):
        return self.probs.argmax(-1).astype({@mindspore.int64})

    def sample(self, sample_shape=()):
        shape = tuple(sample_shape) + self._batch_shape
        cdf = {@numpy.cumsum}(self.probs.asnumpy().astype("float64"), -1)
        u = {@numpy.random.random_sample}(shape + (1,))
        draws = {@numpy.minimum}((u > cdf).sum(-1), self._num_events - 1)
        return {@mindspore.Tensor}(draws.astype("int64"))

    def log_prob(self, value):
        value = value.astype({@mindspore.int64}).expand_dims(-1)
        shape = tuple({@numpy.broadcast_shapes}(tuple(value.shape), tuple(self.logits.shape)))
        index = {@mindspore.ops.broadcast_to}(value, shape[:-1] + (1,))
        return {@mindspore.ops.gather_elements}({@mindspore.ops.broadcast_to}(self.logits, shape), -1, index).squeeze(-1)

    def entropy(self):
        lowest = float({@numpy.finfo}({@mindspore.dtype_to_nptype}(self.logits.dtype)).min)
        return -(self.probs * self.logits.clamp(min=lowest)).sum(-1)

    def mean(self):
        return {@mindspore.ops.full}(self._batch_shape, float("nan"), dtype=self.probs.dtype)

    def var(self):
        return self.mean()

    def sd(self):
        return self.mean()

    def enumerate_support(self, expand=True):
        values = {@mindspore.ops.arange}(self._num_events).reshape((-1,) + (1,) * len(self._batch_shape))
        return {@mindspore.ops.broadcast_to}(values, (-1,) + self._batch_shape) if expand else values

    def kl_loss(self, name, probs):
        """KL(self || a Categorical of these probs), the form the converted kl_divergence calls."""
        return (self.probs * (self.logits - {@mindspore.ops.log}(probs))).sum(-1)
''',
    "broadcast_all": '''\
def __NAME__(*values):
    """torch.distributions.utils.broadcast_all: numbers become tensors of the first tensor's dtype (float32
    when all are numbers), then every value is broadcast to the common shape; a tuple, as in PyTorch."""
    tensors = [v for v in values if isinstance(v, {@mindspore.Tensor})]
    dtype = tensors[0].dtype if tensors else {@mindspore.float32}
    values = [v if isinstance(v, {@mindspore.Tensor}) else {@mindspore.tensor}(v, dtype) for v in values]
    shape = tuple({@numpy.broadcast_shapes}(*(tuple(v.shape) for v in values)))
    return tuple(v if tuple(v.shape) == shape else {@mindspore.ops.broadcast_to}(v, shape) for v in values)
''',
}
