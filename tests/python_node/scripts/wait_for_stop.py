"""Waits for the program's stop (polling first), then exits 0. argv[1], when given, is a file
to create once waiting, and argv[1] + ".stopped" one to create once the stop came, for a
test that cannot read the output."""
import pathlib
import sys

import launchpad_cpp

assert not launchpad_cpp.wait_for_stop(0), "stopping before anything stopped the program"
print("script waits for the stop", flush=True)
if len(sys.argv) > 1:
    pathlib.Path(sys.argv[1]).write_text("waiting")
assert launchpad_cpp.wait_for_stop(), "wait_for_stop() returned without a stop"
print("script stopped cleanly")
if len(sys.argv) > 1:
    pathlib.Path(sys.argv[1] + ".stopped").write_text("stopped")
