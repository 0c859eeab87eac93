// A program with many CourierNodes, for the open-file limit tests (open_files_test.cc):
// --servers=N servers, and caller/0, which prints "caller: open files <soft> <hard>" (the
// limits it inherited), calls every server once through its own client (keeping them
// all open, as a learner talking to many actors does), prints "caller: all N servers
// answered" and stops the program.
//
// Without --lp_launch_type the program runs as local_mp.

#include <sys/resource.h>

#include <iostream>
#include <stdexcept>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "lp/flags.h"
#include "lp/lp.h"

ABSL_FLAG(int, servers, 500, "how many CourierNodes the caller calls");

namespace {

class Server {
 public:
  explicit Server(int index) : index_(index) {}
  int Index() { return index_; }

 private:
  int index_;
};
LP_COURIER_METHODS(Server, Index);

class Caller {
 public:
  explicit Caller(std::vector<lp::CourierClient<Server>> servers) : servers_(std::move(servers)) {}

  void Run() {
    rlimit limit{};
    getrlimit(RLIMIT_NOFILE, &limit);
    std::cout << absl::StrCat("caller: open files ", limit.rlim_cur, " ", limit.rlim_max, "\n")
              << std::flush;
    for (int i = 0; i < static_cast<int>(servers_.size()); ++i) {
      const int answer = servers_[i].Call(&Server::Index);
      if (answer != i) {
        throw std::runtime_error(absl::StrCat("server/", i, " answered ", answer));
      }
    }
    std::cout << absl::StrCat("caller: all ", servers_.size(), " servers answered\n")
              << std::flush;
    lp::Stop();
  }

 private:
  std::vector<lp::CourierClient<Server>> servers_;
};

}  // namespace

int main(int argc, char** argv) {
  lp::ParseFlags(argc, argv);
  lp::Program program("many_nodes");
  std::vector<lp::CourierHandle<Server>> servers;
  {
    auto group = program.Group("server");
    for (int i = 0; i < absl::GetFlag(FLAGS_servers); ++i) {
      servers.push_back(program.AddNode(lp::CourierNode<Server>(i)));
    }
  }
  program.AddNode(lp::ClassNode<Caller>(servers), "caller");
  lp::LaunchOptions options;
  if (absl::GetFlag(FLAGS_lp_launch_type) == lp::LaunchType::kLocalMt) {
    options.launch_type = lp::LaunchType::kLocalMp;
  }
  return lp::LaunchAndWait(std::move(program), options);
}
