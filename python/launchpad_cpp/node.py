"""The script's side of lp::PythonNode: a Python script run as a node of a C++ program.

The C++ node starts the script's interpreter with the program's view in its environment
(src/launch/python_node.h holds the other half of this contract): the node's name, the
addresses of the Courier handles it was given, the launch's secret (which Client picks up
from LP_COURIER_SECRET) and the script's end of a control channel, a SOCK_SEQPACKET socket
that carries one message per packet:
  node -> script  "stop"                     the program is stopping
  script -> node  "started"                  the package is loaded, the script runs
  script -> node  "stop"                     stop the program
  script -> node  "raised <kind>\\n<text>"    the script's uncaught exception

Outside a Python node (the variables unset) every function raises RuntimeError, except
stop(), which does nothing, as lp::Stop() outside a program.
"""

import json
import os
import socket
import threading

_NODE_NAME_ENV = "LP_PYTHON_NODE"
_PROGRAM_ENV = "LP_PYTHON_PROGRAM"
_HANDLES_ENV = "LP_PYTHON_HANDLES"
_CONTROL_FD_ENV = "LP_PYTHON_CONTROL_FD"

_STOP = b"stop"
_STARTED = b"started"
_RAISED = b"raised"
# The node reads at most 64 KiB per message; an exception's text is cut well below.
_MAX_RAISED_TEXT = 16 * 1024

_lock = threading.Lock()
_channel = None  # guarded by _lock: the _Channel, once opened


class _Channel:
    """The control socket, and a thread that turns the node's "stop" into an event."""

    def __init__(self, fd):
        self._socket = socket.socket(fileno=fd)
        self._socket.set_inheritable(False)  # the script's own children do not get it
        self._send_lock = threading.Lock()
        self.stopping = threading.Event()
        self._reader = threading.Thread(target=self._read, name="launchpad_cpp-stop",
                                         daemon=True)
        self._reader.start()

    def _read(self):
        while True:
            try:
                message = self._socket.recv(4096)
            except OSError:
                message = b""
            if message == _STOP or not message:
                # A closed channel means the node's process is gone: stopping, too.
                self.stopping.set()
                # As in a C++ node, the calls in flight end, and later ones fail at once,
                # with ProgramStoppedError.
                from launchpad_cpp.client import stop_all_calls  # pylint: disable=import-outside-toplevel
                stop_all_calls(os.environ.get(_PROGRAM_ENV, "?"))
                if not message:
                    return

    def send(self, message):
        with self._send_lock:
            try:
                self._socket.send(message)
            except OSError:
                pass  # the node is gone; it no longer needs telling


def _in_node():
    return os.environ.get(_CONTROL_FD_ENV, "") != ""


def _open_channel():
    global _channel
    with _lock:
        if _channel is None:
            if not _in_node():
                raise RuntimeError("launchpad_cpp: not running as a Python node of a "
                                   "Launchpad program (%s is not set)" % _CONTROL_FD_ENV)
            _channel = _Channel(int(os.environ[_CONTROL_FD_ENV]))
        return _channel


def node_name():
    """The node's name in its program, "group/index"."""
    name = os.environ.get(_NODE_NAME_ENV, "")
    if not name:
        raise RuntimeError("launchpad_cpp: not running as a Python node of a Launchpad "
                           "program (%s is not set)" % _NODE_NAME_ENV)
    return name


def _handles():
    node_name()
    return json.loads(os.environ.get(_HANDLES_ENV, "{}"))


def addresses():
    """The handles the node was given: name -> "host:port" of that node's Courier server."""
    return {name: handle["address"] for name, handle in _handles().items()}


def handles(**client_options):
    """The handles the node was given: name -> a launchpad_cpp.Client of that node, which
    sends the launch's secret. `client_options` go to every Client (e.g. timeout=30)."""
    from launchpad_cpp.client import Client  # pylint: disable=import-outside-toplevel
    return {name: Client(handle["address"], name=handle["node"], **client_options)
            for name, handle in _handles().items()}


def wait_for_stop(timeout=None):
    """Blocks until the program is stopping or `timeout` seconds passed; True once stopping.

    wait_for_stop(0) polls. Once it returns True, the script has the node's stop grace
    (lp::PythonNode::SetStopGrace, 5 s by default) to exit before it is terminated.
    """
    return _open_channel().stopping.wait(timeout)


def stop():
    """Stops the whole program (lp::Stop()). Returns at once; the script then sees the
    stop in wait_for_stop() like every node, and should exit."""
    if not _in_node():
        return
    _open_channel().send(_STOP)


def _started():
    _open_channel().send(_STARTED)


def _report_exception(error):
    """Tells the node the exception the script is ending with, before Python prints it."""
    text = "%s: %s" % (type(error).__name__, error) if str(error) else type(error).__name__
    kind = _kind_of(error)
    message = ("%s %s\n%s" % (_RAISED.decode(), kind, text[:_MAX_RAISED_TEXT])).encode(
        "utf-8", "replace")
    _open_channel().send(message)


def _kind_of(error):
    """How the node judges the script's end by `error`, as it judges a C++ node's exception:
    "stopped" for ProgramStoppedError (a clean end), "call" for a call that failed because
    its server stopped or went (CANCELLED, UNAVAILABLE: clean when the program was already
    stopping), "error" for anything else."""
    from launchpad_cpp.errors import ProgramStoppedError
    if isinstance(error, ProgramStoppedError):
        return "stopped"
    code = getattr(error, "code", None)  # launchpad_cpp.RpcError: a value; grpc's: a method
    if callable(code):
        try:
            code = code()
        except Exception:  # pylint: disable=broad-except
            return "error"
    return "call" if getattr(code, "name", "") in ("CANCELLED", "UNAVAILABLE") else "error"
