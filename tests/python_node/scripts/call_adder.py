"""Calls the C++ CourierNode behind its "adder" handle, checks the results, stops the
program."""
import launchpad_cpp

adder = launchpad_cpp.handles()["adder"]
assert adder.Add(2, 3) == 5, "Add(2, 3)"
assert adder.Add(-7, 7) == 0, "Add(-7, 7)"
print("script: adder.Add(2, 3) = 5")
launchpad_cpp.stop()
