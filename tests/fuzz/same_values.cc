#include "tests/fuzz/same_values.h"

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>
#include <google/protobuf/util/field_comparator.h>
#include <google/protobuf/util/message_differencer.h>

#include <string>

namespace lp::fuzz {

#if defined(__SANITIZE_THREAD__)
namespace {

// `message` as protobuf encodes it with maps sorted by key: equal messages, equal bytes.
std::string DeterministicEncoding(const google::protobuf::Message& message) {
  std::string bytes;
  google::protobuf::io::StringOutputStream stream(&bytes);
  google::protobuf::io::CodedOutputStream output(&stream);
  output.SetSerializationDeterministic(true);
  message.SerializeToCodedStream(&output);
  output.Trim();
  return bytes;
}

}  // namespace
#endif

bool SameMessages(const google::protobuf::Message& a, const google::protobuf::Message& b) {
#if defined(__SANITIZE_THREAD__)
  // Under -fsanitize=thread, protobuf's headers give every map field two more members
  // (MapFieldBase in map_field.h) than Debian's libprotobuf, built without it, knows of:
  // the library's reflection over a map of ours reads the wrong members and crashes
  // (MessageDifferencer, FuzzRegressionTest.RequestSeedsAndFindingsPassTheChecks). The
  // generated code encodes without reflection, so compare encodings there instead; a NaN
  // is then equal to itself bit for bit, as treat_nan_as_equal makes it below.
  return DeterministicEncoding(a) == DeterministicEncoding(b);
#else
  google::protobuf::util::DefaultFieldComparator comparator;
  comparator.set_treat_nan_as_equal(true);
  google::protobuf::util::MessageDifferencer differencer;
  differencer.set_field_comparator(&comparator);
  return differencer.Compare(a, b);
#endif
}

bool SameValues(google::protobuf::Message& a, google::protobuf::Message& b) {
  a.DiscardUnknownFields();
  b.DiscardUnknownFields();
  return SameMessages(a, b);
}

}  // namespace lp::fuzz
