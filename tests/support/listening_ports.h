#ifndef LP_TESTS_SUPPORT_LISTENING_PORTS_H_
#define LP_TESTS_SUPPORT_LISTENING_PORTS_H_

#include <sys/types.h>

#include <set>

namespace lp::testing {

// The TCP ports (IPv4 and IPv6) that process `pid` listens on, read from /proc as
// `ss -ltnp` does: the process's socket inodes matched against the kernel's tables.
std::set<int> ListeningTcpPorts(pid_t pid);

// The remote ports of the TCP connections that process `pid` has established, found the
// same way.
std::multiset<int> ConnectedTcpRemotePorts(pid_t pid);

}  // namespace lp::testing

#endif  // LP_TESTS_SUPPORT_LISTENING_PORTS_H_
