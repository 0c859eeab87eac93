"""Python values <-> Courier values (courier.SerializedObject), as Python Courier does it.

  Python                       wire kind          C++ (docs/courier.md, "Types")
  None                         none_value         std::nullopt, void
  bool, np.bool_               bool_value         bool
  int, np.integer              int_value          int8 ... int64, uint8 ... uint64
  float, np.floating           double_value       double, float
  bytes, bytearray, memoryview string_value       std::string
  str                          unicode_value      lp::Unicode (UTF-8)
  list                         list_value         std::vector, std::array
  tuple (namedtuple too)       list_value, tuple  std::tuple, std::pair
  dict                         dict_value         std::map, LP_SERIALIZABLE structs
  np.ndarray                   tensor_value       lp::Tensor (see tensors.py)

Received values come back as the same Python types: a list as a list, a tuple as a
tuple, a tensor as a numpy array. Keys of a received dict that are lists become tuples
(a list cannot be a dict key).

The int kind is int64. An int outside [-2**63, 2**63) is refused with OverflowError; a
C++ uint64 above INT64_MAX travels as the int64 with the same bits, so Python sees it as
a negative int and sends such a value as `value - 2**64`.
"""

import numpy as np

from . import _protos
from . import tensors

_INT64_MIN = -(1 << 63)
_INT64_MAX = (1 << 63) - 1
# Lists, tuples and dicts nest at most this deep, as on the C++ side (kMaxNestingDepth):
# protobuf's parsers refuse messages nested past 100, and each level costs two.
MAX_NESTING_DEPTH = 32


class EncodeError(TypeError, ValueError):
    """A value that has no Courier form (a TypeError), or one nested too deep or holding
    a str that is not Unicode text (a ValueError); `path` says where it sits."""

    def __init__(self, message, path=()):
        super().__init__(message)
        self.message = message
        self.path = list(path)

    def __str__(self):
        where = "".join(f"[{step!r}]" for step in self.path)
        return f"{where}: {self.message}" if where else self.message


def _encode_int(value, out):
    if not _INT64_MIN <= value <= _INT64_MAX:
        raise OverflowError(
            f"int {value} does not fit the wire's int64; a C++ uint64 above INT64_MAX "
            f"is sent as the int64 with the same bits (value - 2**64)")
    out.int_value = value


def encode(value, out=None):
    """Writes `value` into `out` (a SerializedObject, new if None) and returns it.

    Raises EncodeError for a value of no Courier kind or nested more than
    MAX_NESTING_DEPTH lists, tuples and dicts deep, OverflowError for an int beyond int64.
    """
    if out is None:
        out = _protos.SerializedObject()
    _encode(value, out, 0)
    return out


def _encode(value, out, depth):
    """encode() of a value inside `depth` lists, tuples and dicts."""
    if value is None:
        out.none_value = True
    elif isinstance(value, (bool, np.bool_)):  # before int: bool is an int in Python
        out.bool_value = bool(value)
    elif isinstance(value, int):
        _encode_int(value, out)
    elif isinstance(value, float):
        out.double_value = value
    elif isinstance(value, str):
        try:
            out.unicode_value = value.encode("utf-8")
        except UnicodeEncodeError as e:
            raise EncodeError(f"str is not Unicode text ({e.reason} at index {e.start})") \
                from None
    elif isinstance(value, bytes):
        out.string_value = value
    elif isinstance(value, (bytearray, memoryview)):
        out.string_value = bytes(value)
    elif isinstance(value, (list, tuple, dict)) and depth == MAX_NESTING_DEPTH:
        raise EncodeError(f"lists, tuples and dicts are nested more than "
                          f"{MAX_NESTING_DEPTH} deep, Courier's limit")
    elif isinstance(value, (list, tuple)):
        items = out.list_value
        items.SetInParent()  # an empty list is still a list
        if isinstance(value, tuple):
            items.is_tuple = True
        add = items.items.add
        for index, item in enumerate(value):
            try:
                _encode(item, add(), depth + 1)
            except EncodeError as e:
                e.path.insert(0, index)
                raise
    elif isinstance(value, dict):
        pairs = out.dict_value
        pairs.SetInParent()  # an empty dict is still a dict
        add_key, add_value = pairs.keys.add, pairs.values.add
        for key, item in value.items():
            try:
                _encode(key, add_key(), depth + 1)
                _encode(item, add_value(), depth + 1)
            except EncodeError as e:
                e.path.insert(0, key)
                raise
    elif isinstance(value, np.ndarray):
        try:
            tensors.encode_array(value, out.tensor_value)
        except TypeError as e:
            raise EncodeError(str(e)) from None
    elif isinstance(value, np.integer):
        _encode_int(int(value), out)
    elif isinstance(value, np.floating):
        out.double_value = float(value)
    else:
        raise EncodeError(
            f"a value of type {type(value).__qualname__} has no Courier form (None, bool, "
            "int, float, bytes, str, list, tuple, dict or numpy array)")


def _hashable(key):
    return tuple(_hashable(item) for item in key) if isinstance(key, list) else key


def decode(obj):
    """The Python value of a SerializedObject (ValueError for a malformed tensor)."""
    kind = obj.WhichOneof("payload")
    if kind == "int_value":
        return obj.int_value
    if kind == "double_value":
        return obj.double_value
    if kind == "unicode_value":
        return obj.unicode_value.decode("utf-8")
    if kind == "string_value":
        return obj.string_value
    if kind == "bool_value":
        return obj.bool_value
    if kind == "list_value":
        items = [decode(item) for item in obj.list_value.items]
        return tuple(items) if obj.list_value.is_tuple else items
    if kind == "dict_value":
        pairs = obj.dict_value
        return {_hashable(decode(k)): decode(v) for k, v in zip(pairs.keys, pairs.values)}
    if kind == "tensor_value":
        return tensors.decode_array(obj.tensor_value)
    return None  # none_value, or no payload at all
