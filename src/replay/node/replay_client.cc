// The non-template part of ReplayClient.

#include <utility>

#include "absl/strings/str_cat.h"
#include "lp/replay.h"

namespace lp {
namespace internal {
namespace {

// How much later than the node's wait the call itself gives up: long enough for the
// node's DEADLINE_EXCEEDED, which says what the table waited for, to arrive first.
constexpr absl::Duration kReplyMargin = absl::Seconds(2);

}  // namespace

std::optional<std::pair<std::string, std::vector<double>>> SingleTableColumn(
    const std::vector<std::map<std::string, double>>& priorities) {
  if (priorities.empty() || priorities[0].size() != 1) return std::nullopt;
  std::pair<std::string, std::vector<double>> column(priorities[0].begin()->first, {});
  column.second.reserve(priorities.size());
  for (const std::map<std::string, double>& item : priorities) {
    if (item.size() != 1 || item.begin()->first != column.first) return std::nullopt;
    column.second.push_back(item.begin()->second);
  }
  return column;
}

absl::Status CheckSampleColumns(const Tensor& key, const Tensor& priority,
                                const Tensor& probability, const Tensor& times_sampled,
                                const Tensor& table_size, size_t size) {
  const struct {
    const char* name;
    const Tensor& column;
    DType dtype;
  } columns[] = {{"key", key, DType::kUInt64},
                 {"priority", priority, DType::kDouble},
                 {"probability", probability, DType::kDouble},
                 {"times_sampled", times_sampled, DType::kInt64},
                 {"table_size", table_size, DType::kInt64}};
  for (const auto& [name, column, dtype] : columns) {
    if (column.dtype() != dtype || column.shape().size() != 1 ||
        column.NumElements() != static_cast<int64_t>(size)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "Sample's result: column '", name, "' is not a 1-D ", DTypeName(dtype), " tensor of ",
          size, " element(s) (one per item), but ", DTypeName(column.dtype()), " of ",
          column.NumElements()));
    }
  }
  return absl::OkStatus();
}

}  // namespace internal

ReplayClient::ReplayClient(std::shared_ptr<CourierChannel> channel, std::string target_name)
    : client_(channel, target_name), waiting_(std::move(channel), std::move(target_name)) {}

ReplayClient ReplayClient::WithTimeout(absl::Duration timeout) const {
  ReplayClient copy = *this;
  copy.timeout_ = timeout;
  copy.client_ = client_.WithTimeout(timeout);
  copy.waiting_ = waiting_.WithTimeout(timeout + internal::kReplyMargin);
  return copy;
}

std::optional<double> ReplayClient::WaitSeconds() const {
  if (!timeout_.has_value()) return std::nullopt;
  return absl::ToDoubleSeconds(*timeout_);
}

int64_t ReplayClient::UpdatePriorities(const std::string& table,
                                       const std::map<uint64_t, double>& priorities) const {
  return Call<int64_t>("UpdatePriorities", table, priorities);
}

Future<int64_t> ReplayClient::AsyncUpdatePriorities(
    const std::string& table, const std::map<uint64_t, double>& priorities) const {
  return client_.Async<int64_t>("UpdatePriorities", table, priorities);
}

int64_t ReplayClient::Delete(const std::string& table, const std::vector<uint64_t>& keys) const {
  return Call<int64_t>("Delete", table, keys);
}

ReplayTableInfo ReplayClient::Info(const std::string& table) const {
  std::map<std::string, ReplayTableInfo> infos =
      Call<std::map<std::string, ReplayTableInfo>>("Info", table);
  return std::move(infos.at(table));
}

std::map<std::string, ReplayTableInfo> ReplayClient::Info() const {
  return Call<std::map<std::string, ReplayTableInfo>>("Info");
}

void ReplayClient::Reset(const std::string& table) const { Call<void>("Reset", table); }

std::string ReplayClient::Checkpoint() const { return Call<std::string>("Checkpoint"); }

}  // namespace lp
