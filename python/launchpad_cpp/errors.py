"""The exceptions of a failed Courier call, like lp::RpcError and lp::ProgramStoppedError."""

import grpc


class RpcError(Exception):
    """A failed Courier call.

    code     the gRPC status code (a grpc.StatusCode, e.g. grpc.StatusCode.NOT_FOUND)
    message  the status message exactly as the server (or gRPC) produced it
    method   the method called; "" when unknown

    str() reads e.g. "Courier call 'Add' failed: NOT_FOUND: No Courier method 'Add'...",
    as lp::RpcError::what() does.
    """

    def __init__(self, code, message, method=""):
        self.code = code
        self.message = message
        self.method = method
        super().__init__(code, message, method)

    def __str__(self):
        call = f"Courier call '{self.method}' failed" if self.method else "Courier call failed"
        return f"{call}: {self.code.name}: {self.message}"


class ProgramStoppedError(RpcError):
    """A call that ended because the program is stopping (code CANCELLED).

    Raised for the calls of a Python node whose program stops (in flight then, or made
    after), and for a call the server cancelled: a C++ server cancels the calls it has
    not finished when its program stops, and sends CANCELLED for no other reason.
    """

    def __init__(self, message, method=""):
        super().__init__(grpc.StatusCode.CANCELLED, message, method)

    def __reduce__(self):
        return (type(self), (self.message, self.method))
