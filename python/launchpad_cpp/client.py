"""Client: calls the Courier methods of a node (C++ CourierNode, or any Courier server).

  client = launchpad_cpp.Client("localhost:12345", timeout=30)
  client.Add(1, 2)                        # blocks; 3
  future = client.futures.Add(1, 2)       # returns at once
  future.result(timeout=10)               # 3
  client.list_methods()                   # ['Add', ...]

Thread safety: a Client may be shared by any number of threads; calls from several
threads run concurrently over one gRPC channel.
"""

import concurrent.futures
import threading
import weakref

import grpc

from . import _protos
from . import codec
from . import security
from .errors import ProgramStoppedError, RpcError

# Attributes of a Client that are not Courier methods: a server method of one of these
# names is reached with client.call("name", ...).
RESERVED_NAMES = frozenset(
    {"address", "timeout", "futures", "call", "call_future", "list_methods", "close"})


class _Stop:
    """The program's stop as this process's clients see it (the node runtime tells it
    through stop_all_calls)."""

    def __init__(self):
        self.lock = threading.Lock()
        self.program = None  # set once the program is stopping; guarded by lock
        self.clients = weakref.WeakSet()  # every open Client; guarded by lock

    def message(self, client):
        return (f"program '{self.program}' is stopping; calls to node {client._name} "
                "are cancelled")


_STOP = _Stop()


def stop_all_calls(program):
    """Marks the program `program` as stopping: every call in flight of every Client of
    this process ends with ProgramStoppedError, and every later call fails with it at
    once, as lp::ProgramStoppedError does in C++. For the node runtime (a Python node's
    stop); idempotent.

    It closes every client's channel: that ends blocking calls too, which gRPC cannot
    cancel one by one.
    """
    with _STOP.lock:
        if _STOP.program is not None:
            return
        _STOP.program = program
        clients = list(_STOP.clients)
    for client in clients:
        client._channel.close()


class Future(concurrent.futures.Future):
    """The result of client.futures.Method(...): a concurrent.futures.Future (so
    concurrent.futures.wait and as_completed take it) whose result() returns the decoded
    value or raises RpcError / ProgramStoppedError. cancel() cancels the call.

    result() and exception() wait on gRPC's call itself and finish the future on the
    waiting thread; gRPC's done-callback finishes it otherwise (for wait(), callbacks).
    Whichever comes first does it, once.
    """

    def __init__(self, client, method, call):
        super().__init__()
        self.set_running_or_notify_cancel()
        self._client = client
        self._method = method
        self._call = call
        self._cancelled_by_user = False
        self._finishing = threading.Lock()
        call.add_done_callback(self._finish)

    def cancel(self):
        self._cancelled_by_user = True
        return self._call.cancel()

    def cancelled(self):
        return self._cancelled_by_user and self._call.cancelled()

    def result(self, timeout=None):
        self._wait(timeout)
        return super().result(timeout=0)

    def exception(self, timeout=None):
        self._wait(timeout)
        return super().exception(timeout=0)

    def _wait(self, timeout):
        if self.done():
            return
        try:  # gRPC's own wait: no hand-off through its callback thread
            self._call.result(timeout=timeout)
        except grpc.FutureTimeoutError:
            raise concurrent.futures.TimeoutError() from None
        except (grpc.RpcError, grpc.FutureCancelledError):
            pass  # the call ended; _finish reads how
        self._finish(self._call)

    def _finish(self, call):
        with self._finishing:
            if self.done():
                return
            try:
                if call.cancelled():
                    if self._cancelled_by_user:
                        self.set_exception(concurrent.futures.CancelledError())
                    else:  # the channel was closed: by the program's stop or by close()
                        self.set_exception(self._client._closed_error(self._method))
                    return
                error = call.exception()
                if error is not None:
                    self.set_exception(self._client._error(error, self._method))
                    return
                self.set_result(self._client._decode_result(call.result(), self._method))
            except BaseException as e:  # noqa: BLE001 - the caller sees it, not gRPC's thread
                self.set_exception(e)


class _Futures:
    """client.futures: the same methods, returning a Future."""

    def __init__(self, client):
        self._client = client

    def __getattr__(self, method):
        if method.startswith("_"):
            raise AttributeError(method)
        return lambda *args, **kwargs: self._client.call_future(method, *args, **kwargs)


class Client:
    """A connection to one Courier server.

    address         gRPC target: "host:port", "unix:/path", ...
    timeout         deadline of every call, in seconds; None: none (the default)
    secret          the launch's secret, sent with every call; None (the default):
                    LP_COURIER_SECRET from the environment, if set; "": none sent
    tls             a TlsOptions for a launch that uses mutual TLS; None (the default):
                    from LP_TLS_CERT/LP_TLS_KEY/LP_TLS_CA if set; False: plain TCP
    wait_for_ready  True (the default, as Courier's): a call to a server that is not up
                    yet waits for it (within the timeout) instead of failing UNAVAILABLE
    name            names the server in error messages (e.g. "learner/0"); default: address

    Methods: client.Method(*args, **kwargs) blocks and returns the result;
    client.futures.Method(...) returns a Future; client.call("Method", ...) and
    client.call_future("Method", ...) for names that are not Python identifiers or
    that RESERVED_NAMES holds.
    """

    def __init__(self, address, *, timeout=None, secret=None, tls=None, wait_for_ready=True,
                 name=None):
        self._address = address
        self._timeout = timeout
        self._wait_for_ready = wait_for_ready
        self._name = name or address
        self._closed = False
        if secret is None:
            secret, origin = security.secret_from_environment(), security.SECRET_ENV
        else:
            origin = "the secret argument"
        if secret:
            security.check_secret(secret, origin)
        self._metadata = ((security.SECRET_METADATA_KEY, secret),) if secret else ()
        if tls is None:
            tls = security.TlsOptions.from_environment()
        options = [
            # gRPC's 4 MiB default would refuse ordinary tensors; protobuf's 2 GiB is the
            # limit, as for a C++ client (CourierChannelOptions).
            ("grpc.max_send_message_length", -1),
            ("grpc.max_receive_message_length", -1),
            # A server that is not up yet is tried again within a second, not after
            # gRPC's back-off of up to two minutes (as CourierChannelOptions does).
            ("grpc.max_reconnect_backoff_ms", 1000),
        ]
        if tls:
            credentials, tls_options = tls.credentials()
            self._channel = grpc.secure_channel(address, credentials, options + tls_options)
        else:
            self._channel = grpc.insecure_channel(address, options)
        self._call_stub = self._channel.unary_unary(
            _protos.CALL_METHOD,
            request_serializer=_protos.CallRequest.SerializeToString,
            response_deserializer=_protos.CallResponse.FromString)
        self._list_stub = self._channel.unary_unary(
            _protos.LIST_METHODS_METHOD,
            request_serializer=_protos.ListMethodsRequest.SerializeToString,
            response_deserializer=_protos.ListMethodsResponse.FromString)
        self._futures = _Futures(self)
        with _STOP.lock:
            _STOP.clients.add(self)

    @property
    def address(self):
        return self._address

    @property
    def timeout(self):
        return self._timeout

    @property
    def futures(self):
        """client.futures.Method(*args, **kwargs) starts a call and returns a Future."""
        return self._futures

    def __getattr__(self, method):
        if method.startswith("_"):
            raise AttributeError(method)
        return lambda *args, **kwargs: self.call(method, *args, **kwargs)

    def __repr__(self):
        return f"launchpad_cpp.Client({self._address!r})"

    def call(self, method, *args, **kwargs):
        """Calls `method` and blocks until its result (RpcError if the call fails)."""
        request = _request(method, args, kwargs)
        if _STOP.program is not None:
            raise self._closed_error(method)
        # gRPC's blocking call, not a future's result(): it runs the call on this thread,
        # where a future waits for gRPC's polling thread (several times slower here).
        try:
            response = self._call_stub(request, timeout=self._timeout, metadata=self._metadata,
                                       wait_for_ready=self._wait_for_ready)
        except grpc.RpcError as e:
            raise self._error(e, method) from None
        except ValueError:  # "Cannot invoke RPC on closed channel!"
            if _STOP.program is None and not self._closed:
                raise
            raise self._closed_error(method) from None
        return self._decode_result(response, method)

    def call_future(self, method, *args, **kwargs):
        """Starts a call of `method`; returns a Future of its result.

        Arguments that have no Courier form raise TypeError (OverflowError for an int
        beyond int64) here, before anything is sent.
        """
        request = _request(method, args, kwargs)
        try:
            if _STOP.program is not None:
                raise ValueError("the program is stopping")
            call = self._call_stub.future(request, timeout=self._timeout,
                                          metadata=self._metadata,
                                          wait_for_ready=self._wait_for_ready)
        except ValueError:  # the channel is closed
            if _STOP.program is None and not self._closed:
                raise
            future = concurrent.futures.Future()
            future.set_exception(self._closed_error(method))
            return future
        return Future(self, method, call)

    def list_methods(self):
        """The names of the server's methods, sorted."""
        try:
            response = self._list_stub(_protos.ListMethodsRequest(), timeout=self._timeout,
                                       metadata=self._metadata,
                                       wait_for_ready=self._wait_for_ready)
        except grpc.RpcError as e:
            raise self._error(e, "") from None
        except ValueError:  # the channel is closed
            if _STOP.program is None and not self._closed:
                raise
            raise self._closed_error("") from None
        return list(response.methods)

    def close(self):
        """Closes the channel; calls in flight and later end with RpcError (CANCELLED)."""
        self._closed = True
        with _STOP.lock:
            _STOP.clients.discard(self)
        self._channel.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()

    # --- for Future ----------------------------------------------------------------------

    def _closed_error(self, method):
        """The error of a call that met a closed channel."""
        if _STOP.program is not None:
            return ProgramStoppedError(_STOP.message(self), method)
        return RpcError(grpc.StatusCode.CANCELLED, "the client was closed", method)

    def _error(self, error, method):
        """The exception for a failed gRPC call."""
        code, details = error.code(), error.details() or ""
        if code in (grpc.StatusCode.CANCELLED, grpc.StatusCode.UNAVAILABLE):
            if _STOP.program is not None:
                return ProgramStoppedError(_STOP.message(self), method)
            if self._closed:
                return self._closed_error(method)
        if code == grpc.StatusCode.CANCELLED:
            # Only a stopping C++ server cancels a call: the server's program is stopping.
            return ProgramStoppedError(details, method)
        return RpcError(code, details, method)

    def _decode_result(self, response, method):
        try:
            return codec.decode(response.result.result)
        except (ValueError, UnicodeDecodeError) as e:
            raise RpcError(grpc.StatusCode.INTERNAL,
                           f"the reply from {self._name} could not be decoded: {e}",
                           method) from None


def _request(method, args, kwargs):
    """The CallRequest of a call, or TypeError / OverflowError naming the argument."""
    request = _protos.CallRequest(method=method)
    arguments = request.arguments
    arguments.SetInParent()
    add = arguments.args.add
    where = None
    try:
        for index, arg in enumerate(args):
            where = f"argument {index + 1}"
            codec.encode(arg, add())
        for key, value in kwargs.items():
            where = f"keyword argument '{key}'"
            codec.encode(value, arguments.kwargs[key])
    except codec.EncodeError as e:
        raise codec.EncodeError(f"Courier call '{method}', {where}: {e}") from None
    except OverflowError as e:
        raise OverflowError(f"Courier call '{method}', {where}: {e}") from None
    return request
