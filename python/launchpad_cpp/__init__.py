"""launchpad_cpp: call the nodes of a Launchpad for C++ program from Python.

  import launchpad_cpp
  client = launchpad_cpp.Client("localhost:12345")
  client.Add(1, 2)                          # blocking
  client.futures.Add(1, 2).result()         # a Future
  client.Scale(numpy.ones((2, 3), "f4"), 2.0)   # numpy arrays travel as tensors

In a script run by lp::PythonNode: launchpad_cpp.handles(), wait_for_stop(), stop()
(docs/python.md, "Python nodes").

Pure Python over Debian's python3-grpcio, python3-protobuf and python3-numpy. See
docs/python.md, "Calling nodes from Python".
"""

from .client import Client, Future, RESERVED_NAMES, stop_all_calls
from .codec import EncodeError, decode, encode
from .errors import ProgramStoppedError, RpcError
from .node import addresses, handles, node_name, stop, wait_for_stop
from .security import TlsOptions
from .tensors import bfloat16, bfloat16_to_float32, float32_to_bfloat16

__all__ = [
    "Client", "Future", "RESERVED_NAMES", "stop_all_calls",
    "EncodeError", "decode", "encode",
    "ProgramStoppedError", "RpcError",
    "addresses", "handles", "node_name", "stop", "wait_for_stop",
    "TlsOptions",
    "bfloat16", "bfloat16_to_float32", "float32_to_bfloat16",
]
