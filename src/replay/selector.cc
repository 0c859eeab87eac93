#include "src/replay/selector.h"

#include <memory>

namespace lp::replay {

std::unique_ptr<ItemSelector> MakeItemSelector(const Selector& selector) {
  switch (selector.kind) {
    case Selector::Kind::kUniform:
      return MakeUniformSelector();
    case Selector::Kind::kPrioritized:
      return MakePrioritizedSelector(selector.priority_exponent);
    case Selector::Kind::kFifo:
      return MakeFifoSelector();
    case Selector::Kind::kLifo:
      return MakeLifoSelector();
    case Selector::Kind::kMinHeap:
      return MakeMinHeapSelector();
    case Selector::Kind::kMaxHeap:
      return MakeMaxHeapSelector();
  }
  return MakeUniformSelector();  // unreachable for a validated Selector
}

}  // namespace lp::replay
