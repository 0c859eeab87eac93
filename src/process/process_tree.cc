#include "src/process/process_tree.h"

#include <dirent.h>
#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <set>
#include <string>

namespace lp::internal {
namespace {

// The parent pid from /proc/<pid>/stat, or -1 when the process is gone. The command
// name (field 2) may contain spaces and parentheses, so parse after the last ')'.
pid_t ParentOf(pid_t pid) {
  char path[64];
  std::snprintf(path, sizeof(path), "/proc/%d/stat", pid);
  FILE* file = std::fopen(path, "re");
  if (file == nullptr) return -1;
  char buffer[1024];
  const size_t n = std::fread(buffer, 1, sizeof(buffer) - 1, file);
  std::fclose(file);
  buffer[n] = '\0';
  const char* after_name = std::strrchr(buffer, ')');
  if (after_name == nullptr) return -1;
  char state = 0;
  int parent = -1;
  if (std::sscanf(after_name + 1, " %c %d", &state, &parent) != 2) return -1;
  return parent;
}

// Every process's children, from one scan of /proc.
std::map<pid_t, std::vector<pid_t>> ChildrenByParent() {
  std::map<pid_t, std::vector<pid_t>> children;
  DIR* proc = opendir("/proc");
  if (proc == nullptr) return children;
  while (const dirent* entry = readdir(proc)) {
    char* end = nullptr;
    const long pid = std::strtol(entry->d_name, &end, 10);
    if (end == entry->d_name || *end != '\0') continue;  // not a process directory
    const pid_t parent = ParentOf(static_cast<pid_t>(pid));
    if (parent > 0) children[parent].push_back(static_cast<pid_t>(pid));
  }
  closedir(proc);
  return children;
}

void AddDescendants(const std::map<pid_t, std::vector<pid_t>>& children, pid_t pid,
                    std::set<pid_t>& found) {
  std::vector<pid_t> to_visit = {pid};
  while (!to_visit.empty()) {
    const pid_t parent = to_visit.back();
    to_visit.pop_back();
    const auto it = children.find(parent);
    if (it == children.end()) continue;
    for (pid_t child : it->second) {
      if (found.insert(child).second) to_visit.push_back(child);
    }
  }
}

bool IsTerminationRequest(int signal) {
  return signal == SIGTERM || signal == SIGINT || signal == SIGQUIT || signal == SIGHUP;
}

void SignalAll(const std::set<pid_t>& pids, int signal) {
  for (pid_t pid : pids) kill(pid, signal);
}

}  // namespace

std::vector<pid_t> Descendants(pid_t pid) {
  std::set<pid_t> found;
  AddDescendants(ChildrenByParent(), pid, found);
  found.erase(pid);
  return std::vector<pid_t>(found.begin(), found.end());
}

void KillProcessTree(pid_t pid, int signal) { KillProcessTrees({pid}, signal); }

void KillProcessTrees(const std::vector<pid_t>& roots, int signal) {
  std::set<pid_t> tree;
  for (pid_t root : roots) {
    if (root > 0) tree.insert(root);
  }
  if (tree.empty()) return;
  const std::set<pid_t> root_set = tree;
  {
    const std::map<pid_t, std::vector<pid_t>> children = ChildrenByParent();
    for (pid_t root : root_set) AddDescendants(children, root, tree);
  }
  if (signal == SIGKILL) {
    // Freeze, then look again: stopped processes cannot fork, so once a scan finds
    // nothing new the set is complete. Bounded, in case of a pathological fork storm.
    for (int round = 0; round < 10; ++round) {
      SignalAll(tree, SIGSTOP);
      const size_t before = tree.size();
      const std::map<pid_t, std::vector<pid_t>> children = ChildrenByParent();
      for (pid_t member : std::set<pid_t>(tree)) AddDescendants(children, member, tree);
      if (tree.size() == before) break;
    }
  }
  const pid_t own_group = getpgrp();
  for (pid_t root : root_set) {
    const pid_t group = getpgid(root);
    if (group == root && group != own_group) kill(-group, signal);
  }
  SignalAll(tree, signal);
  // A stopped process (Ctrl+Z, a debugger) acts on a termination request only once
  // continued.
  if (IsTerminationRequest(signal)) SignalAll(tree, SIGCONT);
}

}  // namespace lp::internal
