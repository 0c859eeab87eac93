// lp::replay::TableConfig <-> TableConfigProto (proto/lp/replay.proto), for checkpoints.
#ifndef LP_SRC_REPLAY_CONFIG_PROTO_H_
#define LP_SRC_REPLAY_CONFIG_PROTO_H_

#include "lp/replay.pb.h"
#include "lp/replay_config.h"

namespace lp::replay {

TableConfigProto ToProto(const TableConfig& config);
// The seed is not in the proto: the result has none (a random one).
TableConfig FromProto(const TableConfigProto& proto);

}  // namespace lp::replay

#endif  // LP_SRC_REPLAY_CONFIG_PROTO_H_
