"""Launchpad for C++ from Python."""

from launchpad_cpp.node import addresses, handles, node_name, stop, wait_for_stop
