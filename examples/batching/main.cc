// batching: a server with a batched method. Compute() takes a whole batch of calls at once
// (lp::Batch<int>) and returns one result per call; each client calls it one value at a
// time and receives its own result. The clients check their results; the last one to
// finish stops the program.
//
//   build/examples/batching --num_clients=4
//   build/examples/batching --num_clients=4 --lp_launch_type=local_mp

#include <cstddef>
#include <iostream>
#include <map>
#include <mutex>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "lp/lp.h"

ABSL_FLAG(int, num_clients, 4, "How many client nodes call the batched method.");

namespace {

constexpr int kCallsPerClient = 10;

// What Compute does to one value.
int Square(int x) { return x * x + 1; }

class Server {
 public:
  explicit Server(int num_clients) : num_clients_(num_clients) {}

  // Batched: all the calls waiting when the batch ran, one value each.
  std::vector<int> Compute(lp::Batch<int> batch) {
    std::vector<int> results;
    results.reserve(batch.size());
    for (int x : batch) results.push_back(Square(x));
    std::lock_guard lock(mu_);
    ++batch_sizes_[batch.size()];
    return results;
  }

  // A client has finished: how many have, this one included. Prints the batch sizes seen
  // once the last one is in.
  int Finished() {
    std::lock_guard lock(mu_);
    if (++finished_ == num_clients_) {
      std::vector<std::string> sizes;
      for (const auto& [size, count] : batch_sizes_) {
        sizes.push_back(absl::StrCat(count, " of ", size));
      }
      std::cout << absl::StrCat("server: batches run (count of size): ", absl::StrJoin(sizes, ", "),
                                "\n")
                << std::flush;
    }
    return finished_;
  }

 private:
  const int num_clients_;
  std::mutex mu_;
  std::map<std::size_t, int> batch_sizes_;  // guarded by mu_
  int finished_ = 0;                        // guarded by mu_
};
LP_COURIER_METHODS(Server, Compute, Finished);

class Client {
 public:
  Client(lp::CourierClient<Server> server, int id, int num_clients)
      : server_(std::move(server)), id_(id), num_clients_(num_clients) {}

  void Run() {
    for (int i = 0; i < kCallsPerClient; ++i) {
      const int x = id_ * 100 + i;
      const int result = server_.Call(&Server::Compute, x);  // one call: one value, one result
      if (result != Square(x)) {
        throw std::runtime_error(absl::StrCat("client ", id_, ": Compute(", x, ") returned ",
                                              result, ", expected ", Square(x)));
      }
    }
    std::cout << absl::StrCat("client ", id_, ": ", kCallsPerClient, " results checked\n")
              << std::flush;
    if (server_.Call(&Server::Finished) == num_clients_) {
      std::cout << absl::StrCat("client ", id_, ": last to finish, stopping the program\n")
                << std::flush;
      lp::Stop();
    }
  }

 private:
  lp::CourierClient<Server> server_;
  int id_;
  int num_clients_;
};

lp::Program MakeProgram(int num_clients) {
  lp::Program program("batching");
  lp::CourierNode<Server> server(num_clients);
  // A batch runs when every client has a call waiting, or 50 ms after its first call.
  server.SetBatching(&Server::Compute, lp::BatchingOptions{.batch_size = num_clients,
                                                           .timeout = absl::Milliseconds(50)});
  auto handle = program.AddNode(std::move(server), "server");
  {
    auto group = program.Group("client");
    for (int i = 0; i < num_clients; ++i) {
      program.AddNode(lp::ClassNode<Client>(handle, i, num_clients));
    }
  }
  return program;
}

}  // namespace

int main(int argc, char** argv) {
  lp::ParseFlags(argc, argv);
  const int num_clients = absl::GetFlag(FLAGS_num_clients);
  if (num_clients < 1) {
    std::cerr << "--num_clients must be at least 1\n";
    return 2;
  }
  return lp::LaunchAndWait(MakeProgram(num_clients));
}
