#ifndef LP_TESTS_SUPPORT_RECORDING_PROXY_H_
#define LP_TESTS_SUPPORT_RECORDING_PROXY_H_

#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace lp::testing {

// A TCP forwarder on 127.0.0.1 that passes every connection on to `target_port` and keeps
// a copy of every byte it passed, both ways: what anyone on the path would see. Tests use
// it to check what travels in clear.
//
// Thread safety: Seen() may be called from any thread while connections run.
class RecordingProxy {
 public:
  explicit RecordingProxy(int target_port);
  // Closes the listener and every connection, and joins its threads.
  ~RecordingProxy();

  RecordingProxy(const RecordingProxy&) = delete;
  RecordingProxy& operator=(const RecordingProxy&) = delete;

  // Where to connect instead of the target (0 if the listener could not be opened).
  int port() const { return port_; }

  // Every byte forwarded so far, in either direction.
  std::string Seen() const;

 private:
  void Accept();
  void Pump(int from, int to);

  const int target_port_;
  int listener_ = -1;
  int port_ = 0;
  mutable std::mutex mu_;
  std::string seen_;                 // guarded by mu_
  std::vector<int> sockets_;         // guarded by mu_
  std::vector<std::thread> pumps_;   // guarded by mu_
  bool closing_ = false;             // guarded by mu_
  std::thread acceptor_;
};

}  // namespace lp::testing

#endif  // LP_TESTS_SUPPORT_RECORDING_PROXY_H_
