// rl: the shape of a reinforcement-learning system. Actors — some in C++, some in Python
// with numpy — act in an environment with the learner's latest parameters and insert
// what they saw into a prioritized replay table; the learner samples batches from it,
// takes a gradient step, updates the sampled items' priorities and, after --steps steps,
// stops the program.
//
// The "environment" is a noisy linear function y = w*·x + ε and the learner fits w to it
// by prioritized, importance-weighted SGD, so the run ends with a number that says the
// system worked: how close the learned weights came to w*.
//
//   build/examples/rl --lp_launch_type=local_mp     # every node its own process
//   build/examples/rl                               # every node a thread (local_mt)
//   build/examples/rl --lp_launch_type=slurm --actor_hosts=3
//   build/examples/rl --python=/path/to/venv/bin/python   # needs grpcio, protobuf, numpy
//
// The Python actor is build/examples/rl_actor.py (examples/rl/actor.py).

#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <iostream>
#include <map>
#include <mutex>
#include <random>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "lp/lp.h"
#include "lp/replay.h"

ABSL_FLAG(int, steps, 500,
          "Learner steps before the learner stops the program (more, for up to two minutes, "
          "until it has sampled experience from every actor).");
ABSL_FLAG(int, batch_size, 32, "Items per sampled batch.");
ABSL_FLAG(int, dim, 8, "Dimension of the linear function the system learns.");
ABSL_FLAG(int, cpp_actors, 2, "Actors written in C++.");
ABSL_FLAG(int, python_actors, 1, "Actors written in Python (examples/rl/actor.py).");
ABSL_FLAG(std::string, python, "/usr/bin/python3",
          "The Python interpreter of the Python actors: it needs grpcio, protobuf and numpy "
          "(Debian: python3-grpcio python3-protobuf python3-numpy).");
ABSL_FLAG(std::string, actor_script, "",
          "The Python actor's script (default: rl_actor.py next to this binary).");
ABSL_FLAG(int, actor_hosts, 0,
          "slurm: spread the actors over this many machines (0: as Slurm sees fit).");

namespace {

constexpr char kTable[] = "experience";

// The function the environment hides, w*_i = sin(i + 1); actor.py computes the same.
std::vector<float> TrueWeights(int dim) {
  std::vector<float> weights(dim);
  for (int i = 0; i < dim; ++i) weights[i] = static_cast<float>(std::sin(i + 1.0));
  return weights;
}

float Dot(const float* a, const float* b, int dim) {
  float sum = 0;
  for (int i = 0; i < dim; ++i) sum += a[i] * b[i];
  return sum;
}

float Distance(const std::vector<float>& a, const std::vector<float>& b) {
  float sum = 0;
  for (size_t i = 0; i < a.size(); ++i) sum += (a[i] - b[i]) * (a[i] - b[i]);
  return std::sqrt(sum);
}

std::string Hostname() {
  char name[256] = {};
  gethostname(name, sizeof(name) - 1);
  return name;
}

}  // namespace

// One step of experience: an observation x with the reward y the environment gave
// (transition = [x..., y], float32), and who saw it. A Python actor sends the same as a
// dict {"transition": numpy array, "actor": str}.
struct Experience {
  lp::Tensor transition;
  std::string actor;
};
LP_SERIALIZABLE(Experience, transition, actor);

namespace {

// Fits w to the replayed experience; serves its current parameters to the actors.
//
// Thread safety: GetParams runs on Courier's handler threads while Run steps on the
// node's own; mu_ guards the parameters.
class Learner {
 public:
  Learner(lp::ReplayClient replay, int dim, int steps, int batch_size, int actors)
      : replay_(std::move(replay)), dim_(dim), steps_(steps), batch_size_(batch_size),
        actors_(actors), params_(dim, 0.0f) {}

  lp::Tensor GetParams() {
    std::lock_guard<std::mutex> lock(mu_);
    return lp::Tensor(params_);
  }

  void Run() {
    const std::vector<float> truth = TrueWeights(dim_);
    const float start_distance = Distance(Params(), truth);
    std::map<std::string, int64_t> sampled_from;  // Experience::actor -> items sampled
    // An actor that starts late (a Python interpreter on a busy machine) still gets its
    // experience learned from, so every run shows every actor's. The wait is bounded in
    // time, not in steps: a fast learner's extra steps can all pass while an interpreter
    // is still starting.
    const absl::Time coverage_deadline = absl::Now() + absl::Minutes(2);
    auto more_steps = [&](int step) {
      return step <= steps_ || (static_cast<int>(sampled_from.size()) < actors_ &&
                                absl::Now() < coverage_deadline);
    };
    int step = 1;
    for (; more_steps(step); ++step) {
      std::vector<lp::ReplaySample<Experience>> batch =
          replay_.Sample<Experience>(kTable, batch_size_);
      std::map<uint64_t, double> priorities = Learn(batch);
      replay_.UpdatePriorities(kTable, priorities);
      for (const auto& item : batch) {
        ++sampled_from[item.data.actor];
      }
      if (step % std::max(1, steps_ / 5) == 0) {
        const lp::ReplayTableInfo info = replay_.Info(kTable);
        std::cout << absl::StrFormat(
                         "learner: step %d/%d, distance to w* %.4f, table size %d, "
                         "%d inserts, %d samples\n",
                         step, steps_, Distance(Params(), truth), info.size, info.inserts,
                         info.samples)
                  << std::flush;
      }
    }
    std::cout << absl::StrFormat(
                     "learner: done after %d steps on host %s: distance to w* %.4f (from "
                     "%.4f)\n",
                     step - 1, Hostname(), Distance(Params(), truth), start_distance);
    for (const auto& [actor, items] : sampled_from) {
      std::cout << absl::StrFormat("learner: sampled %d items from %s\n", items, actor);
    }
    std::cout << std::flush;
    lp::Stop();
  }

 private:
  std::vector<float> Params() {
    std::lock_guard<std::mutex> lock(mu_);
    return params_;
  }

  // One importance-weighted SGD step on `batch`; returns the items' new priorities, their
  // absolute errors: surprising experience is replayed more often.
  std::map<uint64_t, double> Learn(const std::vector<lp::ReplaySample<Experience>>& batch) {
    constexpr float kLearningRate = 0.05f;
    constexpr double kImportanceExponent = 0.4;  // β of prioritized replay
    std::vector<float> params = Params();
    std::vector<float> gradient(dim_, 0.0f);
    std::map<uint64_t, double> priorities;
    double max_weight = 0;
    std::vector<double> weights;
    for (const auto& item : batch) {
      weights.push_back(std::pow(item.table_size * item.probability, -kImportanceExponent));
      max_weight = std::max(max_weight, weights.back());
    }
    for (size_t n = 0; n < batch.size(); ++n) {
      const float* transition = batch[n].data.transition.data<float>();
      const float error = Dot(params.data(), transition, dim_) - transition[dim_];
      const float weight = static_cast<float>(weights[n] / max_weight);
      for (int i = 0; i < dim_; ++i) gradient[i] += weight * error * transition[i];
      priorities[batch[n].key] = std::abs(error) + 1e-3;
    }
    std::lock_guard<std::mutex> lock(mu_);
    for (int i = 0; i < dim_; ++i) params_[i] -= kLearningRate * gradient[i] / batch.size();
    return priorities;
  }

  lp::ReplayClient replay_;
  const int dim_;
  const int steps_;
  const int batch_size_;
  const int actors_;
  std::mutex mu_;
  std::vector<float> params_;  // guarded by mu_
};
LP_COURIER_METHODS(Learner, GetParams);

// Acts with the learner's latest parameters and inserts what it saw, with its error as
// priority, until the program stops (the learner stops it): then the next call throws
// lp::ProgramStoppedError, which ends the node cleanly.
class Actor {
 public:
  Actor(lp::ReplayClient replay, lp::CourierClient<Learner> learner, int dim, int seed)
      : replay_(std::move(replay)), learner_(std::move(learner)), dim_(dim), random_(seed) {}

  void Run() {
    constexpr int kStepsPerParamsFetch = 10;
    const std::vector<float> truth = TrueWeights(dim_);
    std::normal_distribution<float> normal(0.0f, 1.0f);
    const std::string name =
        absl::StrCat("cpp actor ", lp::CurrentNode()->node.ToString(), " on ", Hostname());
    lp::Tensor params;
    for (int64_t step = 0; !lp::StopToken().stop_requested(); ++step) {
      if (step % kStepsPerParamsFetch == 0) params = learner_.Call(&Learner::GetParams);
      std::vector<float> transition(dim_ + 1);
      for (int i = 0; i < dim_; ++i) transition[i] = normal(random_);
      transition[dim_] = Dot(truth.data(), transition.data(), dim_) + 0.1f * normal(random_);
      const float error =
          Dot(params.data<float>(), transition.data(), dim_) - transition[dim_];
      replay_.Insert(Experience{lp::Tensor(transition), name},
                     {{kTable, std::abs(error) + 1e-3}});
    }
  }

 private:
  lp::ReplayClient replay_;
  lp::CourierClient<Learner> learner_;
  const int dim_;
  std::mt19937 random_;
};

std::string DefaultActorScript() {
  return (std::filesystem::read_symlink("/proc/self/exe").parent_path() / "rl_actor.py")
      .string();
}

lp::Program MakeProgram() {
  const int dim = absl::GetFlag(FLAGS_dim);
  const int batch_size = absl::GetFlag(FLAGS_batch_size);
  lp::Program program("rl");

  // Each item is sampled about 8 times on average; samples wait until 200 items are in,
  // and inserts wait when the actors run more than 2 batches' worth ahead of the learner.
  const double samples_per_insert = 8;
  lp::replay::TableConfig table{
      .name = kTable,
      .max_size = 10000,
      .sampler = lp::replay::Selector::Prioritized(0.6),
      .remover = lp::replay::Selector::Fifo(),
      .rate_limiter = lp::replay::RateLimiterConfig::SampleToInsertRatio(
          samples_per_insert, 200, samples_per_insert * 2 * batch_size)};
  lp::ReplayHandle replay = program.AddNode(lp::ReplayNode({table}), "replay");

  const int cpp_actors = absl::GetFlag(FLAGS_cpp_actors);
  const int python_actors = absl::GetFlag(FLAGS_python_actors);
  lp::CourierHandle<Learner> learner =
      program.AddNode(lp::CourierNode<Learner>(replay, dim, absl::GetFlag(FLAGS_steps),
                                               batch_size, cpp_actors + python_actors),
                      "learner");
  {
    auto group = program.Group("actor");
    for (int i = 0; i < cpp_actors; ++i) {
      program.AddNode(lp::ClassNode<Actor>(replay, learner, dim, /*seed=*/i));
    }
  }
  {
    auto group = program.Group("python_actor");
    std::string script = absl::GetFlag(FLAGS_actor_script);
    if (script.empty()) script = DefaultActorScript();
    for (int i = 0; i < python_actors; ++i) {
      lp::PythonNode actor(script, {{"replay", replay}, {"learner", learner}},
                           {absl::StrCat("--dim=", dim), absl::StrCat("--seed=", 1000 + i)});
      actor.SetInterpreter(absl::GetFlag(FLAGS_python));
      program.AddNode(std::move(actor));
    }
  }
  return program;
}

}  // namespace

int main(int argc, char** argv) {
  lp::ParseFlags(argc, argv);
  lp::LaunchOptions options;
  if (const int hosts = absl::GetFlag(FLAGS_actor_hosts); hosts > 0) {
    options.slurm_resources["actor"] = lp::SlurmConfig{.nodes = hosts};
    options.slurm_resources["python_actor"] = lp::SlurmConfig{.nodes = hosts};
  }
  return lp::LaunchAndWait(MakeProgram(), options);
}
