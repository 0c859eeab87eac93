#!/usr/bin/python3
"""launchpad_cpp.Client against its floor: the same calls made with grpcio directly.

Starts courier_test_server and, in one run, times per call:

  small      AddInts(1, 2)
  1 MiB      EchoTensor of a float32 array of 2**18 elements (1 MiB each way)

each made four ways: the package's blocking call and its future (started and waited for
one at a time), and their baselines, grpcio's blocking stub and grpcio's future with a
request built by hand from the same messages and the result decoded by hand (what any
Python client must do at least). Prints the load, the times and baseline/package ratios
(1.0: the package costs nothing over grpcio).

  PYTHONPATH=python /usr/bin/python3 bench/python/bench_client.py \\
      --server=build/tests/courier/courier_test_server
"""

import argparse
import os
import re
import secrets
import subprocess
import sys
import threading
import time

import numpy as np

import launchpad_cpp
from launchpad_cpp import _protos

PARSER = argparse.ArgumentParser(description=__doc__.splitlines()[0])
PARSER.add_argument("--server", required=True)
PARSER.add_argument("--seconds", type=float, default=3.0, help="per measurement")
ARGS = PARSER.parse_args()


def start_server():
    os.environ["LP_COURIER_SECRET"] = secrets.token_hex(32)
    server = subprocess.Popen([ARGS.server], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              text=True)
    for line in server.stdout:
        match = re.match(r"courier_test_server listening on (\S+)", line)
        if match:
            threading.Thread(target=lambda: [None for _ in server.stdout], daemon=True).start()
            return server, match.group(1)
    sys.exit("courier_test_server exited before listening")


def per_call(fn):
    """Seconds per call of fn(), over about ARGS.seconds after a warm-up."""
    for _ in range(20):
        fn()
    calls, start = 0, time.perf_counter()
    while time.perf_counter() - start < ARGS.seconds:
        fn()
        calls += 1
    return (time.perf_counter() - start) / calls


def main():
    server, address = start_server()
    client = launchpad_cpp.Client(address)
    stub = client._call_stub  # the same channel: only the layers above it differ
    metadata = [("lp-secret", os.environ["LP_COURIER_SECRET"])]
    big = np.arange(1 << 18, dtype=np.float32)

    def blocking(request):
        return stub(request, metadata=metadata, wait_for_ready=True)

    def future(request):
        return stub.future(request, metadata=metadata, wait_for_ready=True).result()

    def raw_add(call):
        request = _protos.CallRequest(method="AddInts")
        request.arguments.args.add().int_value = 1
        request.arguments.args.add().int_value = 2
        return call(request).result.result.int_value

    def raw_echo(call):
        request = _protos.CallRequest(method="EchoTensor")
        tensor = request.arguments.args.add().tensor_value
        tensor.dtype = _protos.DATA_TYPES["DT_FLOAT"]
        tensor.tensor_shape.dim.add().size = big.size
        tensor.tensor_content = big.tobytes()
        result = call(request).result.result
        return np.frombuffer(result.list_value.items[1].tensor_value.tensor_content, "<f4")

    print(f"load: {os.getloadavg()[0]:.2f} (1 min)  server: {address}")
    print(f"{'scenario':10} {'grpcio':>10} {'blocking':>10} {'ratio':>6}   "
          f"{'grpcio':>10} {'future':>10} {'ratio':>6}")
    for name, raw, ours, ours_future in [
            ("small", raw_add, lambda: client.AddInts(1, 2),
             lambda: client.futures.AddInts(1, 2).result()),
            ("1 MiB", raw_echo, lambda: client.EchoTensor(big),
             lambda: client.futures.EchoTensor(big).result())]:
        base, block = per_call(lambda: raw(blocking)), per_call(ours)
        base_future, fut = per_call(lambda: raw(future)), per_call(ours_future)
        print(f"{name:10} {base * 1e6:8.0f}us {block * 1e6:8.0f}us {base / block:6.2f}   "
              f"{base_future * 1e6:8.0f}us {fut * 1e6:8.0f}us {base_future / fut:6.2f}")
    try:
        client.Shutdown()
    except launchpad_cpp.RpcError:
        pass
    server.wait(timeout=60)


if __name__ == "__main__":
    main()
