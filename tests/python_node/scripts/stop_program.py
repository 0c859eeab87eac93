"""Stops the whole program, then waits for the stop like every node, and exits 0."""
import launchpad_cpp

print("script", launchpad_cpp.node_name(), "stops the program")
launchpad_cpp.stop()
assert launchpad_cpp.wait_for_stop(timeout=60), "the stop never came back"
print("script saw the stop")
