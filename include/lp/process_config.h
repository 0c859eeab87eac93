#ifndef LP_PROCESS_CONFIG_H_
#define LP_PROCESS_CONFIG_H_

#include <map>
#include <string>
#include <vector>

namespace lp {

// How the processes of one group are started under local_mp / test_mp: the C++ analogue
// of Launchpad's local_resources.
//
//   options.local_resources["actor"] = lp::ProcessConfig{
//       .args = {{"batch_size", "32"}},        // --batch_size=32 on the command line
//       .env = {{"OMP_NUM_THREADS", "1"}},     // in the environment
//       .wrapper = {"taskset", "-c", "1"}};    // the command runs as: taskset -c 1 <binary> ...
struct ProcessConfig {
  // Flags added to the node's command line as --key=value (read them with Abseil flags).
  // A PythonNode's script gets them on its own command line; a group of Python nodes only
  // does not give them to the binary.
  std::map<std::string, std::string> args = {};
  // Environment variables added to the node's environment.
  std::map<std::string, std::string> env = {};
  // A command the node's process runs under: numactl, taskset, valgrind,
  // gdb -batch -ex run --args, ... Its first word is looked up in $PATH. (A PythonNode's
  // process is its C++ side, whose child the interpreter is: for a virtualenv, set
  // LP_PYTHON in `env`.)
  std::vector<std::string> wrapper = {};
};

}  // namespace lp

#endif  // LP_PROCESS_CONFIG_H_
