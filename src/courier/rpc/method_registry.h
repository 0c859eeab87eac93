// MethodRegistry: the server's table of named methods and the rules for calling them.
//
// Kept free of gRPC so that the error semantics (unknown method, keyword arguments,
// exceptions, status prefixes) are in one place and easy to read.
#ifndef LP_SRC_COURIER_RPC_METHOD_REGISTRY_H_
#define LP_SRC_COURIER_RPC_METHOD_REGISTRY_H_

#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "courier/courier.pb.h"
#include "lp/courier_server_options.h"
#include "lp/internal/courier_handler.h"

namespace lp::rpc {

// Thread safety: Add() is not thread-safe and must happen before any Dispatch() (the
// server only allows registration before Start, and Start happens-before every call).
// After that the registry is read-only and Dispatch()/Names() may run concurrently.
class MethodRegistry {
 public:
  // ALREADY_EXISTS if `name` is taken, INVALID_ARGUMENT if it is empty or the handler null.
  absl::Status Add(std::string name, CourierHandler handler, CourierMethodOptions options = {});
  // The same; INVALID_ARGUMENT also for options.run_inline: a deferred method ends its
  // calls on whatever thread completes them (a batch runs on the thread that fills it),
  // which must not be one of gRPC's.
  absl::Status Add(std::string name, DeferredCourierHandler handler,
                   CourierMethodOptions options = {});

  // Whether `method` is registered to run inline (CourierMethodOptions::run_inline).
  bool RunsInline(const std::string& method) const;
  // Whether any method does: when none does, a call need not be looked at before it is
  // handed to a handler thread.
  bool HasInlineMethods() const { return has_inline_methods_; }

  // Runs `method` on `args`, writing its result into `*result`, and tells `done` how it
  // ended: before Dispatch returns, unless the method is deferred and took the call.
  // Errors:
  //   NOT_FOUND         no such method; the message lists the available ones.
  //   INVALID_ARGUMENT  keyword arguments were sent (Python callers can do that); C++
  //                     methods take positional arguments only. The message names them.
  //   UNKNOWN           the handler threw; the message has the method and what().
  //   <handler's code>  the handler returned an error; its message is prefixed with
  //                     "Courier method '<name>': ".
  void Dispatch(const std::string& method, courier::CallArguments& args,
                courier::SerializedObject* result, CallDone done) const;

  // Registered method names, sorted.
  std::vector<std::string> Names() const;

 private:
  // Exactly one of the two handlers is set.
  struct Method {
    CourierHandler handler;
    DeferredCourierHandler deferred;
    bool run_inline = false;
  };

  absl::Status Add(std::string name, Method method);

  absl::flat_hash_map<std::string, Method> methods_;
  bool has_inline_methods_ = false;
};

}  // namespace lp::rpc

#endif  // LP_SRC_COURIER_RPC_METHOD_REGISTRY_H_
