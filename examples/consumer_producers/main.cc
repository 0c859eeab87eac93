// consumer_producers: the classic Launchpad program. Producers expose Work() over Courier;
// the consumer fans out one call to each with futures, checks the results, prints them
// and stops the program. Every node says which host it runs on, which shows where a
// launch type put it.
//
//   build/examples/consumer_producers --num_producers=4
//   build/examples/consumer_producers --lp_launch_type=local_mp
//   build/examples/consumer_producers --lp_launch_type=local_mp --keep_running
//       (stays up until Ctrl+C: open the status page it prints)
//   build/examples/consumer_producers --lp_launch_type=slurm --producer_hosts=3

#include <unistd.h>

#include <iostream>
#include <stdexcept>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "lp/lp.h"

ABSL_FLAG(int, num_producers, 4, "How many producer nodes to run.");
ABSL_FLAG(bool, keep_running, false,
          "After the work, keep the program up until it is stopped (Ctrl+C), e.g. to look at "
          "its status page.");
ABSL_FLAG(int, producer_hosts, 0,
          "slurm: spread the producers over this many machines (0: as Slurm sees fit).");

namespace {

std::string Hostname() {
  char name[256] = {};
  gethostname(name, sizeof(name) - 1);
  return name;
}

class Producer {
 public:
  // What the consumer asks for: some work on `context`.
  int Work(int context) { return context * 2; }
  // Where this producer runs.
  std::string Host() { return Hostname(); }
};
LP_COURIER_METHODS(Producer, Work, Host);

class Consumer {
 public:
  Consumer(std::vector<lp::CourierClient<Producer>> producers, bool keep_running)
      : producers_(std::move(producers)), keep_running_(keep_running) {}

  void Run() {
    std::vector<lp::Future<int>> futures;
    for (int i = 0; i < static_cast<int>(producers_.size()); ++i) {
      futures.push_back(producers_[i].Async(&Producer::Work, i));
    }
    int total = 0;
    for (int i = 0; i < static_cast<int>(futures.size()); ++i) {
      const int result = futures[i].Get();  // throws lp::RpcError if the call failed
      if (result != i * 2) {
        throw std::runtime_error(absl::StrCat("producer ", i, " returned ", result,
                                              ", expected ", i * 2));
      }
      std::cout << absl::StrCat("producer ", i, " returned ", result, " (host ",
                                producers_[i].Call(&Producer::Host), ")\n")
                << std::flush;
      total += result;
    }
    std::cout << absl::StrCat("consumer: all ", futures.size(),
                              " producers answered; total = ", total, " (consumer on host ",
                              Hostname(), ")\n")
              << std::flush;
    if (keep_running_) {
      std::cout << "consumer: keeping the program up until it is stopped (Ctrl+C)\n"
                << std::flush;
      lp::WaitForStop();
      return;
    }
    lp::Stop();
  }

 private:
  std::vector<lp::CourierClient<Producer>> producers_;
  bool keep_running_;
};

lp::Program MakeProgram(int num_producers) {
  lp::Program program("consumer_producers");
  std::vector<lp::CourierHandle<Producer>> producers;
  {
    auto group = program.Group("producer");
    for (int i = 0; i < num_producers; ++i) {
      producers.push_back(program.AddNode(lp::CourierNode<Producer>()));
    }
  }
  program.AddNode(lp::ClassNode<Consumer>(producers, absl::GetFlag(FLAGS_keep_running)),
                  "consumer");
  return program;
}

}  // namespace

int main(int argc, char** argv) {
  lp::ParseFlags(argc, argv);
  lp::LaunchOptions options;
  if (const int hosts = absl::GetFlag(FLAGS_producer_hosts); hosts > 0) {
    options.slurm_resources["producer"] = lp::SlurmConfig{.nodes = hosts};
  }
  return lp::LaunchAndWait(MakeProgram(absl::GetFlag(FLAGS_num_producers)), options);
}
