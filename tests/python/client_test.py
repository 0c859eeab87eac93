#!/usr/bin/python3
"""launchpad_cpp.Client without a server: naming, the secret and TLS settings, arguments
refused before anything is sent, and errors of a server that is not there.

  PYTHONPATH=python /usr/bin/python3 tests/python/client_test.py
"""

import os
import tempfile
import unittest
from unittest import mock

import grpc

import launchpad_cpp

# A port nothing listens on: the kernel's own for this socket, released at once.
NOWHERE = "127.0.0.1:1"


class Naming(unittest.TestCase):
    def test_methods_are_attributes_and_private_names_are_not(self):
        client = launchpad_cpp.Client(NOWHERE, secret="")
        self.assertTrue(callable(client.AnyMethod))
        self.assertTrue(callable(client.futures.AnyMethod))
        with self.assertRaises(AttributeError):
            client._private  # noqa: B018 - pickle, copy and hasattr probe such names
        with self.assertRaises(AttributeError):
            client.futures.__wrapped__  # noqa: B018
        for name in launchpad_cpp.RESERVED_NAMES:
            self.assertTrue(hasattr(launchpad_cpp.Client, name), name)
        self.assertEqual(client.address, NOWHERE)
        self.assertIsNone(client.timeout)
        client.close()


class Secret(unittest.TestCase):
    def test_taken_from_the_environment(self):
        with mock.patch.dict(os.environ, {"LP_COURIER_SECRET": "s" * 20}):
            client = launchpad_cpp.Client(NOWHERE)
        self.assertEqual(client._metadata, (("lp-secret", "s" * 20),))
        with mock.patch.dict(os.environ, {"LP_COURIER_SECRET": "s" * 20}):
            self.assertEqual(launchpad_cpp.Client(NOWHERE, secret="")._metadata, ())
            self.assertEqual(launchpad_cpp.Client(NOWHERE, secret="t" * 16)._metadata,
                             (("lp-secret", "t" * 16),))
        with mock.patch.dict(os.environ, {}, clear=True):
            self.assertEqual(launchpad_cpp.Client(NOWHERE)._metadata, ())

    def test_one_that_cannot_travel_is_refused_without_echoing_it(self):
        for bad in ["short", "has a space in it somewhere", "é" * 20]:
            with mock.patch.dict(os.environ, {"LP_COURIER_SECRET": bad}), \
                    self.assertRaisesRegex(ValueError, "LP_COURIER_SECRET") as caught:
                launchpad_cpp.Client(NOWHERE)
            self.assertNotIn(bad, str(caught.exception))


class Tls(unittest.TestCase):
    def test_from_the_environment(self):
        with mock.patch.dict(os.environ, {}, clear=True):
            self.assertIsNone(launchpad_cpp.TlsOptions.from_environment())
        with mock.patch.dict(os.environ, {"LP_TLS_CERT": "c", "LP_TLS_KEY": "k",
                                          "LP_TLS_CA": "a", "LP_TLS_SERVER_NAME": "n"}):
            self.assertEqual(launchpad_cpp.TlsOptions.from_environment(),
                             launchpad_cpp.TlsOptions("c", "k", "a", "n"))
        with mock.patch.dict(os.environ, {"LP_TLS_CERT": "c"}, clear=True), \
                self.assertRaisesRegex(ValueError, "LP_TLS_KEY, LP_TLS_CA not set"):
            launchpad_cpp.TlsOptions.from_environment()

    def test_an_unreadable_file_is_named(self):
        with tempfile.TemporaryDirectory() as d:
            missing = os.path.join(d, "ca.pem")
            tls = launchpad_cpp.TlsOptions(missing, missing, missing)
            with self.assertRaisesRegex(ValueError, f"TLS CA file '{missing}'"):
                launchpad_cpp.Client(NOWHERE, tls=tls)


class Calls(unittest.TestCase):
    def test_arguments_of_no_courier_kind_fail_before_sending(self):
        client = launchpad_cpp.Client(NOWHERE, secret="")
        with self.assertRaisesRegex(TypeError, r"'Add', argument 2: \[0\]: .* type set"):
            client.Add(1, [{1}])
        with self.assertRaisesRegex(TypeError, r"'Add', keyword argument 'b'"):
            client.futures.Add(1, b=object())
        with self.assertRaisesRegex(OverflowError, r"'Add', argument 1"):
            client.Add(2**64)

    def test_a_server_that_is_not_there(self):
        client = launchpad_cpp.Client(NOWHERE, secret="", wait_for_ready=False, name="x/0")
        with self.assertRaises(launchpad_cpp.RpcError) as caught:
            client.Add(1, 2)
        self.assertEqual(caught.exception.code, grpc.StatusCode.UNAVAILABLE)
        self.assertEqual(caught.exception.method, "Add")
        self.assertNotIsInstance(caught.exception, launchpad_cpp.ProgramStoppedError)
        error = client.futures.Add(1, 2).exception(timeout=60)
        self.assertEqual(error.code, grpc.StatusCode.UNAVAILABLE)
        with self.assertRaises(launchpad_cpp.RpcError):
            client.list_methods()

    def test_a_deadline_while_waiting_for_the_server(self):
        client = launchpad_cpp.Client(NOWHERE, secret="", timeout=0.1)
        with self.assertRaises(launchpad_cpp.RpcError) as caught:
            client.Add(1, 2)
        self.assertEqual(caught.exception.code, grpc.StatusCode.DEADLINE_EXCEEDED)

    def test_what_each_failure_becomes(self):
        class Failed(grpc.RpcError):  # what gRPC raises, as far as the client reads it
            def __init__(self, code, details):
                self._code, self._details = code, details

            def code(self):
                return self._code

            def details(self):
                return self._details

        client = launchpad_cpp.Client(NOWHERE, secret="")
        # Only a stopping C++ server cancels a call: its program is stopping.
        error = client._error(Failed(grpc.StatusCode.CANCELLED, "Cancelled"), "Add")
        self.assertIsInstance(error, launchpad_cpp.ProgramStoppedError)
        self.assertEqual((error.message, error.method), ("Cancelled", "Add"))
        for code in (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.NOT_FOUND,
                     grpc.StatusCode.UNKNOWN, grpc.StatusCode.DEADLINE_EXCEEDED):
            error = client._error(Failed(code, "why"), "Add")
            self.assertIs(type(error), launchpad_cpp.RpcError)
            self.assertEqual((error.code, error.message), (code, "why"))
        # After close(), the cancellation is the client's own doing.
        client.close()
        error = client._error(Failed(grpc.StatusCode.CANCELLED, "Channel closed!"), "Add")
        self.assertIs(type(error), launchpad_cpp.RpcError)
        self.assertEqual(error.message, "the client was closed")
        with self.assertRaisesRegex(launchpad_cpp.RpcError, "the client was closed"):
            client.Add(1, 2)
        error = client.futures.Add(1, 2).exception(timeout=60)
        self.assertEqual((type(error), error.message),
                         (launchpad_cpp.RpcError, "the client was closed"))

    def test_errors_read_like_lp_rpc_error(self):
        error = launchpad_cpp.RpcError(grpc.StatusCode.NOT_FOUND, "no such method", "Add")
        self.assertEqual(str(error), "Courier call 'Add' failed: NOT_FOUND: no such method")
        stopped = launchpad_cpp.ProgramStoppedError("program 'p' is stopping", "Add")
        self.assertIsInstance(stopped, launchpad_cpp.RpcError)
        self.assertEqual(stopped.code, grpc.StatusCode.CANCELLED)
        import pickle
        again = pickle.loads(pickle.dumps(stopped))
        self.assertEqual((type(again), again.message, again.method),
                         (launchpad_cpp.ProgramStoppedError, stopped.message, "Add"))
        again = pickle.loads(pickle.dumps(error))
        self.assertEqual((again.code, again.message, again.method),
                         (error.code, error.message, "Add"))


if __name__ == "__main__":
    unittest.main()
