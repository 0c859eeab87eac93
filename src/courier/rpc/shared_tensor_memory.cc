#include "src/courier/rpc/shared_tensor_memory.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "src/courier/rpc/message_limits.h"
#include "src/courier/rpc/same_host.h"

namespace lp::rpc {
namespace {

using courier::SerializedObject;

// Every memfd of lp's starts so; the server opens no other.
constexpr char kMemfdPrefix[] = "lp-courier-tensors-";

// Where tensors start in the memory: a cache line apart.
constexpr uint64_t kAlignment = 64;

// Calls each object in `arguments` that holds a tensor (tensor_value or
// shared_tensor_value), however deep in lists and dicts. Protobuf's parser has bounded
// the depth already (and a caller's own arguments are bounded by CheckObject).
void ForEachTensor(courier::CallArguments& arguments,
                   absl::FunctionRef<void(SerializedObject&)> visit) {
  struct Walker {
    absl::FunctionRef<void(SerializedObject&)> visit;
    void Walk(SerializedObject& object) {
      switch (object.payload_case()) {
        case SerializedObject::kTensorValue:
        case SerializedObject::kSharedTensorValue:
          visit(object);
          return;
        case SerializedObject::kListValue:
          for (SerializedObject& item : *object.mutable_list_value()->mutable_items()) Walk(item);
          return;
        case SerializedObject::kDictValue:
          for (SerializedObject& value : *object.mutable_dict_value()->mutable_values()) {
            Walk(value);
          }
          return;
        default:
          return;
      }
    }
  } walker{visit};
  for (SerializedObject& argument : *arguments.mutable_args()) walker.Walk(argument);
  for (auto& [key, value] : *arguments.mutable_kwargs()) walker.Walk(value);
}

std::string Errno(const char* what) { return absl::StrCat(what, ": ", std::strerror(errno)); }

// Why this server cannot read a caller's shared memory: FAILED_PRECONDITION, starting with
// kSharedMemoryUnreadable, by which the caller knows to send its tensors in the request.
absl::Status Unreadable(absl::string_view why) {
  return absl::FailedPreconditionError(absl::StrCat(kSharedMemoryUnreadable, why));
}

// A memfd of this process's pool: its descriptor, its name and how many bytes it holds.
struct Memfd {
  int fd = -1;
  std::string name;
  uint64_t size = 0;
};

// The memfds of calls that ended, for the next ones. Keeps at most kMaxIdle of them and
// kMaxIdleBytes in all: what a caller that sends large tensors in a loop reuses, not more.
//
// Thread safety: thread-safe.
class MemfdPool {
 public:
  static MemfdPool& Get() {
    static MemfdPool* const pool = new MemfdPool;  // never destroyed: calls may end at exit
    return *pool;
  }

  absl::StatusOr<Memfd> Take() {
    {
      std::lock_guard lock(mu_);
      if (!idle_.empty()) {
        Memfd memfd = std::move(idle_.back());
        idle_.pop_back();
        idle_bytes_ -= memfd.size;
        return memfd;
      }
    }
    Memfd memfd;
    memfd.name = absl::StrCat(kMemfdPrefix, getpid(), "-", next_.fetch_add(1));
    memfd.fd = memfd_create(memfd.name.c_str(), MFD_CLOEXEC);
    if (memfd.fd < 0) return absl::UnavailableError(Errno("memfd_create"));
    return memfd;
  }

  void Return(Memfd memfd) {
    {
      std::lock_guard lock(mu_);
      if (idle_.size() < kMaxIdle && idle_bytes_ + memfd.size <= kMaxIdleBytes) {
        idle_bytes_ += memfd.size;
        idle_.push_back(std::move(memfd));
        return;
      }
    }
    close(memfd.fd);
  }

 private:
  // The idle memory counts against the process's memory limit (a Slurm job's --mem, a
  // cgroup's) like any other, so little of it is kept.
  static constexpr size_t kMaxIdle = 2;
  static constexpr uint64_t kMaxIdleBytes = uint64_t{128} << 20;

  std::atomic<uint64_t> next_{0};
  std::mutex mu_;
  std::vector<Memfd> idle_;  // guarded by mu_
  uint64_t idle_bytes_ = 0;  // guarded by mu_
};

// Writes all of `bytes` at `offset` of `fd`.
absl::Status WriteAt(int fd, const std::string& bytes, uint64_t offset) {
  size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t wrote = pwrite(fd, bytes.data() + done, bytes.size() - done,
                                 static_cast<off_t>(offset + done));
    if (wrote < 0 && errno == EINTR) continue;
    if (wrote <= 0) return absl::UnavailableError(Errno("writing a tensor to shared memory"));
    done += static_cast<size_t>(wrote);
  }
  return absl::OkStatus();
}

// A string of `size` zero bytes whose storage, when large, asks the kernel for huge pages
// (MADV_HUGEPAGE; transparent huge pages are "madvise" on Debian). Faulting in 4 KiB pages
// was most of what a 64 MiB tensor cost its receiver: 38-60 ms, against 15 ms with huge
// pages (docs/performance.md, "Tensors between processes of one machine").
std::string ZeroedForReading(uint64_t size) {
  constexpr uintptr_t kHugePage = uintptr_t{2} << 20;
  std::string bytes;
  bytes.reserve(size);  // allocated, not yet touched
  if (size >= 2 * kHugePage) {
    const auto begin = reinterpret_cast<uintptr_t>(bytes.data());
    const uintptr_t first = (begin + kHugePage - 1) & ~(kHugePage - 1);
    const uintptr_t last = (begin + size) & ~(kHugePage - 1);
    // A hint: without huge pages (another kernel setting) the read just costs more.
    if (last > first) (void)madvise(reinterpret_cast<void*>(first), last - first, MADV_HUGEPAGE);
  }
  bytes.resize(size);
  return bytes;
}

// Reads `size` bytes at `offset` of `fd`; fails if the memory ends before.
absl::StatusOr<std::string> ReadAt(int fd, uint64_t offset, uint64_t size) {
  std::string bytes = ZeroedForReading(size);
  size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t read = pread(fd, bytes.data() + done, bytes.size() - done,
                               static_cast<off_t>(offset + done));
    if (read < 0 && errno == EINTR) continue;
    if (read < 0) return Unreadable(Errno("reading the caller's shared memory"));
    if (read == 0) {
      return absl::InvalidArgumentError(
          "the caller's shared memory ended before the tensor did (it shrank during the call)");
    }
    done += static_cast<size_t>(read);
  }
  return bytes;
}

// The caller's memfd that `memory` names, opened for reading, after checking that it is
// the one named (a descriptor number can be reused by another file once closed).
absl::StatusOr<int> OpenCallersMemory(const courier::SharedMemory& memory) {
  if (SameHostIdentity().empty() || memory.host() != SameHostIdentity()) {
    return Unreadable(
        "the request's tensors are in shared memory of another host; send them in the "
        "request (LP_SAME_HOST_TENSORS=0 turns the same-host path off)");
  }
  if (!absl::StartsWith(memory.name(), kMemfdPrefix) || memory.pid() <= 0 || memory.fd() < 0) {
    return absl::InvalidArgumentError(
        "the request names shared memory that is not lp's (courier.SharedMemory)");
  }
  const int fd = open(absl::StrCat("/proc/", memory.pid(), "/fd/", memory.fd()).c_str(),
                      O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    return Unreadable(absl::StrCat(
        Errno("cannot open the caller's shared memory"),
        " (the caller ended, or this process may not read its /proc/<pid>/fd; "
        "LP_SAME_HOST_TENSORS=0 on the caller sends tensors in the request)"));
  }
  char target[256];
  const ssize_t length =
      readlink(absl::StrCat("/proc/self/fd/", fd).c_str(), target, sizeof(target));
  const std::string expected = absl::StrCat("/memfd:", memory.name(), " (deleted)");
  if (length < 0 || std::string_view(target, static_cast<size_t>(length)) != expected) {
    close(fd);
    return Unreadable("the caller's shared memory is gone: its descriptor names another file now");
  }
  return fd;
}

}  // namespace

absl::StatusOr<std::optional<OutgoingSharedTensors>> OutgoingSharedTensors::Move(
    courier::CallArguments& arguments) {
  // Where each large tensor goes; nothing is changed until all are written.
  struct Placed {
    SerializedObject* object;
    uint64_t offset;
  };
  std::vector<Placed> placed;
  uint64_t size = 0;
  ForEachTensor(arguments, [&](SerializedObject& object) {
    if (!object.has_tensor_value()) return;
    const uint64_t bytes = object.tensor_value().tensor_content().size();
    if (bytes < kMinSameHostTensorBytes) return;
    size = (size + kAlignment - 1) / kAlignment * kAlignment;
    placed.push_back({&object, size});
    size += bytes;
  });
  if (placed.empty()) return std::nullopt;

  absl::StatusOr<Memfd> memfd = MemfdPool::Get().Take();
  if (!memfd.ok()) return memfd.status();
  // Exactly this call's size: a larger memfd from an earlier call gives its rest back.
  if (memfd->size != size && ftruncate(memfd->fd, static_cast<off_t>(size)) != 0) {
    const absl::Status failed = absl::UnavailableError(Errno("sizing shared memory"));
    close(memfd->fd);
    return failed;
  }
  memfd->size = size;
  for (const Placed& tensor : placed) {
    if (absl::Status wrote = WriteAt(memfd->fd, tensor.object->tensor_value().tensor_content(),
                                     tensor.offset);
        !wrote.ok()) {
      close(memfd->fd);
      return wrote;
    }
  }
  for (const Placed& tensor : placed) {
    courier::SharedTensor shared;
    tensorflow::TensorProto* tensor_value = tensor.object->mutable_tensor_value();
    shared.set_offset(tensor.offset);
    shared.set_size(tensor_value->tensor_content().size());
    tensor_value->clear_tensor_content();  // frees the bytes: they are in the memfd now
    shared.mutable_header()->Swap(tensor_value);
    *tensor.object->mutable_shared_tensor_value() = std::move(shared);
  }
  courier::SharedMemory descriptor;
  descriptor.set_host(SameHostIdentity());
  descriptor.set_pid(getpid());
  descriptor.set_fd(memfd->fd);
  descriptor.set_name(memfd->name);
  return OutgoingSharedTensors(memfd->fd, size, std::move(descriptor));
}

OutgoingSharedTensors::OutgoingSharedTensors(OutgoingSharedTensors&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)),
      size_(other.size_),
      descriptor_(std::move(other.descriptor_)) {}

OutgoingSharedTensors& OutgoingSharedTensors::operator=(OutgoingSharedTensors&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) close(fd_);
    fd_ = std::exchange(other.fd_, -1);
    size_ = other.size_;
    descriptor_ = std::move(other.descriptor_);
  }
  return *this;
}

OutgoingSharedTensors::~OutgoingSharedTensors() {
  if (fd_ >= 0) close(fd_);
}

void OutgoingSharedTensors::Finish(bool succeeded) {
  if (fd_ < 0) return;
  const int fd = std::exchange(fd_, -1);
  if (!succeeded) {
    close(fd);
    return;
  }
  MemfdPool::Get().Return({.fd = fd, .name = descriptor_.name(), .size = size_});
}

std::optional<OutgoingSharedTensors> SameHostPeer::ShareTensors(courier::CallArguments& args,
                                                                 grpc::ClientContext& context) {
  if (state_.load(std::memory_order_relaxed) != kOffered) return std::nullopt;
  absl::StatusOr<std::optional<OutgoingSharedTensors>> shared = OutgoingSharedTensors::Move(args);
  if (!shared.ok() || !shared->has_value()) return std::nullopt;
  context.AddMetadata(kSharedTensorBytesMetadataKey, std::to_string((*shared)->size()));
  return *std::move(shared);
}

void SameHostPeer::CallEnded(const grpc::ClientContext& context, const grpc::Status& status,
                             size_t request_bytes, std::optional<OutgoingSharedTensors>& shared) {
  if (shared.has_value()) {
    shared->Finish(status.ok());
    if (status.error_code() == grpc::StatusCode::FAILED_PRECONDITION &&
        absl::StartsWith(status.error_message(), kSharedMemoryUnreadable)) {
      state_.store(kNotOffered, std::memory_order_relaxed);
    }
    return;
  }
  if (!status.ok() || request_bytes < kMinSameHostTensorBytes ||
      state_.load(std::memory_order_relaxed) != kUnknown) {
    return;
  }
  const auto& metadata = context.GetServerInitialMetadata();
  auto offer = metadata.find(kSameHostMetadataKey);
  const bool offered =
      offer != metadata.end() &&
      AcceptSameHostOffer(std::string_view(offer->second.data(), offer->second.size()));
  state_.store(offered ? kOffered : kNotOffered, std::memory_order_relaxed);
}

absl::Status ReceiveSharedTensors(const courier::SharedMemory& memory, int max_bytes,
                                  courier::CallArguments& arguments) {
  std::vector<SerializedObject*> shared;
  uint64_t total = 0;
  bool overflow = false;
  ForEachTensor(arguments, [&](SerializedObject& object) {
    if (!object.has_shared_tensor_value()) return;
    shared.push_back(&object);
    const uint64_t size = object.shared_tensor_value().size();
    overflow = overflow || size > static_cast<uint64_t>(kMaxProtobufMessageBytes) ||
               total + size < total;
    total += size;
  });
  if (shared.empty()) return absl::OkStatus();
  if (overflow) total = static_cast<uint64_t>(kMaxProtobufMessageBytes) + 1;
  if (absl::Status size = CheckMessageSize(total, max_bytes, "the request's shared tensors");
      !size.ok()) {
    return size;
  }
  absl::StatusOr<int> fd = OpenCallersMemory(memory);
  if (!fd.ok()) return fd.status();
  struct stat file;
  if (fstat(*fd, &file) != 0) {
    const absl::Status failed = Unreadable(Errno("fstat of shared memory"));
    close(*fd);
    return failed;
  }
  absl::Status status = absl::OkStatus();
  for (SerializedObject* object : shared) {
    courier::SharedTensor& tensor = *object->mutable_shared_tensor_value();
    const uint64_t end = tensor.offset() + tensor.size();
    if (end < tensor.offset() || end > static_cast<uint64_t>(file.st_size)) {
      status = absl::InvalidArgumentError(absl::StrCat(
          "a shared tensor (", tensor.size(), " bytes at ", tensor.offset(),
          ") lies outside the caller's shared memory (", file.st_size, " bytes)"));
      break;
    }
    absl::StatusOr<std::string> bytes = ReadAt(*fd, tensor.offset(), tensor.size());
    if (!bytes.ok()) {
      status = bytes.status();
      break;
    }
    tensorflow::TensorProto header;
    header.Swap(tensor.mutable_header());
    header.mutable_tensor_content()->swap(*bytes);
    object->mutable_tensor_value()->Swap(&header);  // replaces the shared tensor
  }
  close(*fd);
  return status;
}

}  // namespace lp::rpc
