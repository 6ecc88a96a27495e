"""Arrow <-> numpy through raw buffers.

`pa.array(ndarray)` and `Array.to_numpy()` import pandas when it is installed (seconds on a cold
process) only to check whether the input is a pandas object; candle columns never hold nulls, so the
buffers can be used directly.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa


def to_arrow(values: np.ndarray) -> pa.Array:
    contiguous = np.ascontiguousarray(values)
    arrow_type = pa.from_numpy_dtype(contiguous.dtype)
    return pa.Array.from_buffers(arrow_type, contiguous.shape[0], [None, pa.py_buffer(contiguous)])


def to_numpy(column: pa.ChunkedArray, dtype: np.dtype) -> np.ndarray:
    """A numeric column as numpy; a single chunk comes back as a read-only view on Arrow memory."""
    if column.null_count:
        raise ValueError("numeric candle columns must not contain nulls")
    chunks = [np.frombuffer(c.buffers()[1], dtype)[c.offset : c.offset + len(c)] for c in column.chunks]
    if len(chunks) == 1:
        return chunks[0]
    return np.concatenate(chunks) if chunks else np.empty(0, dtype)
