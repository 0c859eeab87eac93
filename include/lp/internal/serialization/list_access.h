// Shared plumbing for the codecs that use SerializedList (vector, array, pair, tuple).
#ifndef LP_INTERNAL_SERIALIZATION_LIST_ACCESS_H_
#define LP_INTERNAL_SERIALIZATION_LIST_ACCESS_H_

#include <cstddef>
#include <string_view>

#include "absl/status/status.h"
#include "lp/internal/serialization/wire.h"
#include "lp/internal/serialization/decode_context.h"

namespace lp::internal {

// Makes `out` an empty list (or tuple) with room for `size` items and returns it.
courier::SerializedList* StartList(courier::SerializedObject* out, size_t size, bool is_tuple);

// OK if `in` is a list or a tuple (either is accepted: Python code passes both) and, when
// `required_size` is not kAnySize, holds exactly that many items. `expected` names what the
// C++ type wanted ("list", "tuple") for the message.
inline constexpr size_t kAnySize = static_cast<size_t>(-1);
absl::Status ExpectSequence(const courier::SerializedObject& in, std::string_view expected,
                            size_t required_size, DecodeContext& ctx);


}  // namespace lp::internal

#endif  // LP_INTERNAL_SERIALIZATION_LIST_ACCESS_H_
