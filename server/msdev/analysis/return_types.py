"""PyTorch's named tuples (torch.return_types): which functions return one and where each field sits.
The finder records a field read off a tensor function's result (no tensor has such an attribute) and the
rewriter turns it into an index (rewrite/namedtuples.py)."""

from __future__ import annotations

#: the fields of PyTorch's torch.return_types, by position
FIELDS = {"values": 0, "indices": 1, "U": 0, "S": 1, "V": 2, "Vh": 2, "Q": 0, "R": 1, "eigenvalues": 0,
          "eigenvectors": 1, "sign": 0, "logabsdet": 1, "mantissa": 0, "exponent": 1, "solution": 0,
          "residuals": 1, "rank": 2, "singular_values": 3, "inverse": 0, "result": 0, "L": 0, "info": 1,
          "LU": 0, "LD": 0, "pivots": 1, "P": 0, "min": 0, "max": 1}
#: where a function's named tuple puts a field elsewhere than FIELDS says (torch.linalg.lu gives (P, L, U))
FUNCTION_FIELDS = {"lu": {"P": 0, "L": 1, "U": 2}, "lu_factor_ex": {"info": 2}, "ldl_factor_ex": {"info": 2}}
#: functions and methods returning one of those named tuples
RETURNS_NAMED_TUPLE = frozenset({"max", "min", "sort", "topk", "median", "nanmedian", "mode", "kthvalue", "cummax",
                                 "cummin", "svd", "qr", "eigh", "eig", "slogdet", "frexp", "lstsq", "inv_ex",
                                 "solve_ex", "cholesky_ex", "lu", "lu_factor", "lu_factor_ex", "ldl_factor",
                                 "ldl_factor_ex", "aminmax"})
