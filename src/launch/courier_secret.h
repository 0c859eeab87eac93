#ifndef LP_SRC_LAUNCH_COURIER_SECRET_H_
#define LP_SRC_LAUNCH_COURIER_SECRET_H_

// Where a launch's Courier secret comes from. Every Courier call of a launched program
// carries it and every CourierNode's server refuses calls without it (see docs/courier.md,
// "Limits and security"). It is apart from the coordinator's token, so that giving it to
// a client outside the program (a Python script, a debugging tool) lets that client call
// nodes but not stop the program or redirect its addresses.

#include <string>

#include "absl/status/statusor.h"

namespace lp::internal {

// The secret of a launch this process starts: LP_COURIER_SECRET when set (so that the
// user can give the same value to an outside client), after checking that it can travel
// in gRPC metadata and is long enough; otherwise a fresh random one (MakeToken). Its
// workers get it in LP_COURIER_SECRET.
absl::StatusOr<std::string> NewLaunchCourierSecret();

}  // namespace lp::internal

#endif  // LP_SRC_LAUNCH_COURIER_SECRET_H_
