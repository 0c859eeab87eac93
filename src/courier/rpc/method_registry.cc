#include "src/courier/rpc/method_registry.h"

#include <algorithm>
#include <exception>
#include <memory>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "src/courier/rpc/message_limits.h"

namespace lp::rpc {
namespace {

// Keyword names an error lists, at most (a caller may send any number).
constexpr size_t kMaxEchoedKeywords = 10;

absl::Status UnknownMethod(const std::string& method, const std::vector<std::string>& names) {
  return absl::NotFoundError(absl::StrCat(
      "No Courier method '", BoundedEcho(method), "' on this server; available methods: ",
      names.empty() ? std::string("(none)") : absl::StrJoin(names, ", ")));
}

absl::Status KeywordArguments(const std::string& method, const courier::CallArguments& args) {
  std::vector<std::string> keys;
  keys.reserve(args.kwargs_size());
  for (const auto& [key, value] : args.kwargs()) keys.push_back(key);
  std::sort(keys.begin(), keys.end());  // the proto map has no stable order
  const size_t shown = std::min(keys.size(), kMaxEchoedKeywords);
  std::string listed = absl::StrJoin(
      keys.begin(), keys.begin() + static_cast<std::ptrdiff_t>(shown), ", ",
      [](std::string* out, const std::string& key) { out->append(BoundedEcho(key)); });
  if (shown < keys.size()) absl::StrAppend(&listed, " and ", keys.size() - shown, " more");
  return absl::InvalidArgumentError(absl::StrCat(
      "Courier method '", method, "' was called with keyword arguments (", listed,
      "); keyword arguments are not supported by C++ Courier methods, pass them "
      "positionally"));
}

// `status` with the method named in its message; its payloads (e.g. the mark of
// ProgramStoppedStatus, which travels to the caller) kept.
absl::Status Prefixed(const std::string& method, const absl::Status& status) {
  absl::Status prefixed(status.code(),
                        absl::StrCat("Courier method '", method, "': ", status.message()));
  status.ForEachPayload([&prefixed](absl::string_view type_url, const absl::Cord& payload) {
    prefixed.SetPayload(type_url, payload);
  });
  return prefixed;
}

}  // namespace

absl::Status MethodRegistry::Add(std::string name, CourierHandler handler,
                                 CourierMethodOptions options) {
  const bool empty = !handler;
  return Add(std::move(name),
             empty ? Method{}
                   : Method{.handler = std::move(handler), .run_inline = options.run_inline});
}

absl::Status MethodRegistry::Add(std::string name, DeferredCourierHandler handler,
                                 CourierMethodOptions options) {
  const bool empty = !handler;
  return Add(std::move(name),
             empty ? Method{}
                   : Method{.deferred = std::move(handler), .run_inline = options.run_inline});
}

MethodRegistry::Arrival MethodRegistry::ArrivalOf(
    const std::string& method, absl::FunctionRef<std::size_t()> request_bytes) const {
  auto it = methods_.find(method);
  if (it == methods_.end()) return {};
  const Method& entry = it->second;
  if (!entry.run_inline) return {.hold = entry.hold.get()};
  if (!entry.deferred) return {.how = OnArrival::kRun};
  if (request_bytes() <= kDeferredOnArrivalMaxBytes) return {.how = OnArrival::kTake};
  return {.hold = entry.hold.get()};
}

absl::Status MethodRegistry::Add(std::string name, Method method) {
  if (name.empty()) return absl::InvalidArgumentError("Courier method name is empty");
  if (!method.handler && !method.deferred) {
    return absl::InvalidArgumentError(
        absl::StrCat("Courier method '", name, "' has an empty handler"));
  }
  if (methods_.contains(name)) {
    return absl::AlreadyExistsError(
        absl::StrCat("Courier method '", name, "' is already registered"));
  }
  methods_.emplace(std::move(name), std::move(method));
  return absl::OkStatus();
}

void MethodRegistry::Dispatch(const std::string& method, courier::CallArguments& args,
                              courier::SerializedObject* result, CallDone done) const {
  auto it = methods_.find(method);
  if (it == methods_.end()) return std::move(done)(UnknownMethod(method, Names()));
  if (args.kwargs_size() != 0) return std::move(done)(KeywordArguments(method, args));
  // The registry does not change while it serves: the key outlives the call.
  const std::string& name = it->first;
  const Method& entry = it->second;

  // A deferred handler that takes the call gets `done` (prefixing its errors) and ends the
  // call later; one that refuses it leaves `done` here.
  std::shared_ptr<CallDone> shared_done;
  CallDone taken;
  if (entry.deferred) {
    shared_done = std::make_shared<CallDone>(std::move(done));
    taken = [&name, shared_done](absl::Status status) {
      std::move (*shared_done)(status.ok() ? status : Prefixed(name, status));
    };
  }
  const auto tell = [&](absl::Status status) {
    std::move(shared_done != nullptr ? *shared_done : done)(std::move(status));
  };

  absl::Status status;
  // Exceptions stop here: everything past this point speaks absl::Status.
  try {
    status = entry.deferred ? entry.deferred(args, result, taken) : entry.handler(args, result);
  } catch (const std::exception& e) {
    return tell(absl::UnknownError(
        absl::StrCat("Courier method '", name, "' threw an exception: ", e.what())));
  } catch (...) {
    return tell(absl::UnknownError(absl::StrCat(
        "Courier method '", name, "' threw an exception not derived from std::exception")));
  }
  if (entry.deferred && status.ok()) return;  // taken
  tell(status.ok() ? status : Prefixed(name, status));
}

std::vector<std::string> MethodRegistry::Names() const {
  std::vector<std::string> names;
  names.reserve(methods_.size());
  for (const auto& [name, method] : methods_) names.push_back(name);
  std::sort(names.begin(), names.end());
  return names;
}

}  // namespace lp::rpc
