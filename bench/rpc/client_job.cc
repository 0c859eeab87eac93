#include "bench/rpc/client_job.h"

#include <cstdio>

#include "absl/time/clock.h"

namespace lp::bench {

void ClientSettings::ApplyTo(EchoClient& client) const {
  if (echo_bytes) client.SetEchoPayload(*echo_bytes);
  if (transfer_bytes) client.SetTransferBytes(*transfer_bytes);
  if (same_host) client.UseSameHostPath(*same_host);
  if (fetch_parts) client.SetFetchParts(*fetch_parts);
}

ClientRun RunClientJob(EchoClient& client, const ClientJob& job) {
  ClientRun run;
  switch (job.kind) {
    case ClientJob::Kind::kLatency:
    case ClientJob::Kind::kInFlight: {
      const ProcessUsage before = ProcessUsageSoFar();
      const absl::Time start = absl::Now();
      if (job.kind == ClientJob::Kind::kInFlight) {
        run.calls = client.EchoInFlight(job.in_flight, start + job.slice);
      } else {
        do {
          client.Echo();
          ++run.calls;
        } while (absl::Now() < start + job.slice);
      }
      run.timed = absl::Now() - start;
      run.used = ProcessUsageSoFar() - before;
      return run;
    }
    case ClientJob::Kind::kTransfer:
    case ClientJob::Kind::kFetch:
      while (run.calls == 0 || run.timed < job.slice) {
        if (job.kind == ClientJob::Kind::kTransfer) client.PrepareTransfer();
        const ProcessUsage before = ProcessUsageSoFar();
        const absl::Time start = absl::Now();
        if (job.kind == ClientJob::Kind::kTransfer) {
          client.Transfer();
        } else {
          client.Fetch();
        }
        run.timed += absl::Now() - start;
        run.used = run.used + (ProcessUsageSoFar() - before);
        ++run.calls;
      }
      return run;
  }
  return run;
}

namespace {

// An optional field as a number, -1 for none.
template <typename T>
long long OrNone(const std::optional<T>& value) {
  return value ? static_cast<long long>(*value) : -1;
}

template <typename T>
std::optional<T> FromOrNone(long long value) {
  return value < 0 ? std::nullopt : std::optional<T>(static_cast<T>(value));
}

}  // namespace

std::string EncodeSettings(const ClientSettings& settings) {
  char line[128];
  std::snprintf(line, sizeof(line), "settings %lld %lld %lld %lld", OrNone(settings.echo_bytes),
                OrNone(settings.transfer_bytes), OrNone(settings.same_host),
                OrNone(settings.fetch_parts));
  return line;
}

std::optional<ClientSettings> ParseSettings(const std::string& line) {
  long long echo, transfer, same_host, parts;
  if (std::sscanf(line.c_str(), "settings %lld %lld %lld %lld", &echo, &transfer, &same_host,
                  &parts) != 4) {
    return std::nullopt;
  }
  return ClientSettings{.echo_bytes = FromOrNone<size_t>(echo),
                        .transfer_bytes = FromOrNone<size_t>(transfer),
                        .same_host = FromOrNone<bool>(same_host),
                        .fetch_parts = FromOrNone<int>(parts)};
}

std::string EncodeJob(const ClientJob& job) {
  char line[128];
  std::snprintf(line, sizeof(line), "job %d %lld %d", static_cast<int>(job.kind),
                static_cast<long long>(absl::ToInt64Nanoseconds(job.slice)), job.in_flight);
  return line;
}

std::optional<ClientJob> ParseJob(const std::string& line) {
  int kind, in_flight;
  long long slice_ns;
  if (std::sscanf(line.c_str(), "job %d %lld %d", &kind, &slice_ns, &in_flight) != 3 ||
      kind < 0 || kind > static_cast<int>(ClientJob::Kind::kFetch)) {
    return std::nullopt;
  }
  return ClientJob{.kind = static_cast<ClientJob::Kind>(kind),
                   .slice = absl::Nanoseconds(slice_ns),
                   .in_flight = in_flight};
}

std::string EncodeRun(const ClientRun& run) {
  return std::to_string(run.calls) + " " +
         std::to_string(absl::ToInt64Nanoseconds(run.timed)) + " " + FormatUsage(run.used);
}

std::optional<ClientRun> ParseRun(const std::string& line) {
  long long calls, timed_ns;
  int used_at = 0;
  if (std::sscanf(line.c_str(), "%lld %lld %n", &calls, &timed_ns, &used_at) != 2) {
    return std::nullopt;
  }
  const std::optional<ProcessUsage> used = ParseUsage(line.substr(used_at));
  if (!used) return std::nullopt;
  return ClientRun{.calls = calls, .timed = absl::Nanoseconds(timed_ns), .used = *used};
}

}  // namespace lp::bench
