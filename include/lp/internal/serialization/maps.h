// Codecs for std::map and std::unordered_map: a SerializedDict, keys[i] ↦ values[i].
// Keys may be any serializable type (ints, strings, lp::Unicode, tuples...). A std::map is
// sent in key order, an unordered_map in its iteration order. Decoding rejects a dict whose
// key and value counts differ, and duplicate keys (the map could keep only one of them).
#ifndef LP_INTERNAL_SERIALIZATION_MAPS_H_
#define LP_INTERNAL_SERIALIZATION_MAPS_H_

#include <cstddef>
#include <map>
#include <unordered_map>
#include <utility>

#include "absl/status/status.h"
#include "lp/internal/serialization/wire.h"
#include "lp/internal/serialization/codec.h"
#include "lp/internal/serialization/decode_context.h"

namespace lp {
namespace internal {

// Makes `out` an empty dict with room for `size` entries and returns it.
courier::SerializedDict* StartDict(courier::SerializedObject* out, size_t size);

// OK if `in` is a dict with as many keys as values. `expected` names the C++ side.
absl::Status ExpectDict(const courier::SerializedObject& in, std::string_view expected,
                        DecodeContext& ctx);

// The codec shared by both map types.
template <typename Map, typename K, typename V>
struct MapCodec {
  static void Encode(const Map& value, courier::SerializedObject* out) {
    courier::SerializedDict* dict = StartDict(out, value.size());
    for (const auto& [key, item] : value) {
      EncodeAs<K>(key, AddKey(dict));
      EncodeAs<V>(item, AddValue(dict));
    }
  }

  static void EncodeMove(Map&& value, courier::SerializedObject* out) {
    courier::SerializedDict* dict = StartDict(out, value.size());
    for (auto& [key, item] : value) {
      EncodeAs<K>(key, AddKey(dict));  // keys are const inside a map
      EncodeAs<V>(std::move(item), AddValue(dict));
    }
  }

  template <typename Src>
  static absl::Status Decode(Src& in, Map* out, DecodeContext& ctx) {
    if (absl::Status s = ExpectDict(in, "dict", ctx); !s.ok()) return s;
    auto& dict = DictOf(in);
    out->clear();
    for (int i = 0; i < EntryCount(dict); ++i) {
      // Keys are always copied: a key stolen from `in` could not be shown in a later error.
      const courier::SerializedObject& wire_key = KeyAt(dict, i);
      K key{};
      {
        DecodeContext::Scope scope = ctx.DictKey(static_cast<size_t>(i));
        if (absl::Status s = DecodeFrom<K>(wire_key, &key, ctx); !s.ok()) return s;
      }
      DecodeContext::Scope scope = ctx.DictValue(wire_key, static_cast<size_t>(i));
      V item{};
      if (absl::Status s = DecodeFrom<V>(ValueAt(dict, i), &item, ctx); !s.ok()) return s;
      if (!out->try_emplace(std::move(key), std::move(item)).second) {
        return ctx.Error("duplicate dict key");
      }
    }
    return absl::OkStatus();
  }
};

}  // namespace internal

template <Serializable K, Serializable V, typename Compare, typename Alloc>
struct Codec<std::map<K, V, Compare, Alloc>>
    : internal::MapCodec<std::map<K, V, Compare, Alloc>, K, V> {
  using Map = std::map<K, V, Compare, Alloc>;
  static absl::Status Decode(const courier::SerializedObject& in, Map* out, DecodeContext& ctx) {
    return internal::MapCodec<Map, K, V>::Decode(in, out, ctx);
  }
  static absl::Status DecodeMove(courier::SerializedObject* in, Map* out, DecodeContext& ctx) {
    return internal::MapCodec<Map, K, V>::Decode(*in, out, ctx);
  }
};

template <Serializable K, Serializable V, typename Hash, typename Eq, typename Alloc>
struct Codec<std::unordered_map<K, V, Hash, Eq, Alloc>>
    : internal::MapCodec<std::unordered_map<K, V, Hash, Eq, Alloc>, K, V> {
  using Map = std::unordered_map<K, V, Hash, Eq, Alloc>;
  static absl::Status Decode(const courier::SerializedObject& in, Map* out, DecodeContext& ctx) {
    return internal::MapCodec<Map, K, V>::Decode(in, out, ctx);
  }
  static absl::Status DecodeMove(courier::SerializedObject* in, Map* out, DecodeContext& ctx) {
    return internal::MapCodec<Map, K, V>::Decode(*in, out, ctx);
  }
};

}  // namespace lp

#endif  // LP_INTERNAL_SERIALIZATION_MAPS_H_
