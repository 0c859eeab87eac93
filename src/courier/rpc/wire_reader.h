// Reader: protobuf fields read by hand, for the parts of a Courier message that lp reads
// itself (the request's envelope, call_request.h; the objects of a large message,
// received_tensors.h); everything else is protobuf's own parsing.
#ifndef LP_SRC_COURIER_RPC_WIRE_READER_H_
#define LP_SRC_COURIER_RPC_WIRE_READER_H_

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>
#include <google/protobuf/message_lite.h>
#include <google/protobuf/wire_format_lite.h>

#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

namespace lp::rpc {

// What a field reader did with the field just seen.
enum class Field { kRead, kSkip, kBad };

// Reads protobuf fields by hand. Fields() calls `read_field(number)` for each
// length-delimited field; it reads the value (kRead), leaves it to be skipped (kSkip), or
// fails (kBad, having recorded why in `failed`). `what` names the message in errors.
//
// Thread safety: none; one message at a time.
class Reader {
 public:
  using CodedInputStream = google::protobuf::io::CodedInputStream;
  using WireFormat = google::protobuf::internal::WireFormatLite;

  explicit Reader(CodedInputStream& in) : in_(in) {}

  // The first error met; Fields() sets a generic one when a reader did not.
  absl::Status failed;

  template <typename ReadField>
  bool Fields(absl::string_view what, ReadField read_field) {
    return EveryField(what, [&](uint32_t tag) {
      if (WireFormat::GetTagWireType(tag) != WireFormat::WIRETYPE_LENGTH_DELIMITED) {
        return Field::kSkip;
      }
      return read_field(WireFormat::GetTagFieldNumber(tag));
    });
  }

  // Like Fields(), for every field, whatever its wire type: `read_field(tag)` reads it
  // (kRead; MergeField() reads any), leaves it to be skipped (kSkip) or fails (kBad).
  template <typename ReadField>
  bool EveryField(absl::string_view what, ReadField read_field) {
    for (;;) {
      uint32_t tag = 0;
      if (!ReadTag(tag)) return Malformed(what);
      if (tag == 0) return in_.ConsumedEntireMessage() || Malformed(what);
      const Field field = read_field(tag);
      if (field == Field::kBad) return Malformed(what);
      if (field == Field::kSkip && !SkipField(tag, nullptr)) return Malformed(what);
    }
  }

  // Reads a length-delimited value into `out`.
  Field Bytes(std::string& out) {
    return Bytes(out, [](size_t, std::string&) {});
  }

  // Reads a length-delimited value into `out`, after `prepare(length, out)` (which may
  // give `out` the storage to read into).
  template <typename Prepare>
  Field Bytes(std::string& out, Prepare prepare) {
    int length = 0;
    if (!ReadLength(length)) return Field::kBad;
    prepare(static_cast<size_t>(length), out);
    return in_.ReadString(&out, length) ? Field::kRead : Field::kBad;
  }

  // Reads the fields of the length-delimited message that follows.
  template <typename ReadField>
  Field Nested(absl::string_view what, ReadField read_field) {
    return Limited([&](size_t) { return Fields(what, read_field); });
  }

  // Reads the length-delimited message that follows into `message` at the stream's current
  // depth, as MergeFromCodedStream does: by protobuf's parse when it is shorter than
  // `by_hand_from` bytes, else with LargeFields(message, by_hand_from, what, read_field).
  template <typename ReadField>
  Field MessageOrFields(google::protobuf::MessageLite& message, size_t by_hand_from,
                        absl::string_view what, ReadField read_field) {
    return Limited([&](size_t length) {
      return length < by_hand_from ? Merge(message)
                                   : LargeFields(message, by_hand_from, what, read_field);
    });
  }

  // Like EveryField() on the fields of `message`, but `read_field(tag)` sees only those of
  // `by_hand_from` bytes or more (and groups). The others, which hold nothing worth
  // reading by hand, are copied as they come and merged by protobuf in one parse: before
  // the next field read_field reads, and at the end. Parsing fields one after another
  // merges them in turn (protobuf's own rule), so the message is what protobuf's parse of
  // it gives; a long list of small values costs one parse, not one per value.
  template <typename ReadField>
  bool LargeFields(google::protobuf::MessageLite& message, size_t by_hand_from,
                   absl::string_view what, ReadField read_field) {
    // Small fields copied, not merged yet. Merged every kMaxCopiedBytes too: the copy stays
    // in the cache, and a long list is not copied whole into fresh memory.
    constexpr size_t kMaxCopiedBytes = 64 << 10;
    std::string small;
    const bool read = EveryField(what, [&](uint32_t tag) {
      if (IsSmall(tag, by_hand_from)) {
        const bool copied = CopyField(tag, small) &&
                            (small.size() < kMaxCopiedBytes || MergeCopied(small, message));
        return copied ? Field::kRead : Field::kBad;
      }
      if (!MergeCopied(small, message)) return Field::kBad;
      return read_field(tag);
    });
    return read && (MergeCopied(small, message) || Malformed(what));
  }

  // Runs `read` one level deeper, for a nested message: fails past the stream's recursion
  // limit, as protobuf's parse does.
  template <typename Read>
  Field Deeper(Read read) {
    const bool within = in_.IncrementRecursionDepth();
    const Field field = within ? read() : Field::kBad;
    in_.DecrementRecursionDepth();
    return field;
  }

  // Merges the field `tag` (just read) into `message`, as protobuf's parse of `message`
  // would when it met that field, with what is left of the recursion limit. The field's
  // bytes are copied once on the way: for the small fields of a message read by hand.
  Field MergeField(uint32_t tag, google::protobuf::MessageLite& message) {
    std::string field;
    if (!SkipField(tag, &field)) return Field::kBad;
    return MergeCopied(field, message) ? Field::kRead : Field::kBad;
  }

  // Parses the length-delimited protobuf message that follows into `message`.
  Field Message(google::protobuf::MessageLite& message) {
    return Limited([&](size_t) { return Merge(message); });
  }

 private:
  // Runs `read(length)` on the length-delimited value that follows, limited to it.
  template <typename Read>
  Field Limited(Read read) {
    int length = 0;
    if (!ReadLength(length)) return Field::kBad;
    const CodedInputStream::Limit limit = in_.PushLimit(length);
    const bool ok = read(static_cast<size_t>(length));
    in_.PopLimit(limit);
    return ok ? Field::kRead : Field::kBad;
  }

  // Merges the rest of the stream, up to its limit, into `message` by protobuf's parse.
  bool Merge(google::protobuf::MessageLite& message) {
    return message.MergeFromCodedStream(&in_) && in_.ConsumedEntireMessage();
  }

  // Whether the field whose tag was just read is one LargeFields() copies: a number, or
  // a length-delimited value shorter than `by_hand_from` bytes. The length is read from
  // the stream's buffer without consuming it; when it is not wholly there, the field is
  // taken as large (read_field reads it, correctly, only less quickly).
  bool IsSmall(uint32_t tag, size_t by_hand_from) {
    switch (WireFormat::GetTagWireType(tag)) {
      case WireFormat::WIRETYPE_VARINT:
      case WireFormat::WIRETYPE_FIXED32:
      case WireFormat::WIRETYPE_FIXED64:
        return true;
      case WireFormat::WIRETYPE_LENGTH_DELIMITED: {
        const void* data = nullptr;
        int size = 0;
        if (!in_.GetDirectBufferPointer(&data, &size)) return false;
        const auto* bytes = static_cast<const uint8_t*>(data);
        uint64_t length = 0;
        for (int i = 0; i < size && i < 5; ++i) {
          length |= uint64_t{bytes[i] & 0x7fu} << (7 * i);
          if ((bytes[i] & 0x80) == 0) return length < by_hand_from;
        }
        return false;
      }
      default:  // groups: read_field merges them (MergeField)
        return false;
    }
  }

  // Skips the value of the field `tag` (just read), appending the field to `copy` (unless
  // null) as CopyField does. Not WireFormatLite::SkipField: that reads lengths and the
  // tags within groups as CodedInputStream does, which accepts what protobuf's parser
  // refuses (ReadTag, ReadLength).
  bool SkipField(uint32_t tag, std::string* copy) {
    std::string ignored;
    std::string& to = copy != nullptr ? *copy : ignored;
    switch (WireFormat::GetTagWireType(tag)) {
      case WireFormat::WIRETYPE_VARINT:
      case WireFormat::WIRETYPE_FIXED32:
      case WireFormat::WIRETYPE_FIXED64:
        return CopyField(tag, to);
      case WireFormat::WIRETYPE_LENGTH_DELIMITED: {
        if (copy != nullptr) return CopyField(tag, to);
        int length = 0;
        return ReadLength(length) && in_.Skip(length);
      }
      case WireFormat::WIRETYPE_START_GROUP: {
        AppendVarint(tag, to);
        const bool within = in_.IncrementRecursionDepth();
        bool ended = false;
        while (within && !ended) {
          uint32_t inner = 0;
          if (!ReadTag(inner) || inner == 0) break;
          if (WireFormat::GetTagWireType(inner) == WireFormat::WIRETYPE_END_GROUP) {
            if (WireFormat::GetTagFieldNumber(inner) != WireFormat::GetTagFieldNumber(tag)) {
              break;
            }
            AppendVarint(inner, to);
            ended = true;
          } else if (!SkipField(inner, &to)) {
            break;
          }
        }
        in_.DecrementRecursionDepth();
        return ended;
      }
      default:  // an end of a group that did not start, or no wire type at all
        return false;
    }
  }

  // Appends `value` as a varint (a tag, a length or a number field's value).
  static void AppendVarint(uint64_t value, std::string& to) {
    constexpr int kMaxVarintBytes = 10;
    uint8_t varint[kMaxVarintBytes];
    to.append(reinterpret_cast<const char*>(varint),
              google::protobuf::io::CodedOutputStream::WriteVarint64ToArray(value, varint) -
                  varint);
  }

  // Appends the field `tag` (just read, IsSmall) to `to` as it is on the wire.
  bool CopyField(uint32_t tag, std::string& to) {
    switch (WireFormat::GetTagWireType(tag)) {
      case WireFormat::WIRETYPE_VARINT: {
        uint64_t value = 0;
        if (!in_.ReadVarint64(&value)) return false;
        AppendVarint(tag, to);
        AppendVarint(value, to);
        return true;
      }
      case WireFormat::WIRETYPE_FIXED32:
      case WireFormat::WIRETYPE_FIXED64: {
        const int width = WireFormat::GetTagWireType(tag) == WireFormat::WIRETYPE_FIXED32 ? 4 : 8;
        AppendVarint(tag, to);
        return ReadRawInto(to, width);
      }
      default: {  // length-delimited
        int length = 0;
        if (!ReadLength(length)) return false;
        AppendVarint(tag, to);
        AppendVarint(static_cast<uint32_t>(length), to);
        return ReadRawInto(to, length);
      }
    }
  }

  // Appends the next `size` bytes of the stream to `to`.
  bool ReadRawInto(std::string& to, int size) {
    const void* data = nullptr;
    int buffered = 0;
    if (in_.GetDirectBufferPointer(&data, &buffered) && buffered >= size) {
      to.append(static_cast<const char*>(data), static_cast<size_t>(size));
      return in_.Skip(size);
    }
    const size_t at = to.size();
    to.resize(at + static_cast<size_t>(size));
    return in_.ReadRaw(to.data() + at, size);
  }

  // Merges the fields copied into `copied` into `message`, with what is left of the
  // recursion limit here (as protobuf's parse would have merged them where they were),
  // and empties `copied`.
  bool MergeCopied(std::string& copied, google::protobuf::MessageLite& message) {
    if (copied.empty()) return true;
    CodedInputStream in(reinterpret_cast<const uint8_t*>(copied.data()),
                        static_cast<int>(copied.size()));
    in.SetRecursionLimit(in_.RecursionBudget());
    const bool merged = message.MergeFromCodedStream(&in) && in.ConsumedEntireMessage();
    copied.clear();
    return merged;
  }

  // The next tag (0 at the end), unless it takes more than 5 bytes: protobuf's parser
  // refuses those, while CodedInputStream reads up to 10 and drops the high bits (the
  // request fuzzer found the difference).
  // Nor may a tag other than 0 (the end) name field 0: protobuf's parser refuses that too.
  bool ReadTag(uint32_t& tag) {
    const int before = in_.CurrentPosition();
    tag = in_.ReadTag();
    if (in_.CurrentPosition() - before > 5) return false;
    return tag == 0 || WireFormat::GetTagFieldNumber(tag) != 0;
  }

  // The length of a length-delimited value, if the bytes left can hold it. Like a tag, a
  // length takes at most 5 bytes: protobuf's parser refuses longer ones, while
  // CodedInputStream reads up to 10 and drops the high bits (the fuzzer found this too).
  // Read in 64 bits: ReadVarint32 drops the bits of a fifth byte above 32 (80 80 80 80 10
  // is 2^32, read as 0), where protobuf's parser refuses any length of 2 GiB or more
  // (found by the fuzzer as well).
  bool ReadLength(int& length) {
    const int before = in_.CurrentPosition();
    uint64_t value = 0;
    if (!in_.ReadVarint64(&value) || in_.CurrentPosition() - before > 5) return false;
    const int left = in_.BytesUntilLimit();  // -1: no limit
    if (value > static_cast<uint64_t>(left < 0 ? std::numeric_limits<int>::max() : left)) {
      return false;
    }
    length = static_cast<int>(value);
    return true;
  }

  bool Malformed(absl::string_view what) {
    if (failed.ok()) failed = absl::InvalidArgumentError(absl::StrCat(what, " is malformed"));
    return false;
  }

  CodedInputStream& in_;
};

}  // namespace lp::rpc

#endif  // LP_SRC_COURIER_RPC_WIRE_READER_H_
