"""Runs a Python node's script: `python -m launchpad_cpp._node_main script.py args...`.

lp::PythonNode starts the interpreter so rather than on the script itself, so that the
control channel is open and the script's uncaught exception reaches the node even when the
script never imports launchpad_cpp. The script runs as __main__ with sys.argv as if it had
been started directly, and its directory first on sys.path.
"""

import os
import runpy
import sys
import traceback

from launchpad_cpp import node
from launchpad_cpp.errors import ProgramStoppedError


def main():
    script = sys.argv[1]
    sys.argv = sys.argv[1:]
    sys.path[0] = os.path.dirname(os.path.abspath(script))
    node._started()  # pylint: disable=protected-access
    try:
        runpy.run_path(script, run_name="__main__")
    except SystemExit:
        raise
    except BaseException as error:  # pylint: disable=broad-except
        node._report_exception(error)  # pylint: disable=protected-access
        if not isinstance(error, Exception):
            raise  # KeyboardInterrupt and the like end the interpreter their own way
        if isinstance(error, ProgramStoppedError):
            sys.exit(1)  # the stop ended a call: a clean end, as quiet as a C++ node's
        # The traceback from the script's own frame on: this runner's and runpy's frames
        # say nothing about the script. Then the exit code of an uncaught exception.
        traceback.print_exception(type(error), error, _from_script(error.__traceback__, script))
        sys.exit(1)


def _from_script(tb, script):
    """The traceback from the script's first frame; all of it when the script has none
    (a syntax error in the script)."""
    path = os.path.abspath(script)
    entry = tb
    while entry is not None and os.path.abspath(entry.tb_frame.f_code.co_filename) != path:
        entry = entry.tb_next
    return entry if entry is not None else tb


if __name__ == "__main__":
    main()
