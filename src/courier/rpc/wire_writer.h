// The envelope of a small Courier message written by hand, straight into the slice gRPC
// sends (the request's, call_request.h; the reply's, courier_service.cc): what protobuf
// would write for the message that wraps the payload, without building that message. Its
// counterpart for reading is wire_reader.h.
#ifndef LP_SRC_COURIER_RPC_WIRE_WRITER_H_
#define LP_SRC_COURIER_RPC_WIRE_WRITER_H_

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/wire_format_lite.h>

#include <cstddef>
#include <cstdint>

namespace lp::rpc {

// The encoded size of a length-delimited field of `length` bytes whose number is under 16
// (a one-byte tag), as every field of Courier's envelopes is.
inline size_t DelimitedFieldBytes(size_t length) {
  return 1 + google::protobuf::internal::WireFormatLite::LengthDelimitedSize(length);
}

// Writes the tag and the length of such a field at `to`; returns where its value goes.
inline uint8_t* WriteDelimitedHeader(int number, size_t length, uint8_t* to) {
  using WireFormat = google::protobuf::internal::WireFormatLite;
  to = WireFormat::WriteTagToArray(number, WireFormat::WIRETYPE_LENGTH_DELIMITED, to);
  return google::protobuf::io::CodedOutputStream::WriteVarint32ToArray(
      static_cast<uint32_t>(length), to);
}

}  // namespace lp::rpc

#endif  // LP_SRC_COURIER_RPC_WIRE_WRITER_H_
