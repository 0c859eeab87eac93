// The public termination API: each call finds the calling thread's program.

#include <cstdio>

#include "lp/stop.h"
#include "src/core/current_runtime.h"
#include "src/core/stop_state.h"

namespace lp {

void Stop() {
  std::shared_ptr<internal::Runtime> runtime = internal::CurrentRuntime();
  if (runtime == nullptr) {
    std::fprintf(stderr, "lp::Stop(): no program has been launched in this process; ignored\n");
    return;
  }
  runtime->stop->RequestStop();
}

bool WaitForStop(absl::Duration timeout) {
  return internal::CurrentRuntimeOrThrow("lp::WaitForStop()")->stop->WaitFor(timeout);
}

std::stop_token StopToken() {
  return internal::CurrentRuntimeOrThrow("lp::StopToken()")->stop->token();
}

const Event& StopEvent() {
  // The runtime outlives the reference: it is kept as the latest runtime of the process
  // until another program is launched.
  return internal::CurrentRuntimeOrThrow("lp::StopEvent()")->stop->event();
}

StopHandlerId RegisterStopHandler(std::function<void()> handler) {
  return internal::CurrentRuntimeOrThrow("lp::RegisterStopHandler()")
      ->stop->Register(std::move(handler));
}

bool UnregisterStopHandler(StopHandlerId id) {
  return internal::CurrentRuntimeOrThrow("lp::UnregisterStopHandler()")->stop->Unregister(id);
}

}  // namespace lp
