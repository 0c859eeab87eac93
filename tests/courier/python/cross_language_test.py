#!/usr/bin/python3
"""A Python client calls a C++ CourierNode over the Courier wire format.

Runs courier_test_server (a C++ lp program) with a secret chosen here (LP_COURIER_SECRET),
reads the address it prints, and calls its methods through /courier.CourierService/Call
with grpcio and the modules protoc generated from the project's own proto/ (no
grpc_tools, no numpy: tensors are packed with struct), sending the secret in metadata
'lp-secret' as any client outside the program must; without it calls are refused.
Ends with "N passed, M failed"; the exit code is 0 only if nothing failed.

  /usr/bin/python3 cross_language_test.py --server=build/.../courier_test_server \\
      --proto_dir=build/.../python_gen

Debian's /usr/bin/python3 with python3-grpcio and python3-protobuf is the interpreter to
use (a pyenv `python3` on PATH usually has neither).
"""

import argparse
import math
import queue
import os
import re
import secrets
import struct
import subprocess
import sys
import threading
import traceback

PARSER = argparse.ArgumentParser(description=__doc__.splitlines()[0])
PARSER.add_argument("--server", required=True, help="path of courier_test_server")
PARSER.add_argument("--proto_dir", required=True, help="where protoc --python_out wrote")
PARSER.add_argument("--timeout", type=float, default=60.0, help="per-call deadline, seconds")
ARGS = PARSER.parse_args()

sys.path.insert(0, ARGS.proto_dir)
import grpc  # noqa: E402
from courier import courier_pb2  # noqa: E402
from tensorflow import tensor_pb2  # noqa: E402


class Float32Tensor:
    """A float32 tensor without numpy: a shape and flat row-major values."""

    def __init__(self, values, shape):
        self.values = [float(v) for v in values]
        self.shape = list(shape)

    def __eq__(self, other):
        return (isinstance(other, Float32Tensor) and self.shape == other.shape
                and self.values == other.values)

    def __repr__(self):
        return f"Float32Tensor({self.values}, shape={self.shape})"


class OtherTensor:
    """A tensor of another dtype, kept as raw bytes."""

    def __init__(self, dtype, shape, content):
        self.dtype, self.shape, self.content = dtype, list(shape), content

    def __eq__(self, other):
        return isinstance(other, OtherTensor) and vars(self) == vars(other)

    def __repr__(self):
        return f"OtherTensor(dtype={self.dtype}, shape={self.shape}, {len(self.content)} bytes)"


def encode(value, out=None):
    """Python value -> courier.SerializedObject, as Python Courier does it."""
    out = courier_pb2.SerializedObject() if out is None else out
    if value is None:
        out.none_value = True
    elif isinstance(value, bool):  # before int: bool is an int in Python
        out.bool_value = value
    elif isinstance(value, int):
        out.int_value = value
    elif isinstance(value, float):
        out.double_value = value
    elif isinstance(value, bytes):
        out.string_value = value
    elif isinstance(value, str):
        out.unicode_value = value.encode("utf-8")
    elif isinstance(value, (list, tuple)):
        out.list_value.SetInParent()  # an empty list is still a list
        out.list_value.is_tuple = isinstance(value, tuple)
        for item in value:
            encode(item, out.list_value.items.add())
    elif isinstance(value, dict):
        out.dict_value.SetInParent()  # an empty dict is still a dict
        for key, item in value.items():
            encode(key, out.dict_value.keys.add())
            encode(item, out.dict_value.values.add())
    elif isinstance(value, Float32Tensor):
        t = out.tensor_value
        t.dtype = tensor_pb2.DT_FLOAT
        for size in value.shape:
            t.tensor_shape.dim.add().size = size
        t.tensor_content = struct.pack(f"<{len(value.values)}f", *value.values)
    elif isinstance(value, OtherTensor):
        t = out.tensor_value
        t.dtype = value.dtype
        for size in value.shape:
            t.tensor_shape.dim.add().size = size
        t.tensor_content = value.content
    else:
        raise TypeError(f"cannot encode {type(value)}")
    return out


def decode(obj):
    """courier.SerializedObject -> Python value."""
    kind = obj.WhichOneof("payload")
    if kind == "none_value":
        return None
    if kind in ("int_value", "double_value", "bool_value", "string_value"):
        return getattr(obj, kind)
    if kind == "unicode_value":
        return obj.unicode_value.decode("utf-8")
    if kind == "list_value":
        items = [decode(item) for item in obj.list_value.items]
        return tuple(items) if obj.list_value.is_tuple else items
    if kind == "dict_value":
        return {decode(k): decode(v) for k, v in zip(obj.dict_value.keys, obj.dict_value.values)}
    if kind == "tensor_value":
        t = obj.tensor_value
        shape = [d.size for d in t.tensor_shape.dim]
        if t.dtype == tensor_pb2.DT_FLOAT:
            count = len(t.tensor_content) // 4
            return Float32Tensor(struct.unpack(f"<{count}f", t.tensor_content), shape)
        return OtherTensor(t.dtype, shape, t.tensor_content)
    raise ValueError(f"unexpected payload {kind!r}")


class CourierError(Exception):
    def __init__(self, code, details):
        super().__init__(f"{code.name}: {details}")
        self.code, self.details = code, details


class Client:
    """What Python Courier's client does for Call and ListMethods."""

    def __init__(self, address, secret):
        self.address = address
        # The launch's secret travels with every call (None: sent without it).
        self.metadata = [] if secret is None else [("lp-secret", secret)]
        self.channel = grpc.insecure_channel(
            address, options=[("grpc.max_receive_message_length", -1),
                              ("grpc.max_send_message_length", -1)])
        self._call = self.channel.unary_unary(
            "/courier.CourierService/Call",
            request_serializer=courier_pb2.CallRequest.SerializeToString,
            response_deserializer=courier_pb2.CallResponse.FromString)
        self._list = self.channel.unary_unary(
            "/courier.CourierService/ListMethods",
            request_serializer=courier_pb2.ListMethodsRequest.SerializeToString,
            response_deserializer=courier_pb2.ListMethodsResponse.FromString)

    def call(self, method, *args, **kwargs):
        request = courier_pb2.CallRequest(method=method)
        for arg in args:
            encode(arg, request.arguments.args.add())
        for key, value in kwargs.items():
            encode(value, request.arguments.kwargs[key])
        try:
            response = self._call(request, timeout=ARGS.timeout, wait_for_ready=True,
                                  metadata=self.metadata)
        except grpc.RpcError as e:
            raise CourierError(e.code(), e.details()) from None
        return decode(response.result.result)

    def list_methods(self):
        try:
            response = self._list(courier_pb2.ListMethodsRequest(), timeout=ARGS.timeout,
                                  metadata=self.metadata)
        except grpc.RpcError as e:
            raise CourierError(e.code(), e.details()) from None
        return list(response.methods)


# ----------------------------------------------------------------------------------------
# The checks. Each is a function of the client; a failed assert or an exception fails it.

TESTS = []


def test(fn):
    TESTS.append(fn)
    return fn


def expect_equal(got, want):
    assert got == want and type(got) is type(want), f"got {got!r}, want {want!r}"


def expect_error(code, pattern, fn, *args, **kwargs):
    try:
        result = fn(*args, **kwargs)
    except CourierError as e:
        assert e.code == code, f"code {e.code.name}, want {code.name}: {e.details}"
        assert re.search(pattern, e.details), f"{e.details!r} does not match {pattern!r}"
        return e
    raise AssertionError(f"no error; returned {result!r}")


@test
def ints(c):
    expect_equal(c.call("AddInts", 2, 40), 42)
    expect_equal(c.call("AddInts", -(2**62), -(2**62)), -(2**63))
    expect_equal(c.call("EchoInt", 2**63 - 1), 2**63 - 1)
    expect_equal(c.call("NegateInt8", -127), 127)
    # uint64 above INT64_MAX travels as two's complement: Python sees it negative.
    expect_equal(c.call("EchoUInt64", -1), -1)
    expect_equal(c.call("EchoUInt64", 12345), 12345)


@test
def floats_and_bools(c):
    expect_equal(c.call("Half", 3.0), 1.5)
    expect_equal(c.call("Half", 3), 1.5)  # an int where a double is expected is accepted
    expect_equal(c.call("EchoFloat", 0.25), 0.25)  # float travels as double
    assert math.isinf(c.call("Half", float("inf")))
    assert math.isnan(c.call("Half", float("nan")))
    expect_equal(c.call("Not", True), False)
    expect_equal(c.call("Not", False), True)


@test
def strings(c):
    # std::string is bytes both ways; lp::Unicode is str.
    expect_equal(c.call("EchoBytes", b"\x00\xffraw"), b"\x00\xffraw")
    expect_equal(c.call("EchoBytes", "a str arrives as bytes"), b"a str arrives as bytes")
    expect_equal(c.call("Greet", "wörld"), "héllo, wörld")
    expect_equal(c.call("Greet", b"bytes"), "héllo, bytes")
    expect_equal(c.call("ByteLength", "é"), 2)  # UTF-8 on the wire


@test
def lists_and_tuples(c):
    expect_equal(c.call("SumList", [1.5, 2, 3.5]), 7.0)
    expect_equal(c.call("SumList", (1.0, 2.0)), 3.0)  # a tuple where a vector is expected
    expect_equal(c.call("SumList", []), 0.0)
    expect_equal(c.call("ReverseList", [1, 2, 3]), [3, 2, 1])
    expect_equal(c.call("Swap", (7, "seven")), ("seven", 7))
    expect_equal(c.call("Swap", [8, "eight"]), ("eight", 8))  # a list where a tuple is expected


@test
def dicts(c):
    expect_equal(c.call("Invert", {"a": 1, "b": 2}), {1: "a", 2: "b"})
    expect_equal(c.call("Invert", {}), {})


@test
def none(c):
    expect_equal(c.call("MaybeDouble", None), None)
    expect_equal(c.call("MaybeDouble", 21), 42)
    expect_equal(c.call("MaybeDouble", 0), 0)


@test
def float32_tensors(c):
    t = Float32Tensor([1, 2, 3, 4, 5, 6], [2, 3])
    got = c.call("ScaleTensor", t, 2.0)
    expect_equal(got, Float32Tensor([2 + 0, 4 + 1, 6 + 2, 8 + 3, 10 + 4, 12 + 5], [2, 3]))
    expect_equal(c.call("TensorInfo", t), ("float", [2, 3], 21.0))
    expect_equal(c.call("TensorInfo", Float32Tensor([], [0, 4])), ("float", [0, 4], 0.0))
    expect_equal(c.call("TensorInfo", Float32Tensor([2.5], [])), ("float", [], 2.5))  # scalar
    expect_equal(c.call("MakeTensor", 2, 2), Float32Tensor([0, 0.5, 1, 1.5], [2, 2]))
    big = Float32Tensor([float(i % 1000) for i in range(1 << 18)], [1 << 18])  # 1 MiB
    info = c.call("TensorInfo", big)
    expect_equal(info, ("float", [1 << 18], float(sum(i % 1000 for i in range(1 << 18)))))
    int64s = OtherTensor(tensor_pb2.DT_INT64, [3], struct.pack("<3q", -1, 2, 2**40))
    expect_equal(c.call("TensorInfo", int64s), ("int64", [3], float(-1 + 2 + 2**40)))
    # Bytes that do not fit the shape are refused, naming the argument.
    bad = OtherTensor(tensor_pb2.DT_FLOAT, [4], b"123")
    expect_error(grpc.StatusCode.INVALID_ARGUMENT, r"arg 1", c.call, "TensorInfo", bad)


@test
def structs_and_nesting(c):
    expect_equal(c.call("MovePoint", {"x": 1, "y": 2.5, "label": "p"}, 10),
                 {"x": 11, "y": 2.5, "label": "p moved"})
    nested = {"a": [(1, 1.5), None], "b": [], "c": [None, (-3, 0.0)]}
    expect_equal(c.call("NestedEcho", nested), nested)
    expect_error(grpc.StatusCode.INVALID_ARGUMENT, r"arg 1.*label", c.call,
                 "MovePoint", {"x": 1, "y": 2.5}, 1)


@test
def list_methods(c):
    methods = c.list_methods()
    expect_equal(methods, sorted(methods))
    for name in ("AddInts", "ScaleTensor", "Fail", "Shutdown", "MovePoint"):
        assert name in methods, f"{name} missing from {methods}"


@test
def unknown_method(c):
    e = expect_error(grpc.StatusCode.NOT_FOUND, r"'NoSuchMethod'", c.call, "NoSuchMethod", 1)
    assert "AddInts" in e.details and "ScaleTensor" in e.details, e.details


@test
def wrong_arguments(c):
    expect_error(grpc.StatusCode.INVALID_ARGUMENT, r"takes 2 argument\(s\), got 1", c.call,
                 "AddInts", 1)
    expect_error(grpc.StatusCode.INVALID_ARGUMENT, r"arg 2.*expected int", c.call, "AddInts", 1,
                 "two")
    expect_error(grpc.StatusCode.INVALID_ARGUMENT, r"arg 1", c.call, "NegateInt8", 1000)
    expect_error(grpc.StatusCode.INVALID_ARGUMENT, r"keyword arguments \(b\)", c.call, "AddInts",
                 1, b=2)


@test
def exception_propagation(c):
    e = expect_error(grpc.StatusCode.UNKNOWN, r"'Fail'.*failing on purpose: oops", c.call, "Fail",
                     "oops")
    assert "Fail" in e.details
    expect_equal(c.call("AddInts", 1, 1), 2)  # still serving


@test
def refused_without_the_secret(c):
    outsider = Client(c.address, None)
    expect_error(grpc.StatusCode.UNAUTHENTICATED,
                 r"call to node server/0 lacks the launch's secret \(gRPC metadata 'lp-secret'\)",
                 outsider.call, "AddInts", 1, 2)
    expect_error(grpc.StatusCode.UNAUTHENTICATED, r"lacks the launch's secret",
                 outsider.list_methods)
    e = expect_error(grpc.StatusCode.UNAUTHENTICATED, r"not its launch's",
                     Client(c.address, "0" * 64).call, "AddInts", 1, 2)
    assert SECRET not in e.details, e.details
    expect_equal(c.call("AddInts", 1, 2), 3)  # the server goes on serving those who have it


SECRET = secrets.token_hex(32)


def main():
    # The launcher takes the secret from its environment instead of making one: that is how
    # a client outside the program is given it on purpose.
    server = subprocess.Popen([ARGS.server], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              text=True, env=dict(os.environ, LP_COURIER_SECRET=SECRET))
    lines = queue.Queue()

    def pump():  # echo the server's output, and hand each line to the test
        for line in server.stdout:
            print("  [server] " + line.rstrip(), flush=True)
            lines.put(line)
        lines.put(None)

    threading.Thread(target=pump, daemon=True).start()
    address = None
    while address is None:
        try:
            line = lines.get(timeout=ARGS.timeout)
        except queue.Empty:
            break
        if line is None:
            break
        match = re.match(r"courier_test_server listening on (\S+)", line)
        if match:
            address = match.group(1)
    if address is None:
        server.kill()
        print("the server did not print its address")
        print("0 passed, 1 failed")
        return 1

    client = Client(address, SECRET)
    passed = failed = 0
    for fn in TESTS:
        try:
            fn(client)
            passed += 1
            print(f"PASS {fn.__name__}", flush=True)
        except Exception:  # noqa: BLE001 - report and go on
            failed += 1
            print(f"FAIL {fn.__name__}\n{traceback.format_exc()}", flush=True)

    # The Shutdown method stops the C++ program; it must then exit cleanly.
    try:
        client.call("Shutdown")
    except CourierError as e:  # the server may go away before the reply is sent
        if e.code != grpc.StatusCode.UNAVAILABLE and e.code != grpc.StatusCode.CANCELLED:
            raise
    try:
        code = server.wait(timeout=ARGS.timeout)
        if code == 0:
            passed += 1
            print("PASS shutdown (exit code 0)")
        else:
            failed += 1
            print(f"FAIL shutdown: exit code {code}")
    except subprocess.TimeoutExpired:
        server.kill()
        failed += 1
        print("FAIL shutdown: the server did not exit")
    print(f"{passed} passed, {failed} failed")
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
