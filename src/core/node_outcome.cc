#include "lp/internal/node_outcome.h"

#include "lp/rpc_error.h"

namespace lp::internal {
namespace {

std::string MessageOf(const std::exception& error) {
  std::string message = error.what();
  if (message.empty()) message = "an exception with an empty message";
  return message;
}

}  // namespace

std::string NodeOutcome::Describe() const {
  switch (kind) {
    case Kind::kReturned:
      return "it returned";
    case Kind::kStopped:
      return "it stopped with the program";
    case Kind::kCallFailed:
      return "a call it made failed: " + message;
    case Kind::kFailed:
      return "it failed: " + message;
  }
  return message;
}

NodeOutcome NodeOutcome::FromCurrentException() {
  try {
    throw;
  } catch (const InnerNodeError& error) {
    return {error.kind(), MessageOf(error)};
  } catch (const ProgramStoppedError& error) {
    return {Kind::kStopped, MessageOf(error)};
  } catch (const RpcError& error) {
    const bool consequence = error.code() == absl::StatusCode::kCancelled ||
                             error.code() == absl::StatusCode::kUnavailable;
    return {consequence ? Kind::kCallFailed : Kind::kFailed, MessageOf(error)};
  } catch (const std::exception& error) {
    return {Kind::kFailed, MessageOf(error)};
  } catch (...) {
    return {Kind::kFailed, "an exception that is not a std::exception"};
  }
}

}  // namespace lp::internal
