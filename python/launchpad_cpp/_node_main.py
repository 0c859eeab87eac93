"""Runs a Python node's script: `python -m launchpad_cpp._node_main script.py args...`.

lp::PythonNode starts the interpreter so rather than on the script itself, so that the
control channel is open and the script's uncaught exception reaches the node even when the
script never imports launchpad_cpp. The script runs as __main__ with sys.argv as if it had
been started directly, and its directory first on sys.path.
"""

import os
import runpy
import sys

from launchpad_cpp import node


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
        raise


if __name__ == "__main__":
    main()
