// A program with a colocation, driven by colocation_process_test through its output.
//
//   --kind=threads|processes   MultiThreadingColocation or MultiProcessingColocation
//   --mode=call      a caller outside the colocation calls both inner Echo nodes, prints
//                    the answers (with the pids that served them) and stops the program
//   --mode=wait      inner nodes print their pids and "ready", wait for the stop, print
//                    "clean exit"
//   --mode=restart   the caller crashes inner node 0 through Crash(), then calls it again
//                    through the same handle (processes, one retry)
//   --mode=hopeless  inner node 0 always fails (processes, --retries retries)

#include <unistd.h>

#include <iostream>
#include <stdexcept>
#include <string>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "lp/lp.h"

ABSL_FLAG(std::string, kind, "processes", "threads or processes");
ABSL_FLAG(std::string, mode, "call", "call, wait, restart or hopeless");
ABSL_FLAG(int, retries, 1, "num_retries_on_failure of the process colocation");

namespace {

void Say(const std::string& line) { std::cout << line + "\n" << std::flush; }

class Echo {
 public:
  // The constructor runs on the node's own thread; methods run on the server's threads.
  Echo() : node_(lp::CurrentNode()->node.ToString()) {}
  std::string Say(const std::string& text) {
    return absl::StrCat(node_, " pid ", getpid(), " parent ", getppid(), ": ", text);
  }
  void Crash() { _exit(3); }

 private:
  std::string node_;
};
LP_COURIER_METHODS(Echo, Say, Crash);

void Caller(lp::CourierClient<Echo> first, lp::CourierClient<Echo> second) {
  Say(first.Call(&Echo::Say, "one"));
  Say(second.Call(&Echo::Say, "two"));
  lp::Stop();
}

void Restarter(lp::CourierClient<Echo> first) {
  Say("before crash: " + first.Call(&Echo::Say, "alive"));
  try {
    first.WithTimeout(absl::Seconds(30)).Call(&Echo::Crash);
  } catch (const lp::RpcError&) {
    // Expected: the process died under the call.
  }
  // The same client, so the same handle and address. A call that gRPC had already written
  // to the dead connection fails with UNAVAILABLE (gRPC cannot know whether the server
  // ran it, so it does not resend it); calls after that wait for the restarted server.
  const absl::Time deadline = absl::Now() + absl::Seconds(60);
  for (int attempt = 1;; ++attempt) {
    try {
      Say("after restart: " + first.WithDeadline(deadline).Call(&Echo::Say, "again"));
      break;
    } catch (const lp::RpcError& error) {
      if (error.code() != absl::StatusCode::kUnavailable || attempt == 3) throw;
    }
  }
  lp::Stop();
}

void Waiter() {
  Say(absl::StrCat("inner ", lp::CurrentNode()->node.ToString(), " pid ", getpid(), " ready"));
  lp::WaitForStop();
  Say(absl::StrCat("clean exit: ", lp::CurrentNode()->node.ToString()));
}

void Hopeless() { throw std::runtime_error("hopeless inner node"); }

void AddColocation(lp::Program& program, const std::vector<lp::Node>& nodes) {
  if (absl::GetFlag(FLAGS_kind) == "threads") {
    program.AddNode(lp::MultiThreadingColocation(nodes), "pack");
  } else {
    program.AddNode(lp::MultiProcessingColocation(nodes, absl::GetFlag(FLAGS_retries)), "pack");
  }
}

}  // namespace

int main(int argc, char** argv) {
  lp::ParseFlags(argc, argv);
  const std::string mode = absl::GetFlag(FLAGS_mode);
  lp::Program program("colocation_child");
  if (mode == "wait") {
    AddColocation(program, {lp::FunctionNode(Waiter), lp::FunctionNode(Waiter)});
  } else if (mode == "hopeless") {
    AddColocation(program, {lp::FunctionNode(Hopeless)});
  } else {
    lp::CourierNode<Echo> first, second;
    AddColocation(program, {first, second});
    if (mode == "restart") {
      program.AddNode(lp::FunctionNode(Restarter, program.HandleOf(first)), "caller");
    } else {
      program.AddNode(lp::FunctionNode(Caller, program.HandleOf(first), program.HandleOf(second)),
                      "caller");
    }
  }
  return lp::LaunchAndWait(std::move(program));
}
