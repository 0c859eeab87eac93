// Replay node programs for replay_process_test.cc, run under --lp_launch_type (local_mp
// there):
//
//   --scenario=blocked      a sampler waits in Sample (empty table, MinSize(1)) and an
//                           inserter in Insert (full queue); once the node reports both
//                           waiting, stopper/0 stops the program. Each prints
//                           "<what>: ProgramStoppedError" when its call ends that way and
//                           fails (exit 1) on any other end.
//   --scenario=colocation   the replay node inside a MultiProcessingColocation with one
//                           retry, checkpointing to --dir. driver/0 inserts keys 1..10,
//                           checkpoints, prints "replay at <address>" and "checkpointed",
//                           waits for the file <dir>/killed (the test kills the replay
//                           process, then writes it), then prints "restored size <n>
//                           keys <k1,k2,...>" once the restarted node answers, and stops
//                           the program.

#include <filesystem>
#include <iostream>
#include <set>
#include <stdexcept>
#include <string>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "lp/flags.h"
#include "lp/lp.h"
#include "lp/replay.h"

ABSL_FLAG(std::string, scenario, "blocked", "see the file comment");
ABSL_FLAG(std::string, dir, "", "colocation: the checkpoint directory");

namespace {

using lp::replay::RateLimiterConfig;
using lp::replay::Selector;
using lp::replay::TableConfig;

void Say(const std::string& line) { std::cout << line + "\n" << std::flush; }

template <typename Call>
void WaitInReplay(const std::string& what, const Call& call) {
  try {
    call();
  } catch (const lp::ProgramStoppedError&) {
    Say(what + ": ProgramStoppedError");
    return;
  } catch (const lp::RpcError& error) {
    throw std::runtime_error(what + " ended with another error: " + error.what());
  }
  throw std::runtime_error(what + " returned: it should have waited until the stop");
}

int Blocked() {
  lp::Program program("replay_blocked");
  lp::ReplayHandle replay = program.AddNode(
      lp::ReplayNode({TableConfig{.name = "empty", .max_size = 10}, TableConfig::Queue("full", 1)}),
      "replay");
  program.AddNode(lp::FunctionNode(
                      [](lp::ReplayClient replay) {
                        WaitInReplay("sample", [&] { replay.Sample<int>("empty", 1); });
                      },
                      replay),
                  "sampler");
  program.AddNode(lp::FunctionNode(
                      [](lp::ReplayClient replay) {
                        replay.Insert(1, {{"full", 1.0}});
                        WaitInReplay("insert", [&] { replay.Insert(2, {{"full", 1.0}}); });
                      },
                      replay),
                  "inserter");
  program.AddNode(lp::FunctionNode(
                      [](lp::ReplayClient replay) {
                        while (replay.Info("empty").blocked_samples < 1 ||
                               replay.Info("full").blocked_inserts < 1) {
                          absl::SleepFor(absl::Milliseconds(5));
                        }
                        Say("stopper: both wait in the node; stopping");
                        lp::Stop();
                      },
                      replay),
                  "stopper");
  return lp::LaunchAndWait(std::move(program));
}

int Colocation() {
  const std::string dir = absl::GetFlag(FLAGS_dir);
  lp::Program program("replay_colocation");
  lp::ReplayNode node({TableConfig{.name = "t", .max_size = 100, .seed = 1}},
                      {.checkpoint_dir = dir});
  program.AddNode(lp::MultiProcessingColocation({node}, /*num_retries_on_failure=*/1), "pack");
  lp::ReplayHandle replay = program.HandleOf(node);
  program.AddNode(
      lp::FunctionNode(
          [dir](lp::ReplayClient replay) {
            for (uint64_t key = 1; key <= 10; ++key) {
              replay.Insert(lp::Tensor(std::vector<float>(256, static_cast<float>(key))),
                            {{"t", 1.0}}, key);
            }
            const std::string path = replay.Checkpoint();
            Say("replay at " + replay.Address());
            Say("checkpointed " + path);
            while (!std::filesystem::exists(dir + "/killed")) absl::SleepFor(absl::Milliseconds(5));
            // The restarted node comes back on the same address; a call sent to the dead
            // one fails (UNAVAILABLE), so ask until the new one answers.
            int64_t size = -1;
            const absl::Time deadline = absl::Now() + absl::Seconds(60);
            while (size < 0) {
              try {
                size = replay.Info("t").size;
              } catch (const lp::ProgramStoppedError&) {
                throw;
              } catch (const lp::RpcError& error) {
                if (absl::Now() > deadline) throw;
                absl::SleepFor(absl::Milliseconds(20));
              }
            }
            std::set<uint64_t> keys;
            // An empty table would make Sample wait (MinSize(1)): only sample what is there.
            const int64_t to_sample = size > 0 ? 100 : 0;
            for (const auto& item : to_sample > 0 ? replay.Sample<lp::Tensor>("t", to_sample)
                                                  : std::vector<lp::ReplaySample<lp::Tensor>>{}) {
              if (item.data.span<float>()[255] != static_cast<float>(item.key)) {
                throw std::runtime_error(absl::StrCat("item ", item.key, " holds other data"));
              }
              keys.insert(item.key);
            }
            Say(absl::StrCat("restored size ", size, " keys ", absl::StrJoin(keys, ",")));
            lp::Stop();
          },
          replay),
      "driver");
  return lp::LaunchAndWait(std::move(program));
}

}  // namespace

int main(int argc, char** argv) {
  lp::ParseFlags(argc, argv);
  const std::string scenario = absl::GetFlag(FLAGS_scenario);
  if (scenario == "blocked") return Blocked();
  if (scenario == "colocation") return Colocation();
  std::cerr << "unknown --scenario=" << scenario << "\n";
  return 2;
}
