"""numpy arrays <-> tensorflow.TensorProto, the tensor_value of a Courier value.

The C++ side is lp::Tensor (include/lp/tensor.h): a dense, row-major, little-endian array
of one of the dtypes below, carried in tensor_content.

  sending    an array of any layout or byte order goes out row-major little-endian
             (one copy, made by numpy's tobytes(); a second one into the message)
  receiving  np.frombuffer over the message's bytes: no copy beyond protobuf's, and the
             array is read-only (np.array(a) or a.copy() gives a writable one)

bfloat16 has no numpy dtype of its own: such tensors arrive as arrays of the structured
dtype `bfloat16` below (the 16 bits of each element; bfloat16_to_float32 converts), and
arrays of that dtype, or of ml_dtypes' bfloat16 when that package is installed, go out
as DT_BFLOAT16.
"""

import numpy as np

from . import _protos

# The bits of a bfloat16, as a dtype of its own so that the tensor's type survives a
# round trip through Python.
bfloat16 = np.dtype([("bfloat16", "<u2")])

_DT = _protos.DATA_TYPES

# DataType number -> the numpy dtype of its elements as they are on the wire.
_NUMPY_DTYPE = {
    _DT["DT_FLOAT"]: np.dtype("<f4"),
    _DT["DT_DOUBLE"]: np.dtype("<f8"),
    _DT["DT_HALF"]: np.dtype("<f2"),
    _DT["DT_BFLOAT16"]: bfloat16,
    _DT["DT_INT8"]: np.dtype("i1"),
    _DT["DT_INT16"]: np.dtype("<i2"),
    _DT["DT_INT32"]: np.dtype("<i4"),
    _DT["DT_INT64"]: np.dtype("<i8"),
    _DT["DT_UINT8"]: np.dtype("u1"),
    _DT["DT_UINT16"]: np.dtype("<u2"),
    _DT["DT_UINT32"]: np.dtype("<u4"),
    _DT["DT_UINT64"]: np.dtype("<u8"),
    _DT["DT_BOOL"]: np.dtype("?"),
}
# numpy dtype (little-endian) -> DataType number.
_DATA_TYPE = {dtype: number for number, dtype in _NUMPY_DTYPE.items()}

# TensorFlow's typed value fields, which other senders use for small tensors (the C++
# side decodes them too; it never sends them).
_TYPED_FIELD = {
    _DT["DT_FLOAT"]: "float_val", _DT["DT_DOUBLE"]: "double_val",
    _DT["DT_INT32"]: "int_val", _DT["DT_INT16"]: "int_val", _DT["DT_INT8"]: "int_val",
    _DT["DT_UINT8"]: "int_val", _DT["DT_UINT16"]: "int_val", _DT["DT_INT64"]: "int64_val",
    _DT["DT_UINT32"]: "uint32_val", _DT["DT_UINT64"]: "uint64_val", _DT["DT_BOOL"]: "bool_val",
    _DT["DT_HALF"]: "half_val", _DT["DT_BFLOAT16"]: "half_val",
}


def supported_dtypes():
    """The numpy dtypes a tensor can have on the wire (bfloat16 as the dtype above)."""
    return list(_DATA_TYPE)


def _wire_array(array):
    """(DataType number, the array in a little-endian dtype) or TypeError."""
    dtype = array.dtype
    if dtype.name == "bfloat16" and dtype.itemsize == 2:  # ml_dtypes.bfloat16
        return _DT["DT_BFLOAT16"], array.view(np.dtype("<u2").newbyteorder(dtype.byteorder))
    if dtype.fields is None and dtype.byteorder == ">":
        little = dtype.newbyteorder("<")
        if little in _DATA_TYPE:
            return _DATA_TYPE[little], array.astype(little)
    if dtype in _DATA_TYPE:
        return _DATA_TYPE[dtype], array
    raise TypeError(
        f"numpy arrays of dtype {dtype} cannot be sent: a tensor holds one of "
        "float16/32/64, bfloat16, int8/16/32/64, uint8/16/32/64 or bool")


def encode_array(array, tensor):
    """Fills `tensor` (a TensorProto) from the numpy array `array`."""
    number, array = _wire_array(array)
    tensor.dtype = number
    dims = tensor.tensor_shape.dim
    for size in array.shape:
        dims.add().size = size
    # tobytes() is row-major whatever the array's strides: one copy for any layout.
    tensor.tensor_content = array.tobytes(order="C")


def _from_typed_values(tensor, dtype, count):
    """The elements from TensorFlow's typed fields (the last value repeats, as in TF)."""
    field = _TYPED_FIELD.get(tensor.dtype)
    values = getattr(tensor, field) if field else ()
    if len(values) == 0:
        raise ValueError(f"tensor of {count} {dtype} elements has no data")
    if len(values) > count:
        raise ValueError(f"tensor has {len(values)} values in {field} but its shape "
                         f"holds {count}")
    values = list(values) + [values[-1]] * (count - len(values))
    if field == "half_val":
        return np.array(values, dtype="<u2").view(dtype)
    return np.array(values, dtype=dtype)


def decode_array(tensor):
    """The numpy array a TensorProto holds; ValueError when it is malformed."""
    dtype = _NUMPY_DTYPE.get(tensor.dtype)
    if dtype is None:
        name = {n: s for s, n in _DT.items()}.get(tensor.dtype, f"dtype {tensor.dtype}")
        raise ValueError(f"tensors of {name} are not supported")
    shape = tuple(dim.size for dim in tensor.tensor_shape.dim)
    if any(size < 0 for size in shape):
        raise ValueError(f"tensor shape {list(shape)} has a negative dimension")
    count = int(np.prod(shape, dtype=np.int64)) if shape else 1
    content = tensor.tensor_content
    if not content and count > 0:
        return _from_typed_values(tensor, dtype, count).reshape(shape)
    if len(content) != count * dtype.itemsize:
        raise ValueError(f"tensor of shape {list(shape)} and dtype {dtype} needs "
                         f"{count * dtype.itemsize} bytes, has {len(content)}")
    return np.frombuffer(content, dtype=dtype).reshape(shape)


def bfloat16_to_float32(array):
    """The float32 values of an array of dtype `bfloat16` (exact)."""
    bits = np.asarray(array).view("<u2").astype("<u4") << 16
    return bits.view("<f4")


def float32_to_bfloat16(array):
    """An array of dtype `bfloat16` from float values, rounded to nearest even."""
    bits = np.ascontiguousarray(array, dtype="<f4").view("<u4")
    is_nan = np.isnan(bits.view("<f4"))
    rounded = (bits + 0x7FFF + ((bits >> 16) & 1)) >> 16
    rounded = np.where(is_nan, (bits >> 16) | 0x40, rounded)  # keep NaNs NaN (quiet)
    return rounded.astype("<u2").view(bfloat16)
