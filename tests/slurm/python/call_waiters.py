"""The Python node of slurm_child --mode=python: calls every waiter through its handle,
prints where it runs and what reached it, then stops the program."""
import os
import socket
import sys

import launchpad_cpp

me = launchpad_cpp.node_name()
print(f"ready {me} host={socket.gethostname()}", flush=True)
for name, waiter in sorted(launchpad_cpp.handles().items()):
    host = waiter.Host().decode()  # a std::string arrives as bytes
    echo = waiter.Echo("hi").decode()
    print(f"python called {name} on host={host}: {echo}", flush=True)
print(f"python argv: {' '.join(sys.argv[1:])} env: {os.environ.get('LP_TEST_ENV', '<unset>')}",
      flush=True)
launchpad_cpp.stop()
