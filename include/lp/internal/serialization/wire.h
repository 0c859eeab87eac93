// The wire types (courier.proto's generated classes), declared but not defined, and the
// few operations the codec templates perform on them, defined in
// src/courier/serialization/wire.cc.
//
// Why: a template that touched the generated classes itself would make every user of
// <lp/lp.h> parse protobuf's headers (a third of its parse time, issue 12). The codecs
// and the call templates therefore hold the wire types by pointer or reference only and
// reach their fields through these functions; the one out-of-line call per value costs
// little next to protobuf's own encoding. A custom codec that reads or writes fields
// directly includes "courier/courier.pb.h" itself.
#ifndef LP_INTERNAL_SERIALIZATION_WIRE_H_
#define LP_INTERNAL_SERIALIZATION_WIRE_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace courier {
class SerializedObject;
class SerializedList;
class SerializedDict;
class CallArguments;
}  // namespace courier

namespace lp::internal {

// --- Values ----------------------------------------------------------------------------

// Makes `out` empty (no payload).
void ClearObject(courier::SerializedObject* out);
void SetInt(courier::SerializedObject* out, int64_t value);
void SetUnicode(courier::SerializedObject* out, std::string_view text);
void SetNone(courier::SerializedObject* out);
bool IsNone(const courier::SerializedObject& in);

// --- Lists and tuples (see list_access.h for StartList and ExpectSequence) --------------

courier::SerializedObject* AddItem(courier::SerializedList* list);
// The items of `in`; call only after ExpectSequence (reaching into a mutable object that
// is not a list would change its payload).
int ItemCount(const courier::SerializedObject& in);
const courier::SerializedObject& ItemAt(const courier::SerializedObject& in, int i);
courier::SerializedObject& ItemAt(courier::SerializedObject& in, int i);

// --- Dicts (see maps.h for StartDict and ExpectDict) ------------------------------------

courier::SerializedObject* AddKey(courier::SerializedDict* dict);
courier::SerializedObject* AddValue(courier::SerializedDict* dict);
// The dict of `in`; call only after ExpectDict, as above.
const courier::SerializedDict& DictOf(const courier::SerializedObject& in);
courier::SerializedDict& DictOf(courier::SerializedObject& in);
int EntryCount(const courier::SerializedDict& dict);
const courier::SerializedObject& KeyAt(const courier::SerializedDict& dict, int i);
const courier::SerializedObject& ValueAt(const courier::SerializedDict& dict, int i);
courier::SerializedObject& ValueAt(courier::SerializedDict& dict, int i);

// --- A call's positional arguments -------------------------------------------------------

int ArgumentCount(const courier::CallArguments& call);
courier::SerializedObject* MutableArgument(courier::CallArguments& call, int i);
courier::SerializedObject* AddArgument(courier::CallArguments* call);

// --- Owned objects -------------------------------------------------------------------------

// A SerializedObject of a template's own (e.g. to encode a value into and keep its
// bytes), on the heap so that its type may stay incomplete here.
//
// Thread safety: none; one owner at a time, like the object itself.
class OwnedSerializedObject {
 public:
  OwnedSerializedObject();  // an empty object
  ~OwnedSerializedObject();
  OwnedSerializedObject(OwnedSerializedObject&& other) noexcept;
  OwnedSerializedObject& operator=(OwnedSerializedObject&& other) noexcept;

  // `bytes` as a SerializedObject (checked as lp::ParseSerializedObject checks them).
  static absl::StatusOr<OwnedSerializedObject> Parse(std::string_view bytes);

  courier::SerializedObject* get() const { return object_; }
  std::string SerializeAsString() const;

 private:
  courier::SerializedObject* object_;  // owned; null only once moved from
};

}  // namespace lp::internal

#endif  // LP_INTERNAL_SERIALIZATION_WIRE_H_
