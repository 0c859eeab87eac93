#ifndef LP_SRC_LAUNCH_PROGRAM_RUNTIME_H_
#define LP_SRC_LAUNCH_PROGRAM_RUNTIME_H_

#include <memory>
#include <string>
#include <vector>

#include "lp/internal/runtime.h"

namespace lp::internal {

// A new Runtime for program `program_name` launched as `launch_type` in the launch
// `launch`: its stop state, its address book, its call scopes, its Courier secret and its
// transport security. Its first stop handler cancels every Courier call made through it
// (callers get lp::ProgramStoppedError), so that no node stays blocked in a call while
// the program stops; the handlers registered later run after that.
std::shared_ptr<Runtime> NewRuntime(std::string program_name, LaunchType launch_type,
                                    std::string courier_secret,
                                    std::shared_ptr<const rpc::TransportSecurity> transport,
                                    std::shared_ptr<AddressBook> addresses,
                                    LaunchIdentity launch);

// A new launch's identity: its start time (now) and an id made of that time (UTC, to the
// second) and 8 random hex digits, e.g. "20250601-142233-9f3c01ab": sortable, usable in
// file names, unique in practice.
LaunchIdentity NewLaunchIdentity();

// Fails every call `runtime`'s handles make to `nodes`, in flight or later, with
// UNAVAILABLE saying that they ended (`how`, e.g. "exited with code 0") while the program
// goes on: nobody waits for a server that will not come back.
void FailCallsToEndedNodes(const Runtime& runtime, const std::vector<NodeId>& nodes,
                           const std::string& how);

}  // namespace lp::internal

#endif  // LP_SRC_LAUNCH_PROGRAM_RUNTIME_H_
