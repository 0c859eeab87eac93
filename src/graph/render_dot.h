#ifndef LP_SRC_GRAPH_RENDER_DOT_H_
#define LP_SRC_GRAPH_RENDER_DOT_H_

#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace lp::internal {

// `dot` rendered by Graphviz's `dot -T<format>` ("svg", "png", ...): the output file's
// bytes. FailedPrecondition naming the Debian package (graphviz) when `dot` is not on
// PATH; Internal with dot's messages when it fails (bad DOT, unknown format).
//
// Thread safety: may be called from any thread.
absl::StatusOr<std::string> RenderDot(std::string_view dot, std::string_view format);

}  // namespace lp::internal

#endif  // LP_SRC_GRAPH_RENDER_DOT_H_
