// Every way a typed Courier call can fail reaches the caller as an lp::RpcError with the
// right code and a message that says what went wrong, and the server keeps serving:
// unknown and unlisted methods, wrong argument counts and types, exceptions, deadlines,
// a server that is not up yet, and corrupted request bytes.

#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>

#include <map>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lp/internal/runtime.h"
#include "lp/lp.h"
#include "lp/serialized_object.h"

namespace lp {
namespace {

using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

const LaunchOptions kTestMt{.launch_type = LaunchType::kTestMt};
// Bounds for waits that succeed at once on a healthy machine: only a hang hits them.
constexpr absl::Duration kLong = absl::Seconds(60);

// Events the test and the server share.
struct Gate {
  Event constructing;         // the server's constructor has started
  Event release_constructor;  // lets the constructor return
  Event slow_entered;         // Slow() has started
  Event release_slow;         // lets Slow() return
};

// Notifies the events that hold the server back when the test ends, however it ends, so
// that stopping the program never waits for a blocked handler. Declare it after the
// program so that it runs first.
struct ReleaseOnExit {
  Gate& gate;
  ~ReleaseOnExit() {
    gate.release_constructor.Notify();
    gate.release_slow.Notify();
  }
};

struct Point {
  int x = 0;
  int y = 0;
};
LP_SERIALIZABLE(Point, x, y);

class Faulty {
 public:
  explicit Faulty(Gate* gate, bool block_constructor = false) : gate_(gate) {
    gate_->constructing.Notify();
    if (block_constructor) gate_->release_constructor.WaitFor(absl::Minutes(5));
  }

  int Double(int x) const { return 2 * x; }
  int Add(int a, int b) const { return a + b; }
  int SumX(const std::vector<Point>& points) const {
    int sum = 0;
    for (const Point& p : points) sum += p.x;
    return sum;
  }
  int64_t Elements(const Tensor& t) const { return t.NumElements(); }
  int Explode(const std::string& why) { throw std::runtime_error(why); }
  void ThrowInt() { throw 42; }
  void Slow() {
    gate_->slow_entered.Notify();
    gate_->release_slow.WaitFor(absl::Minutes(5));
  }
  int NotListed(int x) { return x; }

 private:
  Gate* gate_;
};
LP_COURIER_METHODS(Faulty, Double, Add, SumX, Elements, Explode, ThrowInt, Slow);

struct Served {
  Controller controller;
  CourierClient<Faulty> client;
};

Served Serve(Gate& gate, bool block_constructor = false) {
  Program program("courier_errors_test");
  auto handle = program.AddNode(CourierNode<Faulty>(&gate, block_constructor), "server");
  Controller controller = Launch(std::move(program), kTestMt);
  return {std::move(controller), handle.Dereference()};
}

// Runs `call` and returns the RpcError it throws (fails the test if it throws nothing).
template <typename F>
RpcError ErrorOf(F&& call) {
  try {
    call();
  } catch (const RpcError& e) {
    return e;
  }
  ADD_FAILURE() << "the call did not fail";
  return RpcError(absl::OkStatus());
}

TEST(CourierErrorsTest, UnknownMethodIsNotFoundListingTheMethods) {
  Gate gate;
  Served s = Serve(gate);
  ReleaseOnExit release{gate};
  RpcError e = ErrorOf([&] { s.client.Call<int>("Tripple", 1); });
  EXPECT_EQ(e.code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(e.method(), "Tripple");
  EXPECT_THAT(std::string(e.message()),
              AllOf(HasSubstr("'Tripple'"),
                    HasSubstr("Add, Double, Elements, Explode, Slow, SumX, ThrowInt")));
  EXPECT_THAT(e.what(), HasSubstr("NOT_FOUND"));

  Future<int> f = s.client.Async<int>("Tripple", 1);
  EXPECT_EQ(ErrorOf([&] { f.Get(); }).code(), absl::StatusCode::kNotFound);

  EXPECT_THAT(s.client.ListMethods(),
              ElementsAre("Add", "Double", "Elements", "Explode", "Slow", "SumX", "ThrowInt"));
  EXPECT_EQ(s.client.Call(&Faulty::Double, 4), 8);
}

TEST(CourierErrorsTest, MethodNotListedInTheMacroIsNotFound) {
  Gate gate;
  Served s = Serve(gate);
  ReleaseOnExit release{gate};
  RpcError e = ErrorOf([&] { s.client.Call(&Faulty::NotListed, 1); });
  EXPECT_EQ(e.code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(std::string(e.message()), AllOf(HasSubstr("Faulty"), HasSubstr("LP_COURIER_METHODS")));
  EXPECT_EQ(ErrorOf([&] { s.client.Async(&Faulty::NotListed, 1).Get(); }).code(),
            absl::StatusCode::kNotFound);
  // And by name: the server does not know it either.
  EXPECT_EQ(ErrorOf([&] { s.client.Call<int>("NotListed", 1); }).code(),
            absl::StatusCode::kNotFound);
}

TEST(CourierErrorsTest, WrongArgumentCountIsInvalidArgument) {
  Gate gate;
  Served s = Serve(gate);
  ReleaseOnExit release{gate};
  RpcError too_many = ErrorOf([&] { s.client.Call<int>("Double", 1, 2); });
  EXPECT_EQ(too_many.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(too_many.message()),
              AllOf(HasSubstr("'Double'"), HasSubstr("takes 1 argument(s), got 2")));
  RpcError none = ErrorOf([&] { s.client.Call<int>("Add"); });
  EXPECT_EQ(none.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(none.message()), HasSubstr("takes 2 argument(s), got 0"));
  EXPECT_EQ(s.client.Call(&Faulty::Add, 2, 3), 5);
}

TEST(CourierErrorsTest, WrongArgumentTypeNamesTheArgument) {
  Gate gate;
  Served s = Serve(gate);
  ReleaseOnExit release{gate};
  RpcError first = ErrorOf([&] { s.client.Call<int>("Double", "text"); });
  EXPECT_EQ(first.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(first.message()),
              AllOf(HasSubstr("'Double'"), HasSubstr("arg 1"), HasSubstr("expected int"),
                    HasSubstr("string")));

  RpcError second = ErrorOf([&] { s.client.Call<int>("Add", 1, 2.5); });
  EXPECT_EQ(second.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(second.message()), HasSubstr("arg 2"));

  // Deep inside: the path goes down to the element and the field.
  RpcError deep = ErrorOf([&] {
    s.client.Call<int>("SumX", std::vector<std::map<std::string, std::string>>{
                                   {{"x", "1"}, {"y", "2"}}});
  });
  EXPECT_EQ(deep.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(deep.message()), AllOf(HasSubstr("arg 1"), HasSubstr("[0]")));

  // Bool is never an int.
  EXPECT_EQ(ErrorOf([&] { s.client.Call<int>("Double", true); }).code(),
            absl::StatusCode::kInvalidArgument);
  // Out of range for the parameter.
  RpcError range = ErrorOf([&] { s.client.Call<int>("Double", int64_t{1} << 40); });
  EXPECT_EQ(range.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(range.message()), HasSubstr("arg 1"));

  EXPECT_EQ(s.client.Call(&Faulty::SumX, std::vector<Point>{{1, 0}, {2, 0}}), 3);
}

TEST(CourierErrorsTest, WrongResultTypeIsInvalidArgumentOnTheClient) {
  Gate gate;
  Served s = Serve(gate);
  ReleaseOnExit release{gate};
  RpcError e = ErrorOf([&] { s.client.Call<std::string>("Double", 2); });
  EXPECT_EQ(e.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(e.message()), HasSubstr("result"));
  EXPECT_EQ(ErrorOf([&] { s.client.Async<std::vector<int>>("Double", 2).Get(); }).code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(CourierErrorsTest, ExceptionCarriesMethodAndMessageAndServerKeepsServing) {
  Gate gate;
  Served s = Serve(gate);
  ReleaseOnExit release{gate};
  RpcError e = ErrorOf([&] { s.client.Call(&Faulty::Explode, "the flux capacitor melted"); });
  EXPECT_EQ(e.code(), absl::StatusCode::kUnknown);
  EXPECT_EQ(e.method(), "Explode");
  EXPECT_THAT(std::string(e.message()),
              AllOf(HasSubstr("'Explode'"), HasSubstr("the flux capacitor melted")));
  EXPECT_THAT(e.what(), AllOf(HasSubstr("Explode"), HasSubstr("the flux capacitor melted")));
  EXPECT_EQ(s.client.Call(&Faulty::Double, 21), 42);

  Future<int> f = s.client.Async(&Faulty::Explode, "again");
  RpcError async = ErrorOf([&] { f.Get(); });
  EXPECT_EQ(async.method(), "Explode");
  EXPECT_THAT(std::string(async.message()), HasSubstr("again"));

  RpcError not_std = ErrorOf([&] { s.client.Call(&Faulty::ThrowInt); });
  EXPECT_EQ(not_std.code(), absl::StatusCode::kUnknown);
  EXPECT_THAT(std::string(not_std.message()), HasSubstr("'ThrowInt'"));
  EXPECT_EQ(s.client.Call(&Faulty::Double, 1), 2);
}

TEST(CourierErrorsTest, TimeoutOnASlowMethodIsDeadlineExceeded) {
  Gate gate;
  Served s = Serve(gate);
  ReleaseOnExit release{gate};
  EXPECT_EQ(s.client.Call(&Faulty::Double, 1), 2);  // up and connected
  const absl::Time start = absl::Now();
  RpcError e = ErrorOf([&] { s.client.WithTimeout(absl::Milliseconds(300)).Call(&Faulty::Slow); });
  EXPECT_EQ(e.code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_EQ(e.method(), "Slow");
  EXPECT_GE(absl::Now() - start, absl::Milliseconds(290));
  EXPECT_FALSE(gate.release_slow.HasBeenNotified());  // it failed by its deadline alone

  // The same through a future; WithDeadline too.
  Future<void> f = s.client.WithDeadline(absl::Now() + absl::Milliseconds(200)).Async(&Faulty::Slow);
  EXPECT_EQ(ErrorOf([&] { f.Get(); }).code(), absl::StatusCode::kDeadlineExceeded);

  gate.release_slow.Notify();
  EXPECT_EQ(s.client.Call(&Faulty::Double, 5), 10);
}

TEST(CourierErrorsTest, FutureReadinessFollowsTheCall) {
  Gate gate;
  Served s = Serve(gate);
  ReleaseOnExit release{gate};
  EXPECT_EQ(s.client.Call(&Faulty::Double, 1), 2);
  Future<void> f = s.client.Async(&Faulty::Slow);
  ASSERT_TRUE(gate.slow_entered.WaitFor(kLong));
  // Slow() cannot return before it is released: not ready, whatever the timing.
  EXPECT_FALSE(f.IsReady());
  EXPECT_FALSE(f.WaitFor(absl::Milliseconds(100)));
  gate.release_slow.Notify();
  EXPECT_TRUE(f.WaitFor(kLong));
  EXPECT_TRUE(f.IsReady());
  EXPECT_TRUE(f.valid());
  f.Get();
  EXPECT_FALSE(f.valid());
}

TEST(CourierErrorsTest, CallBeforeTheServerIsUpWaitsForIt) {
  Gate gate;
  Served s = Serve(gate, /*block_constructor=*/true);
  ReleaseOnExit release{gate};
  ASSERT_TRUE(gate.constructing.WaitFor(kLong));

  Event done;
  int result = 0;
  std::string error;
  std::thread caller([&] {
    try {
      result = s.client.WithTimeout(absl::Minutes(2)).Call(&Faulty::Double, 21);
    } catch (const std::exception& e) {
      error = e.what();
    }
    done.Notify();
  });
  // The server cannot be up while its constructor is blocked, so the call is waiting.
  EXPECT_FALSE(done.WaitFor(absl::Milliseconds(300)));

  // Meanwhile a call with a short deadline gives up in time.
  const absl::Time start = absl::Now();
  RpcError e = ErrorOf([&] { s.client.WithTimeout(absl::Milliseconds(200)).Call(&Faulty::Double, 1); });
  EXPECT_EQ(e.code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_LT(absl::Now() - start, absl::Seconds(30));
  Future<int> f = s.client.WithTimeout(absl::Milliseconds(200)).Async(&Faulty::Double, 1);
  EXPECT_EQ(ErrorOf([&] { f.Get(); }).code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_FALSE(done.HasBeenNotified());

  gate.release_constructor.Notify();
  EXPECT_TRUE(done.WaitFor(kLong));
  caller.join();
  EXPECT_EQ(error, "");
  EXPECT_EQ(result, 42);
  EXPECT_EQ(s.client.Call(&Faulty::Double, 2), 4);
}

// Sends `bytes` as the request of `method` through gRPC's generic stub.
grpc::Status SendRaw(grpc::GenericStub& stub, const std::string& method, const std::string& bytes,
                     std::string* reply = nullptr) {
  grpc::Slice slice(bytes);
  grpc::ByteBuffer request(&slice, 1);
  grpc::ByteBuffer response;
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + kLong));
  // A raw client is outside the program: it must be given the launch's secret.
  context.AddMetadata("lp-secret", internal::CurrentRuntime()->courier_secret);
  Event done;
  grpc::Status result;
  stub.UnaryCall(&context, method, grpc::StubOptions(), &request, &response,
                 [&](grpc::Status status) {
                   result = std::move(status);
                   done.Notify();
                 });
  done.Wait();
  if (reply != nullptr && result.ok()) {
    std::vector<grpc::Slice> slices;
    (void)response.Dump(&slices);
    reply->clear();
    for (const grpc::Slice& s : slices) reply->append(reinterpret_cast<const char*>(s.begin()), s.size());
  }
  return result;
}

TEST(CourierErrorsTest, CorruptedBytesFailAndTheServerKeepsServing) {
  Gate gate;
  Served s = Serve(gate);
  ReleaseOnExit release{gate};
  const std::string address = s.client.Address();
  grpc::GenericStub stub(grpc::CreateChannel(address, grpc::InsecureChannelCredentials()));
  const std::string kCall = "/courier.CourierService/Call";

  // A well-formed request through the same path works: the bytes below are what fails.
  courier::CallRequest request;
  request.set_method("Double");
  request.mutable_arguments()->add_args()->set_int_value(21);
  const std::string good = request.SerializeAsString();
  std::string reply;
  ASSERT_TRUE(SendRaw(stub, kCall, good, &reply).ok());
  courier::CallResponse response;
  ASSERT_TRUE(response.ParseFromString(reply));
  EXPECT_EQ(response.result().result().int_value(), 42);

  std::vector<std::string> corrupted = {
      std::string("\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01", 11),  // invalid tag/varint
      good.substr(0, good.size() - 1),                                   // truncated
      std::string("\x12\x7f", 2) + "short",  // arguments claim 127 bytes, 5 follow
      std::string("\x0a\x02\xc3\x28", 4),    // method name is not UTF-8
  };
  for (const std::string& bytes : corrupted) {
    grpc::Status status = SendRaw(stub, kCall, bytes);
    EXPECT_FALSE(status.ok()) << "bytes of size " << bytes.size() << " were accepted";
    EXPECT_EQ(s.client.Call(&Faulty::Double, 3), 6);
  }

  // Well-formed protobuf, nonsense inside: a tensor whose bytes do not fit its shape.
  courier::CallRequest bad_tensor;
  bad_tensor.set_method("Elements");
  tensorflow::TensorProto* t = bad_tensor.mutable_arguments()->add_args()->mutable_tensor_value();
  t->set_dtype(tensorflow::DT_FLOAT);
  t->mutable_tensor_shape()->add_dim()->set_size(4);
  t->set_tensor_content("123");
  grpc::Status status = SendRaw(stub, kCall, bad_tensor.SerializeAsString());
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), HasSubstr("arg 1"));

  // Unknown gRPC methods, of the service and of none: refused with a message that names
  // the method and what the server serves (answered by lp, not gRPC: UnknownMethodCall).
  for (const char* unknown : {"/courier.CourierService/Nope", "/other.Service/Method"}) {
    const grpc::Status refused = SendRaw(stub, unknown, good);
    EXPECT_EQ(refused.error_code(), grpc::StatusCode::UNIMPLEMENTED) << unknown;
    EXPECT_THAT(refused.error_message(), HasSubstr(std::string("no gRPC method '") + unknown));
    EXPECT_THAT(refused.error_message(), HasSubstr("/courier.CourierService/Call"));
  }

  EXPECT_EQ(s.client.Call(&Faulty::Elements, Tensor(DType::kFloat, {2, 3})), 6);
  EXPECT_EQ(s.client.Call(&Faulty::Double, 50), 100);
}

}  // namespace
}  // namespace lp
