// bench_launch_grpc_child: the gRPC baselines of bench_launch. A raw gRPC server, gRPC's
// callback API and nothing of lp, on 127.0.0.1:0, with one generic method that answers
// every call with one byte. Once it serves, it writes "<port>\n" to the descriptor named
// by argv[1] (a pipe to its parent); then it serves until SIGTERM ends it (the default
// action), as the tiny baseline's child waits.
//
//   bench_launch_grpc_child FD            one server
//   bench_launch_grpc_child FD --fork=N   a template that forks N servers before any gRPC
//                                         thread exists (as lp's fork server forks its
//                                         workers), and on SIGTERM ends and reaps them
//
// What it measures beside lp: the start of a process that serves gRPC, the part of a
// worker's start that is gRPC's own (its initialisation, a server, one call answered),
// without lp's coordinator or handles.

#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <vector>

#include <grpcpp/generic/async_generic_service.h>
#include <grpcpp/grpcpp.h>

namespace {

// Reads the call's one message, answers it and finishes.
class AnswerOnce : public grpc::ServerGenericBidiReactor {
 public:
  AnswerOnce() {
    const grpc::Slice byte("p", 1);
    answer_ = grpc::ByteBuffer(&byte, 1);
    StartRead(&request_);
  }

  void OnReadDone(bool ok) override {
    if (!ok) {
      Finish(grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "no request"));
      return;
    }
    StartWriteAndFinish(&answer_, grpc::WriteOptions(), grpc::Status::OK);
  }
  void OnDone() override { delete this; }

 private:
  grpc::ByteBuffer request_;
  grpc::ByteBuffer answer_;
};

class Answerer : public grpc::CallbackGenericService {
  grpc::ServerGenericBidiReactor* CreateReactor(grpc::GenericCallbackServerContext*) override {
    return new AnswerOnce;
  }
};

// Serves until SIGTERM (the default action ends the process).
[[noreturn]] void Serve(int report_fd) {
  Answerer answerer;
  int port = 0;
  grpc::ServerBuilder builder;
  builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
  builder.RegisterCallbackGenericService(&answerer);
  const std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (server == nullptr || port == 0) _exit(3);
  char line[16];
  const int n = std::snprintf(line, sizeof(line), "%d\n", port);
  // One write of a few bytes to a pipe is atomic: lines of several children never mix.
  if (write(report_fd, line, static_cast<size_t>(n)) != n) _exit(7);
  close(report_fd);
  server->Wait();
  _exit(0);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) return 2;
  const int report_fd = std::atoi(argv[1]);
  if (argc < 3 || std::strncmp(argv[2], "--fork=", 7) != 0) Serve(report_fd);

  // The template. SIGTERM stays blocked here, for sigwait; each server unblocks it.
  const int copies = std::atoi(argv[2] + 7);
  sigset_t term, before;
  sigemptyset(&term);
  sigaddset(&term, SIGTERM);
  sigprocmask(SIG_BLOCK, &term, &before);
  std::vector<pid_t> servers;
  for (int i = 0; i < copies; ++i) {
    const pid_t pid = fork();
    if (pid < 0) return 4;
    if (pid == 0) {
      prctl(PR_SET_PDEATHSIG, SIGKILL);  // not left behind by a template that was killed
      sigprocmask(SIG_SETMASK, &before, nullptr);
      Serve(report_fd);
    }
    servers.push_back(pid);
  }
  close(report_fd);
  int signal = 0;
  sigwait(&term, &signal);
  for (const pid_t pid : servers) kill(pid, SIGTERM);
  for (const pid_t pid : servers) {
    while (waitpid(pid, nullptr, 0) < 0 && errno == EINTR) {
    }
  }
  return 0;
}
