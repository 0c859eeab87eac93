// What bench_rpc has a side's client do for one measurement, run by whichever process
// holds that client: bench_rpc itself in the one-process placements, a client process of
// the side's own in the two-process ones (client_process.h). Each travels between the two
// as one line of text.
#ifndef LP_BENCH_RPC_CLIENT_JOB_H_
#define LP_BENCH_RPC_CLIENT_JOB_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "absl/time/time.h"
#include "bench/rpc/echo_client.h"
#include "bench/rpc/placement.h"

namespace lp::bench {

// What a side's client is set to. Fields not set leave the client's own default.
struct ClientSettings {
  std::optional<size_t> echo_bytes;
  std::optional<size_t> transfer_bytes;
  std::optional<bool> same_host;
  std::optional<int> fetch_parts;

  void ApplyTo(EchoClient& client) const;
};

// One measurement.
struct ClientJob {
  enum class Kind {
    kLatency,   // blocking echoes, one after another
    kInFlight,  // `in_flight` echoes always running (EchoClient::EchoInFlight)
    kTransfer,  // argument transfers, each prepared untimed (EchoClient::PrepareTransfer)
    kFetch,     // results fetched
  };
  Kind kind = Kind::kLatency;
  absl::Duration slice;  // calls are started until it has passed; at least one
  int in_flight = 0;     // kInFlight
};

// What the client did: its calls, how long they took, and what its process used meanwhile.
struct ClientRun {
  int64_t calls = 0;
  // kLatency, kInFlight: the whole slice. kTransfer, kFetch: the calls only, as is `used`,
  // so the preparation of the next argument is neither timed nor counted.
  absl::Duration timed;
  ProcessUsage used;
};

// Runs `job` on `client` in this process. Aborts on an error (EchoClient).
ClientRun RunClientJob(EchoClient& client, const ClientJob& job);

// The lines that carry them; Parse* return nullopt for a line that is not one.
std::string EncodeSettings(const ClientSettings& settings);
std::optional<ClientSettings> ParseSettings(const std::string& line);
std::string EncodeJob(const ClientJob& job);
std::optional<ClientJob> ParseJob(const std::string& line);
std::string EncodeRun(const ClientRun& run);
std::optional<ClientRun> ParseRun(const std::string& line);

}  // namespace lp::bench

#endif  // LP_BENCH_RPC_CLIENT_JOB_H_
