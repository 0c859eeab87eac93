#ifndef LP_LAUNCH_TYPE_H_
#define LP_LAUNCH_TYPE_H_

#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace lp {

// Where the nodes of a program run. The same program runs under every launch type.
enum class LaunchType {
  kLocalMt,  // "local_mt": every node a thread of the launching process (the default)
  kLocalMp,  // "local_mp": every node its own process on this machine
  kTestMt,   // "test_mt":  threads, inside a GoogleTest test
  kTestMp,   // "test_mp":  processes, inside a GoogleTest test
  kSlurm,    // "slurm":    every node a task of a Slurm cluster
};

// "local_mt", "local_mp", ...: the spelling used by --lp_launch_type.
std::string_view LaunchTypeName(LaunchType type);

// Parses a --lp_launch_type value. An unknown name is an error that lists the valid ones.
absl::StatusOr<LaunchType> ParseLaunchType(std::string_view name);

// True for the launch types that run inside a GoogleTest test.
bool IsTestLaunchType(LaunchType type);

// Abseil flag support, so that --lp_launch_type=foo is rejected while flags are parsed.
bool AbslParseFlag(absl::string_view text, LaunchType* type, std::string* error);
std::string AbslUnparseFlag(LaunchType type);

}  // namespace lp

#endif  // LP_LAUNCH_TYPE_H_
