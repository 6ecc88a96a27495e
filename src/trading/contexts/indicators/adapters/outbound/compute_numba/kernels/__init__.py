"""Batched numba indicator kernels.

Convention shared by every kernel module here:
- inputs are C-contiguous float64 arrays of one length n (the whole timeline, warmup included);
- source-parameterised indicators take `src_rows: float64[k, n]` (the distinct price sources the
  grid uses) and `src_idx: int64[v]` (which row each variant reads);
- every other parameter is a 1-D array of length v, one value per variant (int64 windows, float64
  multipliers);
- the result is a new float64[v, n] array of the primary output, NaN until enough history;
- kernels are `@njit(cache=True, parallel=True, nogil=True)` with `prange` over variants, float64 accumulation.
"""
