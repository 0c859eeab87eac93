#ifndef LP_SRC_LAUNCH_PYTHON_NODE_H_
#define LP_SRC_LAUNCH_PYTHON_NODE_H_

// What the launchers need to know of Python nodes (lp/python_node.h), and the contract
// between a PythonNode and the launchpad_cpp package in its script's interpreter
// (python/launchpad_cpp/node.py reads the same names).

#include <map>
#include <string>
#include <vector>

#include "lp/context.h"
#include "lp/program.h"

namespace lp::internal {

// Whether every one of `nodes` is a PythonNode: their group's args are then the scripts'
// alone (see WorkerCommandInputs::args_for_scripts_only).
bool AllPythonNodes(const Program& program, const std::vector<NodeId>& nodes);

// --- The script's environment --------------------------------------------------------------

// The node, "group/index".
inline constexpr char kPythonNodeNameEnv[] = "LP_PYTHON_NODE";
// The program's name (lp::Program's).
inline constexpr char kPythonProgramEnv[] = "LP_PYTHON_PROGRAM";
// The handles, as JSON: {"name": {"node": "group/index", "address": "host:port"}, ...}.
inline constexpr char kPythonHandlesEnv[] = "LP_PYTHON_HANDLES";
// The descriptor of the script's end of the control channel (a SOCK_SEQPACKET socket).
inline constexpr char kPythonControlFdEnv[] = "LP_PYTHON_CONTROL_FD";
// The launch's mutual TLS, as files (read by launchpad_cpp/security.py); unset without.
inline constexpr char kPythonTlsCertEnv[] = "LP_TLS_CERT";
inline constexpr char kPythonTlsKeyEnv[] = "LP_TLS_KEY";
inline constexpr char kPythonTlsCaEnv[] = "LP_TLS_CA";
inline constexpr char kPythonTlsServerNameEnv[] = "LP_TLS_SERVER_NAME";
// Chooses the interpreter when the node did not (lp::PythonNode::SetInterpreter).
inline constexpr char kPythonInterpreterEnv[] = "LP_PYTHON";

// --- The control channel: one message per packet ---------------------------------------------

// Node -> script: the program is stopping.
inline constexpr char kStopMessage[] = "stop";
// Script -> node: the package is loaded and the script about to run.
inline constexpr char kStartedMessage[] = "started";
// Script -> node: stop the program ("stop", as above).
// Script -> node: "raised <kind>\n<text>": the script's uncaught exception, where <kind>
// is "stopped" for launchpad_cpp.ProgramStoppedError (a call the stop ended), "call" for a
// call that failed because its server is stopping or gone (CANCELLED, UNAVAILABLE), else
// "error", and <text> is "ExceptionType: message". Judged as a C++ node's exception of the
// same kind (NodeOutcome::Kind).
inline constexpr char kRaisedMessage[] = "raised";

struct ResolvedHandle {
  std::string node;     // "group/index"
  std::string address;  // "host:port" of its Courier server
};
// kPythonHandlesEnv's value.
std::string HandlesJson(const std::map<std::string, ResolvedHandle>& handles);

}  // namespace lp::internal

#endif  // LP_SRC_LAUNCH_PYTHON_NODE_H_
