#include "src/replay/config_proto.h"

namespace lp::replay {
namespace {

SelectorProto ToProto(const Selector& selector) {
  SelectorProto proto;
  switch (selector.kind) {
    case Selector::Kind::kUniform:
      proto.set_kind(SelectorProto::UNIFORM);
      break;
    case Selector::Kind::kPrioritized:
      proto.set_kind(SelectorProto::PRIORITIZED);
      break;
    case Selector::Kind::kFifo:
      proto.set_kind(SelectorProto::FIFO);
      break;
    case Selector::Kind::kLifo:
      proto.set_kind(SelectorProto::LIFO);
      break;
    case Selector::Kind::kMinHeap:
      proto.set_kind(SelectorProto::MIN_HEAP);
      break;
    case Selector::Kind::kMaxHeap:
      proto.set_kind(SelectorProto::MAX_HEAP);
      break;
  }
  proto.set_priority_exponent(selector.priority_exponent);
  return proto;
}

Selector FromProto(const SelectorProto& proto) {
  Selector selector;
  switch (proto.kind()) {
    case SelectorProto::PRIORITIZED:
      selector.kind = Selector::Kind::kPrioritized;
      break;
    case SelectorProto::FIFO:
      selector.kind = Selector::Kind::kFifo;
      break;
    case SelectorProto::LIFO:
      selector.kind = Selector::Kind::kLifo;
      break;
    case SelectorProto::MIN_HEAP:
      selector.kind = Selector::Kind::kMinHeap;
      break;
    case SelectorProto::MAX_HEAP:
      selector.kind = Selector::Kind::kMaxHeap;
      break;
    default:
      selector.kind = Selector::Kind::kUniform;
      break;
  }
  selector.priority_exponent = proto.priority_exponent();
  return selector;
}

}  // namespace

TableConfigProto ToProto(const TableConfig& config) {
  TableConfigProto proto;
  proto.set_name(config.name);
  proto.set_max_size(config.max_size);
  *proto.mutable_sampler() = ToProto(config.sampler);
  *proto.mutable_remover() = ToProto(config.remover);
  proto.set_max_times_sampled(config.max_times_sampled);
  RateLimiterConfigProto& limiter = *proto.mutable_rate_limiter();
  limiter.set_samples_per_insert(config.rate_limiter.samples_per_insert);
  limiter.set_min_size_to_sample(config.rate_limiter.min_size_to_sample);
  limiter.set_min_diff(config.rate_limiter.min_diff);
  limiter.set_max_diff(config.rate_limiter.max_diff);
  return proto;
}

TableConfig FromProto(const TableConfigProto& proto) {
  TableConfig config;
  config.name = proto.name();
  config.max_size = proto.max_size();
  config.sampler = FromProto(proto.sampler());
  config.remover = FromProto(proto.remover());
  config.max_times_sampled = proto.max_times_sampled();
  config.rate_limiter.samples_per_insert = proto.rate_limiter().samples_per_insert();
  config.rate_limiter.min_size_to_sample = proto.rate_limiter().min_size_to_sample();
  config.rate_limiter.min_diff = proto.rate_limiter().min_diff();
  config.rate_limiter.max_diff = proto.rate_limiter().max_diff();
  return config;
}

}  // namespace lp::replay
