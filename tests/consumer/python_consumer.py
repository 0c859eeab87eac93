#!/usr/bin/python3
"""A Python program outside the repository, as a user writes it: it imports the installed
package launchpad_cpp and calls a C++ CourierNode (courier_test_server, started here with
a secret of this script's choosing). tests/packaging runs it against `cmake --install`'s
tree (PYTHONPATH=<prefix>/lib/python3/dist-packages) and against the Debian package
(no PYTHONPATH).

  python_consumer.py COURIER_TEST_SERVER EXPECTED_PACKAGE_DIR
"""

import os
import re
import secrets
import subprocess
import sys
import threading

import numpy as np

import launchpad_cpp

server_path, expected_dir = sys.argv[1], sys.argv[2]
# The installed copy, not the source tree's.
assert os.path.dirname(launchpad_cpp.__file__) == os.path.join(expected_dir, "launchpad_cpp"), (
    launchpad_cpp.__file__)

os.environ["LP_COURIER_SECRET"] = secrets.token_hex(32)  # the server's and the client's
server = subprocess.Popen([server_path], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          text=True)
address = None
for line in server.stdout:
    match = re.match(r"courier_test_server listening on (\S+)", line)
    if match:
        address = match.group(1)
        break
threading.Thread(target=lambda: [None for _ in server.stdout], daemon=True).start()
if address is None:
    sys.exit(f"python consumer: the server exited with {server.wait()} before listening")

client = launchpad_cpp.Client(address, timeout=60)
total = client.AddInts(21, 21)
assert total == 42, total
name, echoed = client.EchoTensor(np.arange(6, dtype=np.float32).reshape(2, 3))
assert name == "float" and echoed.tolist() == [[0, 1, 2], [3, 4, 5]], (name, echoed)
try:
    client.Shutdown()
except launchpad_cpp.RpcError as e:  # the server may go away before it replies
    if e.code.name not in ("UNAVAILABLE", "CANCELLED"):
        raise
assert server.wait(timeout=60) == 0
print(f"python consumer: 21 + 21 is {total}")
