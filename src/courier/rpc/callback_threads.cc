#include "src/courier/rpc/callback_threads.h"

#include <pthread.h>

#include <system_error>
#include <thread>
#include <utility>

namespace lp::rpc {

namespace {

thread_local int callback_scope_depth = 0;

}  // namespace

GrpcCallbackScope::GrpcCallbackScope() { ++callback_scope_depth; }

GrpcCallbackScope::~GrpcCallbackScope() { --callback_scope_depth; }

bool OnGrpcCallbackThread() { return callback_scope_depth > 0; }

std::shared_ptr<grpc::Channel> ReleasedOffCallbackThreads(std::shared_ptr<grpc::Channel> channel) {
  grpc::Channel* raw = channel.get();
  // The returned pointer's deleter owns the only reference to the real one, so it runs
  // exactly once, on the thread that dropped the last copy.
  return std::shared_ptr<grpc::Channel>(raw, [owner = std::move(channel)](grpc::Channel*) mutable {
    if (!OnGrpcCallbackThread()) {
      owner.reset();
      return;
    }
    try {
      std::thread([owner = std::move(owner)]() mutable {
        // Not the name of gRPC's thread it was started from, which it would inherit.
        pthread_setname_np(pthread_self(), "lp_channel_end");
        owner.reset();
      }).detach();
    } catch (const std::system_error&) {
      // No thread to be had (the process is at its limit): keeping the channel until exit
      // costs its memory and a connection; destroying it here could abort the process.
      new std::shared_ptr<grpc::Channel>(std::move(owner));
    }
  });
}

}  // namespace lp::rpc
