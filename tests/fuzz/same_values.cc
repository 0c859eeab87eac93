#include "tests/fuzz/same_values.h"

#include <google/protobuf/util/field_comparator.h>
#include <google/protobuf/util/message_differencer.h>

namespace lp::fuzz {

bool SameMessages(const google::protobuf::Message& a, const google::protobuf::Message& b) {
  google::protobuf::util::DefaultFieldComparator comparator;
  comparator.set_treat_nan_as_equal(true);
  google::protobuf::util::MessageDifferencer differencer;
  differencer.set_field_comparator(&comparator);
  return differencer.Compare(a, b);
}

bool SameValues(google::protobuf::Message& a, google::protobuf::Message& b) {
  a.DiscardUnknownFields();
  b.DiscardUnknownFields();
  return SameMessages(a, b);
}

}  // namespace lp::fuzz
