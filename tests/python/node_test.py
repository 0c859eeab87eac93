"""launchpad_cpp.node on its own: outside a Python node, the control channel over a real
socket pair, and how a script's exception is judged. The node side is C++'s
(tests/python_node); this checks the package's half of the contract without it."""

import os
import socket
import unittest

import grpc

from launchpad_cpp import node
from launchpad_cpp.errors import ProgramStoppedError, RpcError


class OutsideANodeTest(unittest.TestCase):

    def setUp(self):
        for name in ("LP_PYTHON_NODE", "LP_PYTHON_CONTROL_FD", "LP_PYTHON_HANDLES"):
            os.environ.pop(name, None)

    def test_queries_say_this_is_no_node(self):
        with self.assertRaisesRegex(RuntimeError, "not running as a Python node"):
            node.node_name()
        with self.assertRaisesRegex(RuntimeError, "not running as a Python node"):
            node.wait_for_stop(0)
        with self.assertRaisesRegex(RuntimeError, "not running as a Python node"):
            node.handles()

    def test_stop_does_nothing(self):
        node.stop()  # as lp::Stop() outside a program

    def test_addresses_come_from_the_environment(self):
        os.environ["LP_PYTHON_NODE"] = "actor/3"
        os.environ["LP_PYTHON_HANDLES"] = (
            '{"learner": {"node": "learner/0", "address": "127.0.0.1:5"}}')
        self.assertEqual(node.node_name(), "actor/3")
        self.assertEqual(node.addresses(), {"learner": "127.0.0.1:5"})


class ChannelTest(unittest.TestCase):

    def test_stop_from_the_node_sets_the_event(self):
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        channel = node._Channel(theirs.detach())  # pylint: disable=protected-access
        self.assertFalse(channel.stopping.wait(0))
        ours.send(b"stop")
        self.assertTrue(channel.stopping.wait(60))

    def test_messages_to_the_node_are_whole_packets(self):
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        channel = node._Channel(theirs.detach())  # pylint: disable=protected-access
        channel.send(b"stop")
        channel.send(b"raised error\nValueError: x")
        self.assertEqual(ours.recv(4096), b"stop")
        self.assertEqual(ours.recv(4096), b"raised error\nValueError: x")

    def test_a_closed_node_end_counts_as_the_stop(self):
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        channel = node._Channel(theirs.detach())  # pylint: disable=protected-access
        ours.close()
        self.assertTrue(channel.stopping.wait(60))


class _GrpcStyleError(Exception):
    """grpc.RpcError's shape: code() is a method."""

    def __init__(self, code):
        super().__init__(code.name)
        self._code = code

    def code(self):
        return self._code


class KindTest(unittest.TestCase):

    def test_kinds(self):
        kind = node._kind_of  # pylint: disable=protected-access
        self.assertEqual(kind(ProgramStoppedError("stopping", "Add")), "stopped")
        self.assertEqual(kind(RpcError(grpc.StatusCode.UNAVAILABLE, "gone", "Add")), "call")
        self.assertEqual(kind(RpcError(grpc.StatusCode.CANCELLED, "cancelled")), "call")
        self.assertEqual(kind(RpcError(grpc.StatusCode.NOT_FOUND, "no method")), "error")
        self.assertEqual(kind(_GrpcStyleError(grpc.StatusCode.UNAVAILABLE)), "call")
        self.assertEqual(kind(ValueError("bad value")), "error")


if __name__ == "__main__":
    unittest.main()
