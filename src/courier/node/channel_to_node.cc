// The non-template part of CourierHandle<T>::Dereference: the channel a client made from
// a handle talks through.

#include <memory>
#include <utility>

#include "lp/courier_node.h"
#include "src/courier/rpc/call_scope.h"
#include "src/courier/rpc/in_process_servers.h"

namespace lp::internal {

std::shared_ptr<CourierChannel> ChannelToCourierNode(std::shared_ptr<Runtime> runtime,
                                                     const NodeId& node,
                                                     const CourierMessageLimits& limits) {
  CourierChannelOptions options;
  options.max_send_message_bytes = limits.max_send_message_bytes;
  options.max_receive_message_bytes = limits.max_receive_message_bytes;
  options.secret = runtime->courier_secret;
  options.transport = runtime->transport;
  options.peer_name = node.ToString();
  options.in_process = rpc::InProcessCallsEnabled();
  // The program's stop ends the calls in flight and refuses later ones.
  if (runtime->calls != nullptr) options.scope = runtime->calls->ForTarget(node.ToString());
  return CourierChannel::Create(
      [runtime = std::move(runtime), node](absl::Time deadline) {
        return runtime->addresses->Resolve(node, kCourierEndpoint, deadline);
      },
      std::move(options));
}

}  // namespace lp::internal
