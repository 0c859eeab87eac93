"""Prints what reached it: its arguments, the group's environment and wrapper."""
import os
import sys

import launchpad_cpp

print("node:", launchpad_cpp.node_name())
print("argv:", " ".join(sys.argv[1:]))
print("env:", os.environ.get("PY_NODE_TEST_ENV", "<unset>"))
print("wrapped:", os.environ.get("PY_NODE_TEST_WRAPPED", "<unset>"))
print("interpreter:", os.environ.get("PY_NODE_TEST_INTERPRETER", "<default>"))
print("worker variables:", repr(os.environ.get("LP_NODE", "")))
