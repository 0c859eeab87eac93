// courier_test_server: a C++ CourierNode for cross_language_test.py, which calls it from
// Python through grpcio with modules protoc generated from proto/ — proof that the
// Courier wire format holds outside C++.
//
// Prints "courier_test_server listening on <host:port>" once the server is up, then
// serves until the Shutdown method is called, or SIGTERM / Ctrl+C.
//
//   build/tests/courier/courier_test_server

#include <chrono>
#include <condition_variable>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "lp/lp.h"

namespace lp_test {

struct Point {
  int64_t x = 0;
  double y = 0;
  lp::Unicode label;
};
LP_SERIALIZABLE(Point, x, y, label);

// One method per kind (most transform their input, so an echo by accident would show).
class CrossLanguage {
 public:
  int64_t AddInts(int64_t a, int64_t b) const { return a + b; }
  int64_t EchoInt(int64_t v) const { return v; }
  uint64_t EchoUInt64(uint64_t v) const { return v; }  // > INT64_MAX arrive negative
  int8_t NegateInt8(int8_t v) const { return static_cast<int8_t>(-v); }
  double Half(double v) const { return v / 2; }
  float EchoFloat(float v) const { return v; }
  bool Not(bool v) const { return !v; }
  std::string EchoBytes(const std::string& s) const { return s; }              // → bytes
  lp::Unicode Greet(const lp::Unicode& name) const { return "héllo, " + name.text; }  // → str
  int64_t ByteLength(const std::string& s) const { return static_cast<int64_t>(s.size()); }
  double SumList(const std::vector<double>& values) const {
    double sum = 0;
    for (double v : values) sum += v;
    return sum;
  }
  std::vector<int64_t> ReverseList(std::vector<int64_t> values) const {
    return {values.rbegin(), values.rend()};
  }
  std::tuple<lp::Unicode, int64_t> Swap(const std::tuple<int64_t, lp::Unicode>& t) const {
    return {std::get<1>(t), std::get<0>(t)};
  }
  std::map<int64_t, lp::Unicode> Invert(const std::map<lp::Unicode, int64_t>& m) const {
    std::map<int64_t, lp::Unicode> out;
    for (const auto& [k, v] : m) out[v] = k;
    return out;
  }
  std::optional<int64_t> MaybeDouble(std::optional<int64_t> v) const {
    if (!v) return std::nullopt;
    return *v * 2;
  }
  // float32 tensor arithmetic: every element times `factor`, plus its flat index.
  lp::Tensor ScaleTensor(lp::Tensor t, double factor) const {
    if (t.dtype() != lp::DType::kFloat) {
      throw std::invalid_argument("ScaleTensor wants float32, got " + lp::DTypeName(t.dtype()));
    }
    std::span<float> values = t.span<float>();
    for (size_t i = 0; i < values.size(); ++i) {
      values[i] = static_cast<float>(values[i] * factor + static_cast<double>(i));
    }
    return t;
  }
  // (dtype name, shape, sum of the elements as double) of a float32 or int64 tensor.
  std::tuple<lp::Unicode, std::vector<int64_t>, double> TensorInfo(const lp::Tensor& t) const {
    double sum = 0;
    if (t.dtype() == lp::DType::kFloat) {
      for (float v : t.span<float>()) sum += v;
    } else if (t.dtype() == lp::DType::kInt64) {
      for (int64_t v : t.span<int64_t>()) sum += static_cast<double>(v);
    }
    return {lp::DTypeName(t.dtype()), t.shape(), sum};
  }
  // The tensor as it came, whatever its dtype, with the dtype's name as C++ sees it.
  std::tuple<lp::Unicode, lp::Tensor> EchoTensor(lp::Tensor t) const {
    return {lp::DTypeName(t.dtype()), std::move(t)};
  }
  lp::Tensor MakeTensor(int64_t rows, int64_t cols) const {
    lp::Tensor t(lp::DType::kFloat, {rows, cols});
    std::span<float> values = t.span<float>();
    for (size_t i = 0; i < values.size(); ++i) values[i] = static_cast<float>(i) * 0.5f;
    return t;
  }
  Point MovePoint(Point p, int64_t dx) const {
    p.x += dx;
    p.label.text += " moved";
    return p;
  }
  using Nested = std::map<lp::Unicode, std::vector<std::optional<std::tuple<int64_t, double>>>>;
  Nested NestedEcho(Nested n) const { return n; }
  lp::Unicode Fail(const lp::Unicode& message) const {
    throw std::runtime_error("failing on purpose: " + message.text);
  }
  // Returns `ms` after that many milliseconds (sooner if the program stops): a call that
  // is in flight for a while.
  int64_t SleepMs(int64_t ms) const {
    lp::WaitForStop(absl::Milliseconds(ms));
    return ms;
  }
  // Returns true once `n` calls are inside it at the same time, false if they are not
  // within 60 s (or the program stops first): the proof that a client's calls run
  // concurrently, without timing them.
  bool Rendezvous(int64_t n) const {
    std::unique_lock lock(rendezvous_->mu);
    const int64_t round = rendezvous_->round;
    if (++rendezvous_->arrived == n) {
      rendezvous_->arrived = 0;
      ++rendezvous_->round;
      rendezvous_->all_arrived.notify_all();
      return true;
    }
    const bool met = rendezvous_->all_arrived.wait_for(
        lock, lp::StopToken(), std::chrono::seconds(60),
        [&] { return rendezvous_->round != round; });
    if (!met && rendezvous_->round == round) --rendezvous_->arrived;  // gave up: leave
    return met;
  }
  void Shutdown() const { lp::Stop(); }

 private:
  struct RendezvousState {
    std::mutex mu;
    std::condition_variable_any all_arrived;
    int64_t arrived = 0;  // guarded by mu: calls waiting in the current round
    int64_t round = 0;    // guarded by mu: rounds completed
  };
  std::shared_ptr<RendezvousState> rendezvous_ = std::make_shared<RendezvousState>();
};
LP_COURIER_METHODS(CrossLanguage, AddInts, EchoInt, EchoUInt64, NegateInt8, Half, EchoFloat, Not,
                   EchoBytes, Greet, ByteLength, SumList, ReverseList, Swap, Invert, MaybeDouble,
                   ScaleTensor, TensorInfo, EchoTensor, MakeTensor, MovePoint, NestedEcho, Fail,
                   SleepMs, Rendezvous, Shutdown);

void Announce(const lp::CourierClient<CrossLanguage>& server) {
  // The address first, then the line in one write: Address() may wait for the server's
  // registration, and meanwhile the launcher prints its status line, which then landed in
  // the middle of ours ("listening on lp: status of program ..."), and the tests reading
  // the address took "lp:" for it.
  const std::string address = server.Address();
  std::cout << "courier_test_server listening on " + address + "\n" << std::flush;
  lp::WaitForStop();
}

}  // namespace lp_test

int main(int argc, char** argv) {
  lp::ParseFlags(argc, argv);
  lp::Program program("courier_test_server");
  auto server = program.AddNode(lp::CourierNode<lp_test::CrossLanguage>(), "server");
  program.AddNode(lp::FunctionNode(lp_test::Announce, server), "announcer");
  return lp::LaunchAndWait(std::move(program));
}
