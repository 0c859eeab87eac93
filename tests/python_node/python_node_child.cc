// A program with a Python node, which python_node_test drives from outside under the
// launch type of --lp_launch_type (local_mp, local_mt). The scripts are in scripts/, run
// by /usr/bin/python3. main() prints "outcome: <status>" and exits 0 when Wait() is OK,
// 1 when not.
//
//   --mode=stop        py/0 runs stop_program.py, which stops the program
//   --mode=wait        py/0 runs wait_for_stop.py, which waits for the stop (the test
//                      sends SIGINT once it printed "script waits for the stop")
//   --mode=ignore      python/0 runs ignore_stop.py (stop grace 1 s), which ignores the
//                      stop and SIGTERM
//   --mode=raise       py/0 runs raise_value_error.py
//   --mode=exit3       py/0 runs exit_3.py
//   --mode=resources   py/0 runs print_resources.py with an argument of its own, and the
//                      group "py" has local_resources: a flag, an env variable, a wrapper
//   --mode=venv        py/0 runs print_resources.py; the group's env sets LP_PYTHON to
//                      fake_venv_python.sh, and the node chose no interpreter
//   --mode=call        adder/0, a CourierNode; py/0 runs call_adder.py with its handle
//   --mode=calls       adder/0; py/0 runs call_until_stopped.py, which calls it until the
//                      stop (the test sends SIGINT once it printed "script calls in a loop")

#include <iostream>
#include <string>

#include "absl/flags/flag.h"
#include "lp/lp.h"

ABSL_FLAG(std::string, mode, "", "what to run; see the file comment");

namespace {

const std::string kScripts = LP_PYTHON_NODE_SCRIPTS;

class Adder {
 public:
  int Add(int a, int b) { return a + b; }
};
LP_COURIER_METHODS(Adder, Add);

lp::PythonNode Script(const std::string& name,
                      std::map<std::string, lp::AnyCourierHandle> handles = {},
                      std::vector<std::string> args = {}) {
  lp::PythonNode node(kScripts + "/" + name, std::move(handles), std::move(args));
  node.SetInterpreter("/usr/bin/python3");
  return node;
}

}  // namespace

int main(int argc, char** argv) {
  lp::ParseFlags(argc, argv);
  const std::string mode = absl::GetFlag(FLAGS_mode);
  lp::Program program("python_node_child");
  lp::LaunchOptions options;
  if (mode == "stop") {
    program.AddNode(Script("stop_program.py"), "py");
  } else if (mode == "wait") {
    program.AddNode(Script("wait_for_stop.py"), "py");
  } else if (mode == "ignore") {
    program.AddNode(Script("ignore_stop.py").SetStopGrace(absl::Seconds(1)), "python");
  } else if (mode == "raise") {
    program.AddNode(Script("raise_value_error.py"), "py");
  } else if (mode == "exit3") {
    program.AddNode(Script("exit_3.py"), "py");
  } else if (mode == "resources") {
    program.AddNode(Script("print_resources.py", {}, {"--own=1"}), "py");
    options.local_resources["py"] = lp::ProcessConfig{
        .args = {{"batch_size", "32"}},
        .env = {{"PY_NODE_TEST_ENV", "from the group"}},
        .wrapper = {"env", "PY_NODE_TEST_WRAPPED=yes"}};
  } else if (mode == "venv") {
    program.AddNode(lp::PythonNode(kScripts + "/print_resources.py"), "py");
    options.local_resources["py"] =
        lp::ProcessConfig{.env = {{"LP_PYTHON", kScripts + "/fake_venv_python.sh"}}};
  } else if (mode == "call") {
    lp::CourierHandle<Adder> adder = program.AddNode(lp::CourierNode<Adder>(), "adder");
    program.AddNode(Script("call_adder.py", {{"adder", adder}}), "py");
  } else if (mode == "calls") {
    lp::CourierHandle<Adder> adder = program.AddNode(lp::CourierNode<Adder>(), "adder");
    program.AddNode(Script("call_until_stopped.py", {{"adder", adder}}), "py");
  } else {
    std::cerr << "unknown --mode=" << mode << "\n";
    return 2;
  }
  const absl::Status outcome = lp::Launch(std::move(program), options).Wait();
  std::cout << "outcome: " << outcome.ToString() << std::endl;
  return outcome.ok() ? 0 : 1;
}
