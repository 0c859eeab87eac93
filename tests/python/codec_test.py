#!/usr/bin/python3
"""launchpad_cpp's codec on its own: Python values and numpy arrays to Courier wire values
and back, with the edges (int64 bounds, NaN, empty and 0-d arrays, layouts, byte order).

  PYTHONPATH=python /usr/bin/python3 tests/python/codec_test.py
"""

import collections
import math
import unittest

import numpy as np

import launchpad_cpp
from launchpad_cpp import _protos, codec, tensors


def round_trip(value):
    """Encoded, serialized to bytes, parsed and decoded: what a peer would send back."""
    wire = codec.encode(value).SerializeToString()
    return codec.decode(_protos.SerializedObject.FromString(wire))


class Scalars(unittest.TestCase):
    def assertSame(self, got, want):
        self.assertEqual(type(got), type(want), f"{got!r} vs {want!r}")
        self.assertEqual(got, want)

    def test_each_kind_comes_back_as_itself(self):
        for value in [None, True, False, 0, 1, -1, 2.5, -0.0, b"", b"\x00\xff", "", "é🌍",
                      [], (), {}, [1, "a", None], (1,), {"k": [1.5, (2, b"x")]},
                      {1: "a", (1, 2): None, b"k": True}]:
            with self.subTest(value=value):
                self.assertSame(round_trip(value), value)

    def test_the_wire_kind_of_each_type(self):
        kinds = [(None, "none_value"), (True, "bool_value"), (1, "int_value"),
                 (1.0, "double_value"), (b"b", "string_value"), ("s", "unicode_value"),
                 ((1,), "list_value"), ([], "list_value"), ({}, "dict_value")]
        for value, kind in kinds:
            self.assertEqual(codec.encode(value).WhichOneof("payload"), kind, value)
        self.assertEqual(codec.encode([]).WhichOneof("payload"), "list_value")
        self.assertEqual(codec.encode({}).WhichOneof("payload"), "dict_value")
        self.assertEqual(codec.encode(np.zeros(2)).WhichOneof("payload"), "tensor_value")
        self.assertFalse(codec.encode([1]).list_value.is_tuple)
        self.assertTrue(codec.encode((1,)).list_value.is_tuple)
        self.assertEqual(codec.encode("é").unicode_value, "é".encode("utf-8"))

    def test_int64_bounds(self):
        for value in [2**63 - 1, -(2**63)]:
            self.assertSame(round_trip(value), value)
        for value in [2**63, -(2**63) - 1, 2**64 - 1, 10**30]:
            with self.subTest(value=value), self.assertRaisesRegex(OverflowError, "int64"):
                codec.encode(value)
        # uint64 above INT64_MAX: the int64 with the same bits is what C++ reads as uint64.
        self.assertSame(round_trip((2**64 - 1) - 2**64), -1)
        with self.assertRaises(OverflowError):
            codec.encode(np.uint64(2**64 - 1))

    def test_floats(self):
        self.assertTrue(math.isnan(round_trip(float("nan"))))
        self.assertSame(round_trip(float("inf")), float("inf"))
        self.assertSame(round_trip(float("-inf")), float("-inf"))
        self.assertEqual(math.copysign(1, round_trip(-0.0)), -1)
        self.assertSame(round_trip(5e-324), 5e-324)

    def test_bool_is_not_an_int(self):
        self.assertEqual(codec.encode(True).WhichOneof("payload"), "bool_value")
        self.assertEqual(codec.encode(np.bool_(True)).WhichOneof("payload"), "bool_value")

    def test_numpy_scalars_travel_as_python_scalars(self):
        self.assertSame(round_trip(np.int8(-5)), -5)
        self.assertSame(round_trip(np.uint32(7)), 7)
        self.assertSame(round_trip(np.float32(0.5)), 0.5)
        self.assertSame(round_trip(np.float64(0.25)), 0.25)
        self.assertSame(round_trip(np.bool_(False)), False)
        self.assertSame(round_trip(np.str_("s")), "s")

    def test_byte_like_values_are_bytes(self):
        self.assertSame(round_trip(bytearray(b"ab")), b"ab")
        self.assertSame(round_trip(memoryview(b"cd")), b"cd")

    def test_named_tuples_are_tuples(self):
        Point = collections.namedtuple("Point", "x y")
        self.assertSame(round_trip(Point(1, 2)), (1, 2))

    def test_nesting_up_to_courier_limit(self):
        def nested(levels):  # `levels` lists, tuples and dicts, one inside the other
            value = 1
            for level in range(levels):
                value = [(value,), {"v": value}, [value]][level % 3]
            return value
        value = nested(codec.MAX_NESTING_DEPTH)
        self.assertEqual(round_trip(value), value)  # and protobuf parses it
        with self.assertRaisesRegex(ValueError, "nested more than 32 deep"):
            codec.encode(nested(codec.MAX_NESTING_DEPTH + 1))

    def test_str_that_is_not_unicode_text_is_refused(self):
        with self.assertRaisesRegex(ValueError, r"\[1\]: str is not Unicode text"):
            codec.encode(["ok", "\ud800"])

    def test_list_keys_of_a_received_dict_become_tuples(self):
        obj = _protos.SerializedObject()
        key = obj.dict_value.keys.add()
        key.list_value.items.add().int_value = 1
        key.list_value.items.add().list_value.items.add().int_value = 2
        obj.dict_value.values.add().none_value = True
        self.assertEqual(codec.decode(obj), {(1, (2,)): None})

    def test_an_empty_object_is_none(self):
        self.assertIsNone(codec.decode(_protos.SerializedObject()))

    def test_values_of_no_courier_kind_are_refused_naming_where(self):
        for value in [{1, 2}, object(), 1j, np.complex64(1)]:
            with self.subTest(value=value), self.assertRaises(TypeError):
                codec.encode(value)
        with self.assertRaises(launchpad_cpp.EncodeError) as caught:
            codec.encode({"a": [0, (1, {2: set()})]})
        self.assertEqual(caught.exception.path, ["a", 1, 1, 2])
        self.assertIn("['a'][1][1][2]: a value of type set has no Courier form",
                      str(caught.exception))


class Arrays(unittest.TestCase):
    def assertArray(self, got, want):
        self.assertIsInstance(got, np.ndarray)
        self.assertEqual(got.dtype, want.dtype)
        self.assertEqual(got.shape, want.shape)
        self.assertEqual(got.tobytes(), want.tobytes())

    def test_every_dtype_round_trips(self):
        for dtype in tensors.supported_dtypes():
            with self.subTest(dtype=dtype):
                array = (np.arange(12) % 2).astype("<u2").view(dtype) \
                    if dtype == launchpad_cpp.bfloat16 else np.arange(12).astype(dtype)
                self.assertArray(round_trip(array.reshape(3, 4)), array.reshape(3, 4))

    def test_dtype_numbers_are_tensorflows(self):
        expected = {"<f4": 1, "<f8": 2, "<i4": 3, "|u1": 4, "<i2": 5, "|i1": 6, "<i8": 9,
                    "|b1": 10, "<u2": 17, "<f2": 19, "<u4": 22, "<u8": 23}
        for dtype, number in expected.items():
            self.assertEqual(codec.encode(np.zeros(1, dtype)).tensor_value.dtype, number, dtype)
        bf16 = np.zeros(1, launchpad_cpp.bfloat16)
        self.assertEqual(codec.encode(bf16).tensor_value.dtype, 14)

    def test_extreme_values(self):
        for array in [np.array([np.iinfo(np.int64).min, np.iinfo(np.int64).max]),
                      np.array([0, np.iinfo(np.uint64).max], dtype=np.uint64),
                      np.array([np.nan, np.inf, -np.inf, -0.0, 5e-324]),
                      np.array([np.nan, 65504, -np.inf], dtype=np.float16)]:
            self.assertArray(round_trip(array), array)

    def test_empty_and_zero_dimensional_arrays(self):
        for shape in [(0,), (0, 3), (2, 0, 4), ()]:
            array = np.ones(shape, dtype=np.float32)
            with self.subTest(shape=shape):
                self.assertArray(round_trip(array), array)
        self.assertEqual(list(codec.encode(np.array(3.0)).tensor_value.tensor_shape.dim), [])

    def test_any_layout_arrives_row_major(self):
        base = np.arange(30, dtype=np.int32).reshape(5, 6)
        for array in [base[::2, ::3], base.T, np.asfortranarray(base), base[:, 1:4][::-1]]:
            self.assertFalse(array.flags.c_contiguous and array is base)
            content = codec.encode(array).tensor_value.tensor_content
            self.assertEqual(content, np.ascontiguousarray(array).tobytes())
            self.assertArray(round_trip(array), np.ascontiguousarray(array))

    def test_big_endian_arrays_go_out_little_endian(self):
        for dtype in [">f4", ">f8", ">i2", ">i8", ">u4", ">f2"]:
            array = np.arange(6, dtype=dtype)
            content = codec.encode(array).tensor_value.tensor_content
            self.assertEqual(content, array.astype(dtype.replace(">", "<")).tobytes(), dtype)
            self.assertArray(round_trip(array), array.astype(dtype.replace(">", "<")))

    def test_received_arrays_are_views_of_the_message(self):
        obj = _protos.SerializedObject.FromString(
            codec.encode(np.arange(4.0)).SerializeToString())
        array = codec.decode(obj)
        self.assertFalse(array.flags.writeable)  # np.frombuffer over the bytes: no copy
        base = array
        while isinstance(base, np.ndarray):
            base = base.base
        self.assertIsInstance(base, bytes)

    def test_unsupported_dtypes_are_refused(self):
        for array in [np.array(["a"]), np.array([b"a"]), np.array([object()]),
                      np.zeros(2, np.complex64), np.zeros(2, "datetime64[s]"),
                      np.zeros(2, np.longdouble)]:
            with self.subTest(dtype=array.dtype), self.assertRaisesRegex(TypeError,
                                                                         "cannot be sent"):
                codec.encode(array)

    def test_malformed_tensors_are_refused(self):
        obj = codec.encode(np.zeros((2, 2), np.float32))
        obj.tensor_value.tensor_content = b"123"
        with self.assertRaisesRegex(ValueError, r"needs 16 bytes, has 3"):
            codec.decode(obj)
        obj = codec.encode(np.zeros(2, np.float32))
        obj.tensor_value.dtype = _protos.DATA_TYPES["DT_STRING"]
        with self.assertRaisesRegex(ValueError, "DT_STRING are not supported"):
            codec.decode(obj)
        obj = codec.encode(np.zeros(2, np.float32))
        obj.tensor_value.tensor_shape.dim[0].size = -2
        with self.assertRaisesRegex(ValueError, "negative"):
            codec.decode(obj)

    def test_tensorflows_typed_fields_are_read(self):
        # What TensorFlow's make_tensor_proto sends for small tensors: the last value repeats.
        tensor = _protos.TensorProto(dtype=_protos.DATA_TYPES["DT_FLOAT"])
        tensor.tensor_shape.dim.add().size = 4
        tensor.float_val.extend([1.5, 2.5])
        self.assertArray(tensors.decode_array(tensor), np.array([1.5, 2.5, 2.5, 2.5], "<f4"))
        tensor = _protos.TensorProto(dtype=_protos.DATA_TYPES["DT_HALF"])
        tensor.half_val.append(int(np.array(0.5, "<f2").view("<u2")))
        self.assertArray(tensors.decode_array(tensor), np.array(0.5, "<f2"))
        tensor = _protos.TensorProto(dtype=_protos.DATA_TYPES["DT_INT32"])
        tensor.tensor_shape.dim.add().size = 1
        tensor.int_val.extend([1, 2])
        with self.assertRaisesRegex(ValueError, "2 values in int_val"):
            tensors.decode_array(tensor)

    def test_bfloat16_conversions(self):
        values = np.array([0.0, 1.0, -2.5, 3.140625, np.inf, -np.inf, 1e-40], np.float32)
        bf16 = launchpad_cpp.float32_to_bfloat16(values)
        self.assertEqual(bf16.dtype, launchpad_cpp.bfloat16)
        np.testing.assert_array_equal(launchpad_cpp.bfloat16_to_float32(bf16)[:6], values[:6])
        # Round to nearest even: 1 + 2**-8 is halfway between 1 and 1 + 2**-7.
        halfway = launchpad_cpp.float32_to_bfloat16(np.array([1 + 2**-8, 1 + 3 * 2**-8]))
        np.testing.assert_array_equal(launchpad_cpp.bfloat16_to_float32(halfway),
                                      np.array([1.0, 1 + 2**-6], np.float32))
        self.assertTrue(np.isnan(launchpad_cpp.bfloat16_to_float32(
            launchpad_cpp.float32_to_bfloat16(np.array([np.nan])))[0]))


if __name__ == "__main__":
    unittest.main()
