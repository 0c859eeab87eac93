"""The Python actor of examples/rl: the same work as the C++ Actor, with numpy.

Run by lp::PythonNode, which gives it clients of the replay node and the learner
(launchpad_cpp.handles()) and tells it when the program stops. It acts with the learner's
latest parameters in the environment y = w*·x + noise (w*_i = sin(i + 1), as in main.cc)
and inserts its transitions into the replay table "experience" with their errors as
priorities, a few at a time (one InsertBatch with the priorities as one numpy column),
until the program stops.
"""

import argparse
import socket

import numpy as np

import launchpad_cpp

PARSER = argparse.ArgumentParser(description=__doc__.splitlines()[0])
PARSER.add_argument("--dim", type=int, default=8)
PARSER.add_argument("--seed", type=int, default=0)
STEPS_PER_PARAMS_FETCH = 10
TRANSITIONS_PER_INSERT = 4


def main():
    args = PARSER.parse_args()
    handles = launchpad_cpp.handles()
    replay, learner = handles["replay"], handles["learner"]
    truth = np.sin(np.arange(1, args.dim + 1)).astype(np.float32)
    random = np.random.default_rng(args.seed)
    name = f"python actor {launchpad_cpp.node_name()} on {socket.gethostname()}"
    params = None
    step = 0
    transitions, priorities = [], []
    try:
        while not launchpad_cpp.wait_for_stop(timeout=0):
            if step % STEPS_PER_PARAMS_FETCH == 0:
                params = learner.GetParams()  # a numpy float32 array
            x = random.standard_normal(args.dim).astype(np.float32)
            y = np.float32(truth @ x + 0.1 * random.standard_normal())
            error = float(params @ x - y)
            # The dict is the C++ struct Experience (LP_SERIALIZABLE: field name -> value).
            transitions.append({"transition": np.append(x, y), "actor": name})
            priorities.append(abs(error) + 1e-3)
            step += 1
            if len(transitions) == TRANSITIONS_PER_INSERT:
                # {table: one priority per item}: a numpy column travels as one tensor.
                replay.InsertBatch(transitions, {"experience": np.array(priorities)})
                transitions, priorities = [], []
    except launchpad_cpp.ProgramStoppedError:
        pass  # the learner stopped the program while a call was in flight
    print(f"{launchpad_cpp.node_name()}: inserted {step} transitions", flush=True)


if __name__ == "__main__":
    main()
