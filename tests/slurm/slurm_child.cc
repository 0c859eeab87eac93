// A program that the Slurm tests (slurm_cluster_test.cc) launch with
// --lp_launch_type=slurm against a real cluster and watch from outside. Every node prints
// "ready <group/index> host=<hostname>" once it runs, so that a test can wait for the
// program to be up and see where each node landed.
//
//   --mode=resources   worker/0..1 with slurm_resources (2 CPUs per task, 300M, an
//                      environment variable, a flag); each prints what it got and returns
//   --mode=wait        waiter/0..N-1 (N = --hosts) wait for the stop, one per host
//   --mode=stop        waiters, plus stopper/0, which calls every waiter, then lp::Stop()
//   --mode=straggler   waiters, plus straggler/0, which ignores the stop; stopper/0 stops
//                      the program once the straggler answered a call
//   --mode=fail        waiters, plus failer/0, which throws once every waiter answered
//   --mode=colocation  one Slurm task holding two waiters in subprocesses
//                      (MultiProcessingColocation); stopper/0 calls both, then stops
//   --mode=secret      waiters, plus caller/0, which calls every waiter through its
//                      handle, then prints "address <group/index> <host:port>" of each
//                      and waits for the stop (the test calls them from outside)
//   --mode=status      waiters, plus failer/0, which calls every waiter, then throws once
//                      the file --trigger exists; main() prints "status url <url>", and
//                      after the program ended "program ended: <outcome>", then keeps the
//                      launcher (and its status server) up until it is killed
//   --mode=python      waiters, plus python/0, a PythonNode (tests/slurm/python/
//                      call_waiters.py) that calls every waiter through its handle, prints
//                      its argv and LP_TEST_ENV (its group's slurm_resources give a flag
//                      and the variable), then stops the program
//   --mode=tensors     waiters, plus sender/0, which sends every waiter four float tensors
//                      of 2 MiB and checks the sums they return, then fetches four such
//                      tensors from it and a dict of two 4 MiB tensors (a learner's
//                      layers), and checks them, prints "tensors <waiter>
//                      host=<its host> sender_host=<own host> sent=<bytes its calls to it
//                      sent through gRPC> received=<bytes they received>" for each; then,
//                      as an actor in its loop, sends each waiter kLoopRounds more such
//                      tensors and fetches as many, and prints "recycling <waiter>
//                      sender_fresh=<n> waiter_fresh=<n> of=<n>": how many tensor storages
//                      each process had to allocate afresh in that loop, of how many
//                      tensors it made or received (src/courier/serialization/
//                      tensor_bytes.h); then stops the program
//   --mode=travel|differs|sweep
//                      the programs of tests/support/arguments_program.h (node arguments
//                      computed in main() travel; --scratch is where main() makes its
//                      directory)
//
// --local launches as --lp_launch_type says instead (tls_launch_test runs --mode=secret so).
// --hosts spreads the waiters (and workers) over that many machines, one task per machine;
// --partition puts every group in that partition, --srun_arg adds an srun option to the
// waiters' group. --marker is not read: it lets a test
// find the processes of one launch with pgrep.

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <cstdlib>
#include <iostream>
#include <mutex>
#include <optional>
#include <span>
#include <stdexcept>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "lp/flags.h"
#include "lp/lp.h"
#include "src/courier/serialization/tensor_bytes.h"
#include "tests/support/arguments_program.h"
#include "tests/support/courier_bytes_sent.h"

ABSL_FLAG(std::string, mode, "wait", "see the file comment");
ABSL_FLAG(int, hosts, 1, "machines to spread the waiters over");
ABSL_FLAG(std::string, partition, "", "the partition of every group (empty: the default)");
ABSL_FLAG(std::string, srun_arg, "", "an extra srun option for the waiters' group");
ABSL_FLAG(std::string, role, "unset", "resources: set per group through slurm_resources");
ABSL_FLAG(std::string, marker, "", "not read; lets a test find this launch's processes");
ABSL_FLAG(bool, local, false, "launch as --lp_launch_type says instead of under slurm");
ABSL_FLAG(std::string, scratch, "/tmp", "travel: where main() makes its directory");
ABSL_FLAG(std::string, trigger, "", "status: the file whose creation makes failer/0 throw");

namespace {

void Say(const std::string& line) { std::cout << line + "\n" << std::flush; }

std::string Hostname() {
  char name[256] = {};
  gethostname(name, sizeof(name) - 1);
  return name;
}

std::string Me() { return lp::CurrentNode()->node.ToString(); }

// The memory Slurm gave this task's job ("300M"), as scontrol shows it: srun sets no
// variable for it.
std::string JobMemory() {
  const char* job = std::getenv("SLURM_JOB_ID");
  if (job == nullptr) return "<no job>";
  FILE* pipe = popen(absl::StrCat("scontrol show job ", job).c_str(), "r");
  if (pipe == nullptr) return "<no scontrol>";
  std::string text;
  char buffer[4096];
  for (size_t n; (n = fread(buffer, 1, sizeof(buffer), pipe)) > 0;) text.append(buffer, n);
  pclose(pipe);
  const std::string key = "MinMemoryNode=";
  const size_t at = text.find(key);
  if (at == std::string::npos) return "<not shown>";
  const size_t end = text.find_first_of(" \n", at);
  return text.substr(at + key.size(), end - at - key.size());
}

std::string Env(const char* name) {
  const char* value = std::getenv(name);
  return value == nullptr ? "<unset>" : value;
}

// --mode=tensors: a float tensor of 2 MiB whose elements are small integers, so that its
// sum in double is exact.
constexpr int64_t kTensorFloats = 512 * 1024;
// A learner's layer: over the 4 MiB from which a received message's tensors are read by
// lp itself onto huge pages (src/courier/rpc/received_tensors.h).
constexpr int64_t kLayerFloats = 1024 * 1024 + 1024;
// --mode=tensors: the rounds of the actor's loop in which storage is counted.
constexpr int kLoopRounds = 8;
lp::Tensor Patterned(int seed, int64_t floats = kTensorFloats) {
  lp::Tensor tensor(lp::DType::kFloat, {floats});
  std::span<float> values = tensor.span<float>();
  for (size_t i = 0; i < values.size(); ++i) values[i] = static_cast<float>((i + seed) % 97);
  return tensor;
}

// A node that runs until the program stops, and answers where it is. Its server serves
// before Run starts: Echo may run while Run sets me_ (ThreadSanitizer saw it), hence mu_.
class Waiter {
 public:
  void Run() {
    const std::string me = Me();
    {
      std::lock_guard lock(mu_);
      me_ = me;
    }
    Say(absl::StrCat("ready ", me, " host=", Hostname()));
    lp::WaitForStop();
    Say(absl::StrCat("stopped ", me, " host=", Hostname()));
  }
  std::string Host() { return Hostname(); }
  std::string Echo(const std::string& text) {
    std::lock_guard lock(mu_);
    return me_ + " got " + text;
  }
  double Sum(const lp::Tensor& values) {
    double sum = 0;
    for (float value : values.span<float>()) sum += value;
    return sum;
  }
  // What a learner gives its actors: a large tensor for a small request.
  lp::Tensor Params(int seed) { return Patterned(seed); }
  // The same by layer, as a dict of tensors.
  std::map<std::string, lp::Tensor> Layers(int seed) {
    return {{"policy", Patterned(seed, kLayerFloats)},
            {"value", Patterned(seed + 1, kLayerFloats)}};
  }
  // How many tensors in this process got storage afresh so far.
  int64_t FreshStorage() { return static_cast<int64_t>(lp::internal::RecyclingNow().fresh); }

 private:
  std::mutex mu_;
  std::string me_;  // guarded by mu_
};
LP_COURIER_METHODS(Waiter, Host, Echo, Sum, Params, Layers, FreshStorage);

// Ignores the stop: the launcher must kill it after the termination notice.
class Straggler {
 public:
  void Run() {
    Say(absl::StrCat("ready ", Me(), " host=", Hostname()));
    for (;;) std::this_thread::sleep_for(std::chrono::seconds(1));
  }
  std::string Host() { return Hostname(); }
};
LP_COURIER_METHODS(Straggler, Host);

// Calls every waiter, so that they all run, then does what its mode says.
template <typename T>
void CallAll(const std::vector<lp::CourierClient<T>>& nodes) {
  for (const auto& node : nodes) (void)node.Call(&T::Host);
}

lp::SlurmConfig Spread(int hosts) {
  return lp::SlurmConfig{.partition = absl::GetFlag(FLAGS_partition),
                         .nodes = hosts,
                         .ntasks_per_node = hosts > 1 ? 1 : 0};
}

}  // namespace

int main(int argc, char** argv) {
  lp::ParseFlags(argc, argv);
  const std::string mode = absl::GetFlag(FLAGS_mode);
  const int hosts = absl::GetFlag(FLAGS_hosts);
  lp::Program program("slurm_child");
  lp::LaunchOptions options;
  if (!absl::GetFlag(FLAGS_local)) options.launch_type = lp::LaunchType::kSlurm;

  if (mode == "resources") {
    {
      auto group = program.Group("worker");
      for (int i = 0; i < 2; ++i) {
        program.AddNode(lp::FunctionNode([] {
          Say(absl::StrCat("ready ", Me(), " host=", Hostname()));
          Say(absl::StrCat("resources ", Me(), " cpus=", Env("SLURM_CPUS_PER_TASK"),
                           " mem=", JobMemory(), " env=", Env("LP_TEST_ENV"),
                           " role=", absl::GetFlag(FLAGS_role)));
        }));
      }
    }
    lp::SlurmConfig config = Spread(hosts);
    config.cpus_per_task = 2;
    config.mem = "300M";
    config.env = {{"LP_TEST_ENV", "hello from slurm_resources"}};
    config.args = {{"role", "configured"}};
    options.slurm_resources["worker"] = config;
    return lp::LaunchAndWait(std::move(program), options);
  }

  if (std::optional<int> code =
          lp_test_arguments::RunMode(mode, absl::GetFlag(FLAGS_scratch), options)) {
    return *code;
  }

  if (mode == "colocation") {
    lp::CourierNode<Waiter> first, second;
    program.AddNode(lp::MultiProcessingColocation({first, second}), "pair");
    std::vector<lp::CourierHandle<Waiter>> inner = {program.HandleOf(first),
                                                    program.HandleOf(second)};
    program.AddNode(lp::FunctionNode([inner] {
                      for (const auto& waiter : inner) {
                        Say(absl::StrCat("inner node answered from host=",
                                         waiter.Dereference().Call(&Waiter::Host)));
                      }
                      lp::Stop();
                    }),
                    "stopper");
    options.slurm_resources["stopper"] = Spread(1);
    return lp::LaunchAndWait(std::move(program), options);
  }

  std::vector<lp::CourierHandle<Waiter>> waiters;
  {
    auto group = program.Group("waiter");
    for (int i = 0; i < hosts; ++i) waiters.push_back(program.AddNode(lp::CourierNode<Waiter>()));
  }
  options.slurm_resources["waiter"] = Spread(hosts);
  if (const std::string extra = absl::GetFlag(FLAGS_srun_arg); !extra.empty()) {
    options.slurm_resources["waiter"].extra_args.push_back(extra);
  }
  if (mode == "stop") {
    program.AddNode(lp::FunctionNode([waiters] {
                      std::vector<lp::CourierClient<Waiter>> clients;
                      for (const auto& waiter : waiters) clients.push_back(waiter.Dereference());
                      CallAll(clients);
                      Say(absl::StrCat("stopping from ", Me(), " host=", Hostname()));
                      lp::Stop();
                    }),
                    "stopper");
  } else if (mode == "tensors") {
    program.AddNode(lp::FunctionNode([waiters] {
                      for (const auto& waiter : waiters) {
                        lp::CourierClient<Waiter> client = waiter.Dereference();
                        const std::string host = client.Call(&Waiter::Host);
                        for (int seed = 0; seed < 4; ++seed) {
                          lp::Tensor tensor = Patterned(seed);
                          const double expected = client.Call(&Waiter::Sum, tensor);
                          double sum = 0;
                          for (float value : tensor.span<float>()) sum += value;
                          if (expected != sum) {
                            throw std::runtime_error(absl::StrCat(
                                client.target_name(), " summed ", expected, ", not ", sum));
                          }
                        }
                        for (int seed = 0; seed < 4; ++seed) {
                          if (client.Call(&Waiter::Params, seed) != Patterned(seed)) {
                            throw std::runtime_error(absl::StrCat(
                                client.target_name(), " returned the wrong tensor ", seed));
                          }
                        }
                        const double sent =
                            lp::testing::CourierBytesSent("target", client.target_name());
                        const double received =
                            lp::testing::CourierBytesReceived("target", client.target_name());
                        // Counted above: whether a dict's first fetch from this host
                        // goes through gRPC is not what the counts check.
                        const std::map<std::string, lp::Tensor> layers =
                            client.Call(&Waiter::Layers, 5);
                        if (layers.size() != 2 ||
                            layers.at("policy") != Patterned(5, kLayerFloats) ||
                            layers.at("value") != Patterned(6, kLayerFloats)) {
                          throw std::runtime_error(
                              absl::StrCat(client.target_name(), " returned the wrong layers"));
                        }
                        Say(absl::StrCat("tensors ", client.target_name(), " host=", host,
                                         " sender_host=", Hostname(),
                                         " sent=", static_cast<int64_t>(sent),
                                         " received=", static_cast<int64_t>(received)));

                        // An actor's loop: each round makes a tensor and sends it, and
                        // fetches one. Each side makes or receives a tensor per call.
                        const int64_t sender_before =
                            static_cast<int64_t>(lp::internal::RecyclingNow().fresh);
                        const int64_t waiter_before = client.Call(&Waiter::FreshStorage);
                        for (int round = 0; round < kLoopRounds; ++round) {
                          const lp::Tensor observation = Patterned(round);
                          if (client.Call(&Waiter::Sum, observation) < 0 ||
                              client.Call(&Waiter::Params, round).ByteSize() !=
                                  observation.ByteSize()) {
                            throw std::runtime_error("the loop's calls went wrong");
                          }
                        }
                        const int64_t sender_fresh =
                            static_cast<int64_t>(lp::internal::RecyclingNow().fresh) -
                            sender_before;
                        const int64_t waiter_fresh =
                            client.Call(&Waiter::FreshStorage) - waiter_before;
                        Say(absl::StrCat("recycling ", client.target_name(),
                                         " sender_fresh=", sender_fresh,
                                         " waiter_fresh=", waiter_fresh,
                                         " of=", 2 * kLoopRounds));
                      }
                      lp::Stop();
                    }),
                    "sender");
  } else if (mode == "straggler") {
    auto straggler = program.AddNode(lp::CourierNode<Straggler>(), "straggler");
    program.AddNode(lp::FunctionNode([straggler] {
                      CallAll(std::vector<lp::CourierClient<Straggler>>{
                          straggler.Dereference()});
                      Say(absl::StrCat("stopping from ", Me()));
                      lp::Stop();
                    }),
                    "stopper");
  } else if (mode == "fail") {
    program.AddNode(lp::FunctionNode([waiters] {
                      std::vector<lp::CourierClient<Waiter>> clients;
                      for (const auto& waiter : waiters) clients.push_back(waiter.Dereference());
                      CallAll(clients);
                      Say("the failing node is about to throw");
                      throw std::runtime_error("boom from the failing node");
                    }),
                    "failer");
  } else if (mode == "secret") {
    program.AddNode(lp::FunctionNode([waiters] {
                      std::vector<lp::CourierClient<Waiter>> clients;
                      for (const auto& waiter : waiters) clients.push_back(waiter.Dereference());
                      CallAll(clients);  // the program's own calls carry the secret
                      for (const auto& client : clients) {
                        Say(absl::StrCat("address ", client.target_name(), " ",
                                         client.Address()));
                      }
                      lp::WaitForStop();
                    }),
                    "caller");
  } else if (mode == "status") {
    program.AddNode(lp::FunctionNode([waiters, trigger = absl::GetFlag(FLAGS_trigger)] {
                      std::vector<lp::CourierClient<Waiter>> clients;
                      for (const auto& waiter : waiters) clients.push_back(waiter.Dereference());
                      CallAll(clients);
                      Say(absl::StrCat("ready ", Me(), " host=", Hostname()));
                      // The test's signal, on the file system every host shares.
                      while (!std::filesystem::exists(trigger)) {
                        std::this_thread::sleep_for(std::chrono::milliseconds(50));
                      }
                      throw std::runtime_error("boom from the status test");
                    }),
                    "failer");
  } else if (mode == "python") {
    std::map<std::string, lp::AnyCourierHandle> handles;
    for (size_t i = 0; i < waiters.size(); ++i) {
      handles.emplace(absl::StrCat("waiter", i), waiters[i]);
    }
    lp::PythonNode script(LP_SLURM_PYTHON_SCRIPTS "/call_waiters.py", handles, {"--own=1"});
    script.SetInterpreter("/usr/bin/python3");
    program.AddNode(script, "python");
    lp::SlurmConfig config = Spread(1);
    config.args = {{"greeting", "hello"}};  // not a flag of this binary: the script's alone
    config.env = {{"LP_TEST_ENV", "from slurm_resources"}};
    options.slurm_resources["python"] = config;
  } else if (mode != "wait") {
    std::cerr << "unknown --mode=" << mode << "\n";
    return 64;
  }
  for (const char* group : {"stopper", "straggler", "failer", "caller", "sender"}) {
    if (program.FindGroup(group) != nullptr) {
      options.slurm_resources[group] = Spread(1);
    }
  }
  if (mode == "status") {
    lp::Controller controller = lp::Launch(std::move(program), options);
    Say(absl::StrCat("status url ", controller.StatusUrl()));
    const absl::Status outcome = controller.Wait();
    Say(absl::StrCat("program ended: ", outcome.ToString()));
    for (;;) pause();  // the status server shows the end until the test kills us
  }
  return lp::LaunchAndWait(std::move(program), options);
}
