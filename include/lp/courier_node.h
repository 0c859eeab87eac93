#ifndef LP_COURIER_NODE_H_
#define LP_COURIER_NODE_H_

#include <map>
#include <set>
#include <memory>
#include <stdexcept>
#include <string>
#include <typeinfo>
#include <utility>

#include "lp/batch.h"
#include "lp/class_node.h"
#include "lp/courier_client.h"
#include "lp/courier_methods.h"
#include "lp/errors.h"
#include "lp/handle.h"
#include "lp/internal/courier_dispatch.h"
#include "lp/courier_server_options.h"

namespace lp {

namespace internal {

// A channel to the Courier server of `node` in the launched program of `runtime`: it
// resolves the address through the program's address book (waiting until the server is
// up), sends the launch's secret over the launch's transport, with `limits`, and its
// calls end when the program stops.
std::shared_ptr<CourierChannel> ChannelToCourierNode(std::shared_ptr<Runtime> runtime,
                                                     const NodeId& node,
                                                     const CourierMessageLimits& limits);

}  // namespace internal

// The handle of a CourierNode<T>. In another node's arguments it becomes a
// CourierClient<T> that finds the server through the launched program (its address is
// resolved on the first call, waiting until the server is up).
template <typename T>
class CourierHandle : public HandleBase {
 public:
  using HandleBase::HandleBase;
  using ClientType = CourierClient<T>;
  // Its node answers Courier calls by name: a PythonNode may take it (lp/python_node.h).
  static constexpr bool kServesCourier = true;

  // The same node, for clients that send and accept messages up to `limits` (the default:
  // anything protobuf can encode). Give it to the nodes whose calls to this one should be
  // bounded, e.g. actors that must never receive a reply over 64 MiB:
  //   CourierNode<Actor>(learner.WithMessageLimits({.max_receive_message_bytes = 64 << 20}))
  CourierHandle WithMessageLimits(CourierMessageLimits limits) const {
    CourierHandle copy = *this;
    copy.limits_ = limits;
    return copy;
  }
  const CourierMessageLimits& message_limits() const { return limits_; }

  ClientType Dereference() const {
    return ClientType(internal::ChannelToCourierNode(RuntimeOrThrow(), node(), limits_),
                      node().ToString());
  }

 private:
  CourierMessageLimits limits_;
};

namespace internal {

// Runs a CourierNode's server around `run`: gives it the launch's secret (required unless
// its options say require_secret = false), starts it on the runtime's host (port 0),
// publishes the bound address, calls `run` — which returns false when the node has no
// Run() to call — and, in that case, serves until the program stops. Throws on failure.
void ServeCourierNode(const Runtime& runtime, const NodeContext& context,
                      CourierServer& server, const std::function<bool()>& run);

template <typename T>
class CourierNodeImpl : public ClassNodeImpl<T> {
 public:
  using ClassNodeImpl<T>::ClassNodeImpl;

  std::string TypeName() const override {
    return "CourierNode<" + DemangledTypeName(typeid(T).name()) + ">";
  }

  std::vector<std::string> CourierMethodNames() const override {
    std::vector<std::string> names;
    std::apply([&](const auto&... entry) { (names.emplace_back(entry.name), ...); },
               CourierMethodsOf<T>().entries);
    return names;
  }

  void Run(const Runtime& runtime, const NodeContext& context) override {
    std::unique_ptr<T> object = this->factory_.make();
    CourierServer server(server_options_);
    const CourierBatching batching{batching_, server_options_.max_concurrent_handlers};
    if (absl::Status status =
            RegisterCourierMethods(object.get(), server, batching, inline_methods_);
        !status.ok()) {
      throw std::runtime_error(std::string(status.message()));
    }
    ServeCourierNode(runtime, context, server, [&] {
      if constexpr (HasRunMethod<T>) {
        if (this->run_enabled()) {
          object->Run();
          return true;
        }
      }
      return false;
    });
  }

  void set_server_options(CourierServerOptions options) { server_options_ = options; }
  void set_batching(const std::string& method, BatchingOptions options) {
    batching_[method] = options;
  }
  void set_inline(const std::string& method) { inline_methods_.insert(method); }

 private:
  CourierServerOptions server_options_;
  std::map<std::string, BatchingOptions> batching_;  // by method name
  std::set<std::string> inline_methods_;
};

}  // namespace internal

// A ClassNode<T> whose methods listed in LP_COURIER_METHODS(T, ...) are served over
// Courier RPC. The node constructs T (handles among the arguments arrive as clients),
// starts its server, then calls T::Run() if T has one and stops serving when it returns;
// without Run() (or with DisableRun()) it serves until the program stops.
template <typename T>
class CourierNode : public Node {
 public:
  static_assert(internal::HasCourierMethods<T>,
                "CourierNode<T>: declare the methods to serve with LP_COURIER_METHODS(T, ...) "
                "next to T");
  using HandleType = CourierHandle<T>;

  template <typename... Args>
    requires(!(sizeof...(Args) == 1 && (std::is_same_v<std::decay_t<Args>, CourierNode> && ...)))
  explicit CourierNode(Args&&... args)
      : Node(std::make_shared<internal::CourierNodeImpl<T>>(
            internal::MakeFactory<T>(std::forward<Args>(args)...))) {}

  // Replaces the constructor arguments given at creation. Use it before launch to close a
  // cycle: create both nodes (without arguments, even if T has no default constructor),
  // add them, then give each the other's handle.
  template <typename... Args>
  void Configure(Args&&... args) {
    courier_impl()->set_factory(internal::MakeFactory<T>(std::forward<Args>(args)...));
  }

  // Server settings: handler threads, maximum message size, health status, and whether
  // callers must carry the launch's secret (require_secret = false: a public node).
  void SetServerOptions(CourierServerOptions options) {
    courier_impl()->set_server_options(options);
  }

  // How the batched method `method` (one lp::Batch<...> parameter, see lp/batch.h) collects
  // its calls; without it, BatchingOptions{}. Throws lp::ProgramError for a method that is
  // not listed in LP_COURIER_METHODS, not batched, or for impossible options. Options that
  // cannot work with SetServerOptions' max_concurrent_handlers (a batch larger than the
  // calls the server takes on) fail the node when it starts.
  template <typename M>
    requires std::is_member_function_pointer_v<M>
  void SetBatching(M method, BatchingOptions options) {
    const std::string type_name = TypeName();
    const char* name = ListedName(method, "SetBatching");
    if constexpr (!internal::MethodTraits<M>::kBatched) {
      throw ProgramError(type_name + "::SetBatching: method '" + name +
                         "' is not batched; a batched method takes a single lp::Batch<...> "
                         "parameter and returns std::vector<R> or void (see lp/batch.h)");
    }
    if (absl::Status status = internal::CheckBatchingOptions(name, options); !status.ok()) {
      throw ProgramError(type_name + "::SetBatching: " + std::string(status.message()));
    }
    courier_impl()->set_batching(name, options);
  }

  // Serves `method` at once on the server thread that takes each call off gRPC's queue,
  // even when every handler thread is busy: outside the bound of handler_threads (see
  // CourierMethodOptions::run_inline). Only for methods that never block, e.g. a quick
  // read of the node's state under a short lock: such a call is answered while slow ones
  // hold every handler thread, and a wait in it is reported. Such a call also costs less:
  // the thread that takes it wakes no other to take over gRPC's queue while it runs
  // (docs/performance.md, "Inline calls keep the queue").
  // Throws lp::ProgramError for a method not listed in LP_COURIER_METHODS, or batched.
  template <typename M>
    requires std::is_member_function_pointer_v<M>
  void RunInline(M method) {
    const char* name = ListedName(method, "RunInline");
    if constexpr (internal::MethodTraits<M>::kBatched) {
      throw ProgramError(TypeName() + "::RunInline: method '" + name +
                         "' is batched; its calls are taken at once already and wait for "
                         "their batch");
    }
    courier_impl()->set_inline(name);
  }

  HandleType CreateHandle(std::shared_ptr<internal::NodeRecord> record) const {
    return HandleType(std::move(record));
  }

 private:
  static std::string TypeName() {
    return "CourierNode<" + internal::DemangledTypeName(typeid(T).name()) + ">";
  }

  // The name `method` is listed under in LP_COURIER_METHODS; throws lp::ProgramError
  // naming `setter` when it is not listed.
  template <typename M>
  static const char* ListedName(M method, const char* setter) {
    const char* name = internal::CourierMethodName<T>(method);
    if (name == nullptr) {
      throw ProgramError(TypeName() + "::" + setter + ": this method is not listed in the "
                         "LP_COURIER_METHODS(...) declaration of the class");
    }
    return name;
  }

  internal::CourierNodeImpl<T>* courier_impl() const {
    return static_cast<internal::CourierNodeImpl<T>*>(Node::impl().get());
  }
};

}  // namespace lp

#endif  // LP_COURIER_NODE_H_
