#!/bin/sh
# Stands for a virtualenv's python: marks the environment, then runs the real one.
PY_NODE_TEST_INTERPRETER=fake_venv_python exec /usr/bin/python3 "$@"
