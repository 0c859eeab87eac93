"""Calls the C++ node behind "adder" in a loop, never looking at the stop: the stop ends it
with launchpad_cpp.ProgramStoppedError (or, if the adder's server went first, an RpcError
UNAVAILABLE), uncaught, which ends the node cleanly as it would a C++ node."""
import launchpad_cpp

adder = launchpad_cpp.handles()["adder"]
calls = 0
while True:
    assert adder.Add(calls, 1) == calls + 1
    calls += 1
    if calls == 10:
        print("script calls in a loop", flush=True)
