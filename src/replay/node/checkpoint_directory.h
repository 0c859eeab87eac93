// CheckpointDirectory: a replay node's checkpoints on disk, one file per checkpoint.
//
// A file is checkpoint-<number>.replay (12 digits, the number one past the highest in the
// directory): a header line, then for each table its lp.replay.TableCheckpoint as an
// 8-byte little-endian length and the protobuf bytes, then a trailer with the table count.
// It is written as a hidden temporary file, flushed to disk, then renamed: a reader sees a
// complete checkpoint or none, even if the writer is killed mid-write. The newest is the
// highest number whose file reads completely; a damaged file is skipped, with a warning.
#ifndef LP_SRC_REPLAY_NODE_CHECKPOINT_DIRECTORY_H_
#define LP_SRC_REPLAY_NODE_CHECKPOINT_DIRECTORY_H_

#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "lp/replay.pb.h"

namespace lp::replay {

struct LoadedCheckpoint {
  std::string path;
  std::vector<TableCheckpoint> tables;
};

// Thread safety: Write may be called from several threads at once (each gets a number of
// its own); Newest reads only complete files, so it may run alongside.
class CheckpointDirectory {
 public:
  // `keep`: how many checkpoints stay after a Write (the newest; at least 1).
  CheckpointDirectory(std::string directory, int keep);

  // Writes `tables` as a new checkpoint (creating the directory if needed) and deletes
  // all but the `keep` newest. Returns the new file's path.
  absl::StatusOr<std::string> Write(const std::vector<TableCheckpoint>& tables);

  // The newest complete checkpoint, or nullopt when there is none (or no directory).
  absl::StatusOr<std::optional<LoadedCheckpoint>> Newest() const;

  const std::string& directory() const { return directory_; }

 private:
  // The numbers of the checkpoint files in the directory, ascending.
  std::vector<int64_t> Numbers() const;
  std::string PathOf(int64_t number) const;

  const std::string directory_;
  const int keep_;
  std::mutex mu_;  // serializes Write: numbering and pruning
};

}  // namespace lp::replay

#endif  // LP_SRC_REPLAY_NODE_CHECKPOINT_DIRECTORY_H_
