#ifndef LP_TESTS_FUZZ_SAME_VALUES_H_
#define LP_TESTS_FUZZ_SAME_VALUES_H_

// How the fuzz checks compare a message lp read with the one protobuf parsed from the
// same bytes.

#include <google/protobuf/message.h>

namespace lp::fuzz {

// Whether `a` and `b` are the same message, unknown fields included. A NaN read both ways
// is the same value read.
bool SameMessages(const google::protobuf::Message& a, const google::protobuf::Message& b);

// Whether `a` and `b` hold the same values, as SameMessages, but unknown fields do not
// count: lp drops some unread (nothing reads them), and they are discarded from both.
bool SameValues(google::protobuf::Message& a, google::protobuf::Message& b);

}  // namespace lp::fuzz

#endif  // LP_TESTS_FUZZ_SAME_VALUES_H_
