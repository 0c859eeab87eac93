#!/usr/bin/python3
"""The Python package launchpad_cpp calls a C++ CourierNode over the Courier wire format.

Runs courier_test_server (a C++ lp program) with a secret chosen here (LP_COURIER_SECRET),
reads the address it prints, and calls its methods through launchpad_cpp.Client: every
Courier value kind as arguments and results, numpy arrays of every tensor dtype, futures,
deadlines, errors, calls from several threads, and the launch's secret (taken from the
environment; without it calls are refused). Ends with "N passed, M failed"; the exit code
is 0 only if nothing failed.

  PYTHONPATH=python /usr/bin/python3 tests/courier/python/cross_language_test.py \\
      --server=build/tests/courier/courier_test_server

Debian's /usr/bin/python3 with python3-grpcio, python3-protobuf and python3-numpy is the
interpreter to use (a pyenv `python3` on PATH usually has none of them).
"""

import argparse
import concurrent.futures
import dataclasses
import math
import os
import queue
import re
import secrets
import subprocess
import sys
import tempfile
import threading
import traceback

import grpc
import numpy as np

import launchpad_cpp
from launchpad_cpp import _protos

PARSER = argparse.ArgumentParser(description=__doc__.splitlines()[0])
PARSER.add_argument("--server", required=True, help="path of courier_test_server")
PARSER.add_argument("--timeout", type=float, default=60.0, help="per-call deadline, seconds")
PARSER.add_argument("--tls", action="store_true",
                    help="run the server with mutual TLS (test certificates made by openssl)")
ARGS = PARSER.parse_args()

SECRET = secrets.token_hex(32)


# ----------------------------------------------------------------------------------------
# The checks. Each is a function of the client; a failed assert or an exception fails it.

TESTS = []


def test(fn):
    TESTS.append(fn)
    return fn


def expect_equal(got, want):
    assert got == want and type(got) is type(want), f"got {got!r}, want {want!r}"


def expect_array(got, want):
    assert isinstance(got, np.ndarray), f"got {got!r}, want an array"
    assert got.dtype == want.dtype, f"dtype {got.dtype}, want {want.dtype}"
    assert got.shape == want.shape, f"shape {got.shape}, want {want.shape}"
    assert got.tobytes() == want.tobytes(), f"got {got!r}, want {want!r}"


def expect_error(code, pattern, fn, *args, **kwargs):
    try:
        result = fn(*args, **kwargs)
    except launchpad_cpp.RpcError as e:
        assert e.code == code, f"code {e.code.name}, want {code.name}: {e.message}"
        assert re.search(pattern, e.message), f"{e.message!r} does not match {pattern!r}"
        return e
    raise AssertionError(f"no error; returned {result!r}")


@test
def ints(c):
    expect_equal(c.AddInts(2, 40), 42)
    expect_equal(c.AddInts(-(2**62), -(2**62)), -(2**63))
    expect_equal(c.EchoInt(2**63 - 1), 2**63 - 1)
    expect_equal(c.EchoInt(-(2**63)), -(2**63))
    expect_equal(c.EchoInt(np.int16(-7)), -7)  # numpy scalars travel as ints
    expect_equal(c.NegateInt8(-127), 127)
    # uint64 above INT64_MAX travels as two's complement: Python sees it negative.
    expect_equal(c.EchoUInt64(-1), -1)
    expect_equal(c.EchoUInt64(12345), 12345)
    # Beyond int64 is refused before anything is sent.
    try:
        c.EchoInt(2**63)
        raise AssertionError("2**63 was sent")
    except OverflowError as e:
        assert "'EchoInt', argument 1" in str(e), e


@test
def floats_and_bools(c):
    expect_equal(c.Half(3.0), 1.5)
    expect_equal(c.Half(3), 1.5)  # an int where a double is expected is accepted
    expect_equal(c.Half(np.float32(5.0)), 2.5)
    expect_equal(c.EchoFloat(0.25), 0.25)  # float travels as double
    assert math.isinf(c.Half(float("inf")))
    assert math.isnan(c.Half(float("nan")))
    expect_equal(c.Not(True), False)
    expect_equal(c.Not(np.bool_(False)), True)


@test
def strings(c):
    # std::string is bytes both ways; lp::Unicode is str.
    expect_equal(c.EchoBytes(b"\x00\xffraw"), b"\x00\xffraw")
    expect_equal(c.EchoBytes(bytearray(b"ba")), b"ba")
    expect_equal(c.EchoBytes("a str arrives as bytes"), b"a str arrives as bytes")
    expect_equal(c.Greet("wörld 🌍"), "héllo, wörld 🌍")
    expect_equal(c.Greet(b"bytes"), "héllo, bytes")
    expect_equal(c.ByteLength("é"), 2)  # UTF-8 on the wire


@test
def lists_and_tuples(c):
    expect_equal(c.SumList([1.5, 2, 3.5]), 7.0)
    expect_equal(c.SumList((1.0, 2.0)), 3.0)  # a tuple where a vector is expected
    expect_equal(c.SumList([]), 0.0)
    expect_equal(c.ReverseList([1, 2, 3]), [3, 2, 1])
    expect_equal(c.Swap((7, "seven")), ("seven", 7))
    expect_equal(c.Swap([8, "eight"]), ("eight", 8))  # a list where a tuple is expected


@test
def dicts(c):
    expect_equal(c.Invert({"a": 1, "b": 2}), {1: "a", 2: "b"})
    expect_equal(c.Invert({}), {})


@test
def none(c):
    expect_equal(c.MaybeDouble(None), None)
    expect_equal(c.MaybeDouble(21), 42)
    expect_equal(c.MaybeDouble(0), 0)
    expect_equal(c.SleepMs(0), 0)


@test
def structs_and_nesting(c):
    expect_equal(c.MovePoint({"x": 1, "y": 2.5, "label": "p"}, 10),
                 {"x": 11, "y": 2.5, "label": "p moved"})
    nested = {"a": [(1, 1.5), None], "b": [], "c": [None, (-3, 0.0)]}
    expect_equal(c.NestedEcho(nested), nested)
    expect_error(grpc.StatusCode.INVALID_ARGUMENT, r"arg 1.*label", c.MovePoint,
                 {"x": 1, "y": 2.5}, 1)


# C++'s name for each dtype (lp::DTypeName), and values that probe each one's range.
DTYPES = {
    np.dtype("<f4"): ("float", [0, -1.5, 3.25e38, float("inf"), float("nan"), -0.0]),
    np.dtype("<f8"): ("double", [0, -1.5, 1e308, float("-inf"), float("nan"), 5e-324]),
    np.dtype("<f2"): ("half", [0, -1.5, 65504, float("inf"), 6e-8, 1]),
    np.dtype("i1"): ("int8", [0, -128, 127, 1, -1, 5]),
    np.dtype("<i2"): ("int16", [0, -32768, 32767, 1, -1, 5]),
    np.dtype("<i4"): ("int32", [0, -(2**31), 2**31 - 1, 1, -1, 5]),
    np.dtype("<i8"): ("int64", [0, -(2**63), 2**63 - 1, 1, -1, 5]),
    np.dtype("u1"): ("uint8", [0, 255, 1, 2, 3, 4]),
    np.dtype("<u2"): ("uint16", [0, 65535, 1, 2, 3, 4]),
    np.dtype("<u4"): ("uint32", [0, 2**32 - 1, 1, 2, 3, 4]),
    np.dtype("<u8"): ("uint64", [0, 2**64 - 1, 1, 2, 3, 4]),
    np.dtype("?"): ("bool", [True, False, True, True, False, False]),
}


@test
def tensors_of_every_dtype(c):
    assert set(DTYPES) | {launchpad_cpp.bfloat16} == set(launchpad_cpp.tensors.supported_dtypes())
    for dtype, (cpp_name, values) in DTYPES.items():
        array = np.array(values, dtype=dtype).reshape(2, 3)
        name, echoed = c.EchoTensor(array)
        expect_equal(name, cpp_name)
        expect_array(echoed, array)
        assert not echoed.flags.writeable  # a view of the reply's bytes, not a copy
    bf16 = launchpad_cpp.float32_to_bfloat16(np.array([1.0, -2.5, 3e38, float("inf")]))
    name, echoed = c.EchoTensor(bf16)
    expect_equal(name, "bfloat16")
    expect_array(echoed, bf16)
    values = launchpad_cpp.bfloat16_to_float32(echoed)
    assert values[0] == 1.0 and values[1] == -2.5 and values[3] == float("inf"), values
    assert abs(values[2] / 3e38 - 1) < 1 / 128, values  # bfloat16 keeps 8 bits


@test
def tensor_layouts(c):
    base = np.arange(24, dtype=np.int64).reshape(4, 6)
    strided = base[::2, 1::2]  # non-contiguous: arrives row-major
    expect_array(c.EchoTensor(strided)[1], np.ascontiguousarray(strided))
    fortran = np.asfortranarray(base)
    expect_array(c.EchoTensor(fortran)[1], base)
    big_endian = np.arange(5, dtype=">f8")  # arrives little-endian, same values
    expect_array(c.EchoTensor(big_endian)[1], np.arange(5, dtype="<f8"))
    expect_equal(c.TensorInfo(np.array([1, 2, 3], dtype=">i8")), ("int64", [3], 6.0))
    scalar = np.array(2.5, dtype=np.float32)  # 0-d: shape []
    expect_array(c.EchoTensor(scalar)[1], scalar)
    expect_equal(c.TensorInfo(scalar), ("float", [], 2.5))
    for shape in [(0,), (0, 4), (3, 0, 2)]:
        empty = np.zeros(shape, dtype=np.float32)
        expect_array(c.EchoTensor(empty)[1], empty)
    expect_equal(c.TensorInfo(np.zeros((0, 4), np.float32)), ("float", [0, 4], 0.0))


@test
def tensor_arithmetic(c):
    t = np.arange(1, 7, dtype=np.float32).reshape(2, 3)
    expect_array(c.ScaleTensor(t, 2.0),
                 np.array([[2 + 0, 4 + 1, 6 + 2], [8 + 3, 10 + 4, 12 + 5]], dtype=np.float32))
    expect_equal(c.TensorInfo(t), ("float", [2, 3], 21.0))
    expect_array(c.MakeTensor(2, 2), np.array([[0, 0.5], [1, 1.5]], dtype=np.float32))
    big = (np.arange(1 << 18) % 1000).astype(np.float32)  # 1 MiB
    expect_equal(c.TensorInfo(big), ("float", [1 << 18], float(big.sum(dtype=np.float64))))
    expect_error(grpc.StatusCode.UNKNOWN, r"ScaleTensor wants float32, got int32",
                 c.ScaleTensor, np.zeros(2, np.int32), 1.0)
    # Tensors inside containers, both ways.
    expect_equal(c.NestedEcho({"a": []}), {"a": []})


@test
def malformed_tensor_refused(c):
    # Bytes that do not fit the shape cannot come from the package; a raw request shows
    # that the server refuses them, naming the argument.
    channel = grpc.insecure_channel(c.address)
    call = channel.unary_unary(_protos.CALL_METHOD,
                               request_serializer=_protos.CallRequest.SerializeToString,
                               response_deserializer=_protos.CallResponse.FromString)
    request = _protos.CallRequest(method="TensorInfo")
    tensor = request.arguments.args.add().tensor_value
    tensor.dtype = _protos.DATA_TYPES["DT_FLOAT"]
    tensor.tensor_shape.dim.add().size = 4
    tensor.tensor_content = b"123"
    try:
        call(request, timeout=ARGS.timeout, metadata=[("lp-secret", SECRET)])
        raise AssertionError("a malformed tensor was accepted")
    except grpc.RpcError as e:
        assert e.code() == grpc.StatusCode.INVALID_ARGUMENT and "arg 1" in e.details(), e
    finally:
        channel.close()


@test
def list_methods(c):
    methods = c.list_methods()
    expect_equal(methods, sorted(methods))
    for name in ("AddInts", "EchoTensor", "Fail", "Shutdown", "MovePoint"):
        assert name in methods, f"{name} missing from {methods}"


@test
def unknown_method(c):
    e = expect_error(grpc.StatusCode.NOT_FOUND, r"'NoSuchMethod'", c.NoSuchMethod, 1)
    assert "AddInts" in e.message and "ScaleTensor" in e.message, e.message
    expect_equal(e.method, "NoSuchMethod")
    assert str(e).startswith("Courier call 'NoSuchMethod' failed: NOT_FOUND: "), str(e)
    expect_error(grpc.StatusCode.NOT_FOUND, r"'list methods'", c.call, "list methods")


@test
def wrong_arguments(c):
    expect_error(grpc.StatusCode.INVALID_ARGUMENT, r"takes 2 argument\(s\), got 1", c.AddInts, 1)
    expect_error(grpc.StatusCode.INVALID_ARGUMENT, r"arg 2.*expected int", c.AddInts, 1, "two")
    expect_error(grpc.StatusCode.INVALID_ARGUMENT, r"arg 1", c.NegateInt8, 1000)
    expect_error(grpc.StatusCode.INVALID_ARGUMENT, r"arg 1", c.EchoTensor, [1.0, 2.0])
    expect_error(grpc.StatusCode.INVALID_ARGUMENT, r"keyword arguments \(b\)", c.AddInts, 1, b=2)
    # A value of no Courier kind is refused here, naming where it is.
    try:
        c.SumList([1.0, {2.0}])
        raise AssertionError("a set was sent")
    except TypeError as e:
        assert "'SumList', argument 1: [1]: a value of type set" in str(e), e


@test
def exception_propagation(c):
    e = expect_error(grpc.StatusCode.UNKNOWN, r"'Fail'.*failing on purpose: oops", c.Fail, "oops")
    assert not isinstance(e, launchpad_cpp.ProgramStoppedError)
    expect_equal(c.AddInts(1, 1), 2)  # still serving


@test
def futures(c):
    pending = [c.futures.AddInts(i, i) for i in range(20)]
    assert all(isinstance(f, concurrent.futures.Future) for f in pending)
    expect_equal([f.result(timeout=ARGS.timeout) for f in pending], [2 * i for i in range(20)])
    done, not_done = concurrent.futures.wait([c.futures.Half(8), c.futures.Not(True)],
                                             timeout=ARGS.timeout)
    assert not not_done and {f.result() for f in done} == {4.0, False}
    failing = c.futures.Fail("later")
    error = failing.exception(timeout=ARGS.timeout)
    assert isinstance(error, launchpad_cpp.RpcError) and "later" in error.message, error
    expect_error(grpc.StatusCode.UNKNOWN, "later", failing.result)
    # Callbacks run once the call ends.
    seen = queue.Queue()
    c.futures.EchoInt(7).add_done_callback(lambda f: seen.put(f.result()))
    expect_equal(seen.get(timeout=ARGS.timeout), 7)
    expect_equal(c.call_future("AddInts", 1, 2).result(timeout=ARGS.timeout), 3)


@test
def deadlines_and_cancellation(c):
    slow = c.futures.SleepMs(1500)
    try:  # result(timeout) gives up waiting, not the call
        slow.result(timeout=0.001)
        raise AssertionError("SleepMs(1500) finished within a millisecond")
    except concurrent.futures.TimeoutError:
        pass
    expect_equal(slow.result(timeout=ARGS.timeout), 1500)
    # The client's timeout is every call's deadline.
    hasty = launchpad_cpp.Client(c.address, timeout=0.2, tls=TLS)
    expect_error(grpc.StatusCode.DEADLINE_EXCEEDED, "", hasty.SleepMs, 20000)
    expect_error(grpc.StatusCode.DEADLINE_EXCEEDED, "", hasty.futures.SleepMs(20000).result)
    expect_equal(hasty.timeout, 0.2)
    hasty.close()
    # cancel() ends a call in flight.
    cancelled = c.futures.SleepMs(20000)
    assert cancelled.cancel()
    try:
        cancelled.result(timeout=ARGS.timeout)
        raise AssertionError("a cancelled call returned")
    except concurrent.futures.CancelledError:
        pass
    assert cancelled.cancelled() and cancelled.done()


@test
def calls_from_many_threads(c):
    # Four threads' calls are inside the server at once (Rendezvous returns True only
    # then); the same from four futures of one thread.
    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        met = list(pool.map(lambda _: c.Rendezvous(4), range(4)))
    expect_equal(met, [True] * 4)
    expect_equal([f.result(timeout=ARGS.timeout) for f in [c.futures.Rendezvous(4)
                                                           for _ in range(4)]], [True] * 4)
    # Many threads, many calls, each result its own.
    def worker(k):
        out = []
        for i in range(50):
            out.append(c.AddInts(k * 1000, i))
            name, array = c.EchoTensor(np.full((k + 1,), i, dtype=np.int32))
            assert name == "int32" and array.tolist() == [i] * (k + 1)
        return out
    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        results = list(pool.map(worker, range(8)))
    expect_equal(results, [[k * 1000 + i for i in range(50)] for k in range(8)])


@test
def secret_from_the_environment(c):
    # `c` was made without a secret argument: it sends LP_COURIER_SECRET.
    expect_equal(c.AddInts(1, 2), 3)
    outsider = launchpad_cpp.Client(c.address, secret="", tls=TLS)
    expect_error(grpc.StatusCode.UNAUTHENTICATED,
                 r"call to node server/0 lacks the launch's secret \(gRPC metadata 'lp-secret'\)",
                 outsider.AddInts, 1, 2)
    expect_error(grpc.StatusCode.UNAUTHENTICATED, r"lacks the launch's secret",
                 outsider.list_methods)
    wrong = launchpad_cpp.Client(c.address, secret="0" * 64, tls=TLS)
    e = expect_error(grpc.StatusCode.UNAUTHENTICATED, r"not its launch's", wrong.AddInts, 1, 2)
    assert SECRET not in e.message, e.message
    explicit = launchpad_cpp.Client(c.address, secret=SECRET, tls=TLS)
    expect_equal(explicit.AddInts(2, 3), 5)
    for client in (outsider, wrong, explicit):
        client.close()
    expect_equal(c.AddInts(1, 2), 3)  # the server goes on serving those who have it


STOP_SNIPPET = r"""
import sys, threading, launchpad_cpp
c = launchpad_cpp.Client(sys.argv[1], name="server/0")
slow = c.futures.SleepMs(100000)
errors = []
def blocking():
    try:
        errors.append(c.SleepMs(100000))
    except launchpad_cpp.RpcError as e:
        errors.append(e)
waiter = threading.Thread(target=blocking)
waiter.start()
assert c.AddInts(1, 2) == 3
launchpad_cpp.stop_all_calls("cross_language")
waiter.join(timeout=60)
later = launchpad_cpp.Client(sys.argv[1], name="server/0")
for what, call in (("future", slow.result), ("blocking", lambda: errors and errors[0]),
                   ("after", lambda: c.AddInts(1, 2)), ("new client", lambda: later.Not(True)),
                   ("later future", lambda: c.futures.Not(True).result())):
    try:
        result = call()
        if isinstance(result, Exception):
            raise result
        print("FAIL", what, "returned", result)
    except launchpad_cpp.ProgramStoppedError as e:
        assert e.code.name == "CANCELLED", e
        assert "program 'cross_language' is stopping; calls to node server/0" in e.message, e
        print("stopped", what)
"""


@test
def stop_ends_calls_with_program_stopped_error(c):
    # stop_all_calls is for good in a process: it runs in a child of its own.
    done = subprocess.run([sys.executable, "-c", STOP_SNIPPET, c.address], capture_output=True,
                          text=True, timeout=ARGS.timeout, env=dict(os.environ))
    want = "".join(f"stopped {what}\n" for what in ("future", "blocking", "after", "new client",
                                                    "later future"))
    assert done.returncode == 0 and done.stdout == want, done.stdout + done.stderr


# ----------------------------------------------------------------------------------------

TLS = False  # set in main() under --tls: the TlsOptions every client of the test uses


def make_test_certificates(directory):
    """A CA and a certificate it signed, naming lp-node, localhost and 127.0.0.1."""
    script = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..",
                          "scripts", "tls", "make_certs.sh")
    subprocess.run([script, directory, "--name", "lp-node", "--days", "2"], check=True,
                   capture_output=True)
    return launchpad_cpp.TlsOptions(os.path.join(directory, "node.pem"),
                                    os.path.join(directory, "node.key"),
                                    os.path.join(directory, "ca.pem"), server_name="lp-node")


def start_server(extra_args):
    """(process, address) of a running courier_test_server; address None if it failed."""
    # The launcher takes the secret from its environment instead of making one: that is how
    # a client outside the program is given it on purpose.
    server = subprocess.Popen([ARGS.server, *extra_args], stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True,
                              env=dict(os.environ, LP_COURIER_SECRET=SECRET))
    lines = queue.Queue()

    def pump():  # echo the server's output, and hand each line to the test
        for line in server.stdout:
            print("  [server] " + line.rstrip(), flush=True)
            lines.put(line)
        lines.put(None)

    threading.Thread(target=pump, daemon=True).start()
    while True:
        try:
            line = lines.get(timeout=ARGS.timeout)
        except queue.Empty:
            return server, None
        if line is None:
            return server, None
        match = re.match(r"courier_test_server listening on (\S+)", line)
        if match:
            return server, match.group(1)


def main():
    global TLS
    extra_args = []
    with tempfile.TemporaryDirectory() as tls_dir:
        if ARGS.tls:
            TLS = make_test_certificates(tls_dir)
            extra_args = [f"--lp_tls_cert={TLS.certificate_file}",
                          f"--lp_tls_key={TLS.private_key_file}",
                          f"--lp_tls_ca={TLS.ca_file}", "--lp_tls_server_name=lp-node"]
            # The clients find the files where a Python node does: in the environment.
            # They check the server's certificate for the name lp-node, not 127.0.0.1.
            os.environ.update(LP_TLS_CERT=TLS.certificate_file,
                              LP_TLS_KEY=TLS.private_key_file, LP_TLS_CA=TLS.ca_file,
                              LP_TLS_SERVER_NAME=TLS.server_name)
        server, address = start_server(extra_args)
        if address is None:
            server.kill()
            print("the server did not print its address")
            print("0 passed, 1 failed")
            return 1
        return run_tests(server, address)


def run_tests(server, address):
    # The secret reaches the clients the way it reaches a Python node: LP_COURIER_SECRET.
    os.environ["LP_COURIER_SECRET"] = SECRET
    client = launchpad_cpp.Client(address, timeout=ARGS.timeout)
    passed = failed = 0
    tests = TESTS if not ARGS.tls else [t for t in TESTS if t.__name__ in TLS_TESTS]
    for fn in tests:
        try:
            fn(client)
            passed += 1
            print(f"PASS {fn.__name__}", flush=True)
        except Exception:  # noqa: BLE001 - report and go on
            failed += 1
            print(f"FAIL {fn.__name__}\n{traceback.format_exc()}", flush=True)
    if ARGS.tls:
        # Without the certificates the server is out of reach, and a client checking for
        # a name the certificate does not hold refuses the server.
        wrong_name = dataclasses.replace(TLS, server_name="not-lp-node")
        for name, tls in (("plain_tcp_refused", False), ("wrong_server_name_refused", wrong_name)):
            try:
                other = launchpad_cpp.Client(address, timeout=5, tls=tls, wait_for_ready=False)
                expect_error(grpc.StatusCode.UNAVAILABLE, "", other.AddInts, 1, 2)
                other.close()
                passed += 1
                print(f"PASS {name}", flush=True)
            except Exception:  # noqa: BLE001
                failed += 1
                print(f"FAIL {name}\n{traceback.format_exc()}", flush=True)

    # The Shutdown method stops the C++ program; it must then exit cleanly.
    try:
        client.Shutdown()
    except launchpad_cpp.RpcError as e:  # the server may go away before the reply is sent
        if e.code not in (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.CANCELLED):
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


# What the TLS run repeats: a sample of kinds, futures, threads and the secret.
TLS_TESTS = {"ints", "strings", "tensors_of_every_dtype", "futures", "calls_from_many_threads",
             "secret_from_the_environment", "list_methods"}

if __name__ == "__main__":
    sys.exit(main())
