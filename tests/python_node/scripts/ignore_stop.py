"""Ignores the stop, and SIGTERM too: only SIGKILL ends it."""
import os
import signal
import time

import launchpad_cpp

signal.signal(signal.SIGTERM, signal.SIG_IGN)
print("pid python/0", os.getpid())
print("script waits for the stop", flush=True)
launchpad_cpp.wait_for_stop()
print("script ignores the stop", flush=True)
while True:
    time.sleep(1)
