#include "src/courier/rpc/method_registry.h"

#include <algorithm>
#include <exception>
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

absl::Status Prefixed(const std::string& method, const absl::Status& status) {
  return absl::Status(status.code(),
                      absl::StrCat("Courier method '", method, "': ", status.message()));
}

}  // namespace

absl::Status MethodRegistry::Add(std::string name, CourierHandler handler) {
  if (name.empty()) return absl::InvalidArgumentError("Courier method name is empty");
  if (!handler) {
    return absl::InvalidArgumentError(
        absl::StrCat("Courier method '", name, "' has an empty handler"));
  }
  if (handlers_.contains(name)) {
    return absl::AlreadyExistsError(
        absl::StrCat("Courier method '", name, "' is already registered"));
  }
  handlers_.emplace(std::move(name), std::move(handler));
  return absl::OkStatus();
}

absl::StatusOr<courier::SerializedObject> MethodRegistry::Dispatch(
    const std::string& method, courier::CallArguments& args) const {
  auto it = handlers_.find(method);
  if (it == handlers_.end()) return UnknownMethod(method, Names());
  if (args.kwargs_size() != 0) return KeywordArguments(method, args);

  courier::SerializedObject result;
  absl::Status status;
  // Exceptions stop here: everything past this point speaks absl::Status.
  try {
    status = it->second(args, &result);
  } catch (const std::exception& e) {
    return absl::UnknownError(
        absl::StrCat("Courier method '", method, "' threw an exception: ", e.what()));
  } catch (...) {
    return absl::UnknownError(absl::StrCat(
        "Courier method '", method, "' threw an exception not derived from std::exception"));
  }
  if (!status.ok()) return Prefixed(method, status);
  return result;
}

std::vector<std::string> MethodRegistry::Names() const {
  std::vector<std::string> names;
  names.reserve(handlers_.size());
  for (const auto& [name, handler] : handlers_) names.push_back(name);
  std::sort(names.begin(), names.end());
  return names;
}

}  // namespace lp::rpc
