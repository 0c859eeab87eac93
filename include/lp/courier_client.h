#ifndef LP_COURIER_CLIENT_H_
#define LP_COURIER_CLIENT_H_

#include <memory>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "lp/courier_methods.h"
#include "lp/future.h"
#include "lp/rpc_error.h"
#include "lp/courier_channel.h"
#include "lp/internal/outgoing_call.h"
#include "lp/serialize.h"

namespace lp {

// A typed client of a CourierNode<T>: what a CourierHandle<T> becomes inside a node.
//
//   int doubled = producer.Call(&Producer::Work, 21);             // blocking
//   lp::Future<int> f = producer.Async(&Producer::Work, 21);      // f.Get() later
//   auto sum = producer.Call<double>("Sum", std::vector{1.0, 2.0});  // by name
//   producer.WithTimeout(absl::Seconds(2)).Call(&Producer::Work, 1);
//
// Arguments and the result are checked against the method's signature at compile time.
// A call made before the server is up waits for it (bounded by the timeout, none by
// default). Failures throw lp::RpcError (from Call, or from Future::Get) carrying the
// status code and the server's message. When the program stops, calls in flight and later
// calls throw lp::ProgramStoppedError; calls to a node that ended while the program goes
// on fail fast with UNAVAILABLE (docs/courier.md, "Calls and the program's stop").
//
// Thread safety: a client is immutable; copies share one connection; any number of
// threads may call through one client at once.
template <typename T>
class CourierClient {
 public:
  CourierClient(std::shared_ptr<CourierChannel> channel, std::string target_name)
      : channel_(std::move(channel)), target_name_(std::move(target_name)) {}

  // Calls `method` and blocks for its result.
  template <typename M, typename... A>
    requires std::is_member_function_pointer_v<M>
  typename internal::MethodTraits<M>::Return Call(M method, A&&... args) const {
    CheckSignature<M, A...>();
    const char* name = NameOf(method);
    return CallAndDecode<typename internal::MethodTraits<M>::Return>(
        name, EncodeArguments<M>(std::forward<A>(args)...));
  }

  // Starts a call of `method` and returns a future of its result at once.
  template <typename M, typename... A>
    requires std::is_member_function_pointer_v<M>
  Future<typename internal::MethodTraits<M>::Return> Async(M method, A&&... args) const {
    CheckSignature<M, A...>();
    return StartAsync<typename internal::MethodTraits<M>::Return>(
        NameOf(method), EncodeArguments<M>(std::forward<A>(args)...));
  }

  // Calls a method by name, for when the method is known only at run time (or served by a
  // program in another language). R is the expected result type; arguments are sent as
  // their own types.
  template <typename R, typename... A>
  R Call(std::string_view method, A&&... args) const {
    return CallAndDecode<R>(method, EncodeEach(std::forward<A>(args)...));
  }
  template <typename R, typename... A>
  Future<R> Async(std::string_view method, A&&... args) const {
    return StartAsync<R>(std::string(method), EncodeEach(std::forward<A>(args)...));
  }

  // The methods the server exposes, sorted.
  std::vector<std::string> ListMethods() const {
    absl::StatusOr<std::vector<std::string>> methods = channel_->ListMethods(options_);
    if (!methods.ok()) ThrowRpcError(methods.status(), "ListMethods");
    return *std::move(methods);
  }

  // A client whose calls fail with DEADLINE_EXCEEDED after `timeout` (waiting for the
  // server to come up included).
  CourierClient WithTimeout(absl::Duration timeout) const {
    CourierClient copy = *this;
    copy.options_ = CallOptions::WithTimeout(timeout);
    return copy;
  }
  CourierClient WithDeadline(absl::Time deadline) const {
    CourierClient copy = *this;
    copy.options_ = CallOptions::WithDeadline(deadline);
    return copy;
  }

  // Where the server listens ("127.0.0.1:40123"), waiting until it is known.
  std::string Address() const {
    absl::StatusOr<std::string> target = channel_->Target(options_.EffectiveDeadline());
    if (!target.ok()) ThrowRpcError(target.status());
    return *std::move(target);
  }

  // The node this client talks to ("producer/3"), for messages.
  const std::string& target_name() const { return target_name_; }

 private:
  template <typename M, typename... A>
  static constexpr void CheckSignature() {
    using Traits = internal::MethodTraits<M>;
    static_assert(std::is_base_of_v<typename Traits::Class, T>,
                  "CourierClient<T>::Call: the method belongs to another class than T");
    static_assert(sizeof...(A) == Traits::kArity,
                  "CourierClient<T>::Call: wrong number of arguments for this method");
    static_assert(internal::ArgumentsConvertTo<M, A...>(),
                  "CourierClient<T>::Call: the arguments do not convert to the method's "
                  "parameter types");
  }

  template <typename M>
  const char* NameOf(M method) const {
    const char* name = internal::CourierMethodName<T>(method);
    if (name == nullptr) {
      throw RpcError(absl::NotFoundError(absl::StrCat(
                         "this method of ", internal::CourierMethodsOf<T>().class_name,
                         " is not listed in its LP_COURIER_METHODS(...) declaration")),
                     "");
    }
    return name;
  }

  // Encodes each argument as the method's parameter type, so that what is sent is what
  // the server decodes (an int literal for an int64_t parameter, a const char* for a
  // std::string, ...). Rvalues are moved into the message without copying their buffers.
  template <typename M, typename... A>
  static internal::OutgoingArguments EncodeArguments(A&&... args) {
    using Traits = internal::MethodTraits<M>;
    internal::OutgoingArguments call;
    [&]<std::size_t... I>(std::index_sequence<I...>) {
      (EncodeAs<typename Traits::template Param<I>>(std::forward<A>(args), call.Add()), ...);
    }(std::make_index_sequence<sizeof...(A)>());
    return call;
  }

  template <typename P, typename A>
  static void EncodeAs(A&& arg, courier::SerializedObject* out) {
    if constexpr (std::is_same_v<std::remove_cvref_t<A>, P>) {
      Encode(std::forward<A>(arg), out);
    } else {
      Encode(P(std::forward<A>(arg)), out);
    }
  }

  template <typename... A>
  static internal::OutgoingArguments EncodeEach(A&&... args) {
    internal::OutgoingArguments call;
    (Encode(std::forward<A>(args), call.Add()), ...);
    return call;
  }

  // Calls and blocks: the typed result, or a thrown RpcError.
  template <typename R>
  R CallAndDecode(std::string_view method, internal::OutgoingArguments call) const {
    if constexpr (std::is_void_v<R>) {
      absl::Status status = internal::CallAndWait(
          *channel_, method, std::move(call), options_,
          [](courier::SerializedObject*) { return absl::OkStatus(); });
      if (!status.ok()) ThrowRpcError(status, std::string(method));
    } else {
      R result{};
      absl::Status status = internal::CallAndWait(
          *channel_, method, std::move(call), options_,
          [&result](courier::SerializedObject* reply) { return Decode(reply, &result, "result"); });
      if (!status.ok()) ThrowRpcError(status, std::string(method));
      return result;
    }
  }

  template <typename R>
  Future<R> StartAsync(std::string method, internal::OutgoingArguments call) const {
    auto promise = std::make_shared<Promise<R>>(method);
    Future<R> future = promise->GetFuture();
    promise->SetWaitDriver(internal::StartCall(
        *channel_, method, std::move(call), options_,
        [promise](absl::Status status, courier::SerializedObject* reply) mutable {
          if constexpr (std::is_void_v<R>) {
            promise->Set(status);
          } else if (!status.ok()) {
            promise->Set(status);
          } else {
            promise->Set(DecodeAs<R>(reply, "result"));
          }
        }));
    return future;
  }

  std::shared_ptr<CourierChannel> channel_;
  std::string target_name_;
  CallOptions options_;
};

}  // namespace lp

#endif  // LP_COURIER_CLIENT_H_
