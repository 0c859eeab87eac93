// The HTML of the status page ("/"): a table of the nodes and the program's graph, which
// the page's script refreshes every second from /api/program, /api/nodes and /graph.svg.
#ifndef LP_SRC_STATUS_STATUS_PAGE_H_
#define LP_SRC_STATUS_STATUS_PAGE_H_

#include <string_view>

namespace lp::internal {

// One self-contained page (no external scripts or styles: clusters are often offline).
std::string_view StatusPageHtml();

// The fill colour of a node in `state` (NodeStateName), on the page and in the graph.
std::string_view StateColour(std::string_view state);

}  // namespace lp::internal

#endif  // LP_SRC_STATUS_STATUS_PAGE_H_
