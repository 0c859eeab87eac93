// consumer_producers: the classic Launchpad program. Producers expose Work() over Courier;
// the consumer fans out one call to each with futures, checks the results, prints them
// and stops the program.
//
//   build/examples/consumer_producers --num_producers=4

#include <iostream>
#include <stdexcept>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "lp/lp.h"

ABSL_FLAG(int, num_producers, 4, "How many producer nodes to run.");

namespace {

class Producer {
 public:
  // What the consumer asks for: some work on `context`.
  int Work(int context) { return context * 2; }
};
LP_COURIER_METHODS(Producer, Work);

class Consumer {
 public:
  explicit Consumer(std::vector<lp::CourierClient<Producer>> producers)
      : producers_(std::move(producers)) {}

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
      std::cout << absl::StrCat("producer ", i, " returned ", result, "\n") << std::flush;
      total += result;
    }
    std::cout << absl::StrCat("consumer: all ", futures.size(),
                              " producers answered; total = ", total, "\n")
              << std::flush;
    lp::Stop();
  }

 private:
  std::vector<lp::CourierClient<Producer>> producers_;
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
  program.AddNode(lp::ClassNode<Consumer>(producers), "consumer");
  return program;
}

}  // namespace

int main(int argc, char** argv) {
  lp::ParseFlags(argc, argv);
  return lp::LaunchAndWait(MakeProgram(absl::GetFlag(FLAGS_num_producers)));
}
