"""Ends with exit code 3, without an exception. Does not import launchpad_cpp."""
import sys

print("script exits with 3")
sys.exit(3)
