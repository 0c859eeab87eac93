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
#include "src/courier/serialization/tensor_bytes.h"

namespace lp::rpc {
namespace {

using courier::SerializedObject;

// Every memfd of lp's starts so; the server opens no other.
constexpr char kMemfdPrefix[] = "lp-courier-tensors-";

// Where tensors start in the memory: a cache line apart.
constexpr uint64_t kAlignment = 64;

// Calls each object in `object` that holds a tensor (tensor_value or shared_tensor_value),
// however deep in lists and dicts. Protobuf's parser has bounded the depth already (and a
// caller's own arguments and a method's result are bounded by CheckObject).
void ForEachTensorIn(SerializedObject& object, absl::FunctionRef<void(SerializedObject&)> visit) {
  switch (object.payload_case()) {
    case SerializedObject::kTensorValue:
    case SerializedObject::kSharedTensorValue:
      visit(object);
      return;
    case SerializedObject::kListValue:
      for (SerializedObject& item : *object.mutable_list_value()->mutable_items()) {
        ForEachTensorIn(item, visit);
      }
      return;
    case SerializedObject::kDictValue:
      for (SerializedObject& value : *object.mutable_dict_value()->mutable_values()) {
        ForEachTensorIn(value, visit);
      }
      return;
    default:
      return;
  }
}

// The same for every argument, positional and keyword.
void ForEachTensor(courier::CallArguments& arguments,
                   absl::FunctionRef<void(SerializedObject&)> visit) {
  for (SerializedObject& argument : *arguments.mutable_args()) ForEachTensorIn(argument, visit);
  for (auto& [key, value] : *arguments.mutable_kwargs()) ForEachTensorIn(value, visit);
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

// Where the large tensors of a message go in shared memory: each of at least
// kMinSameHostTensorBytes, a cache line apart, in the order they are offered.
struct Placement {
  struct Placed {
    SerializedObject* object;
    uint64_t offset;
  };
  std::vector<Placed> tensors;
  uint64_t size = 0;  // the memory they need

  void Offer(SerializedObject& object) {
    if (!object.has_tensor_value()) return;
    const uint64_t bytes = object.tensor_value().tensor_content().size();
    if (bytes < kMinSameHostTensorBytes) return;
    size = (size + kAlignment - 1) / kAlignment * kAlignment;
    tensors.push_back({&object, size});
    size += bytes;
  }

  // Writes every placed tensor's bytes into `fd`; nothing in the message changes.
  absl::Status Write(int fd) const {
    for (const Placed& tensor : tensors) {
      if (absl::Status wrote =
              WriteAt(fd, tensor.object->tensor_value().tensor_content(), tensor.offset);
          !wrote.ok()) {
        return wrote;
      }
    }
    return absl::OkStatus();
  }

  // Once written: replaces each placed tensor by a SharedTensor, freeing its bytes.
  void ReplaceBySharedTensors() const {
    for (const Placed& tensor : tensors) {
      courier::SharedTensor shared;
      tensorflow::TensorProto* tensor_value = tensor.object->mutable_tensor_value();
      shared.set_offset(tensor.offset);
      shared.set_size(tensor_value->tensor_content().size());
      // The bytes are in the memfd now: their storage goes back for reuse (protobuf's
      // clear_tensor_content() would keep it until the message is freed).
      internal::RecycleBytes(std::move(*tensor_value->mutable_tensor_content()));
      shared.mutable_header()->Swap(tensor_value);
      *tensor.object->mutable_shared_tensor_value() = std::move(shared);
    }
  }
};

// Reads `size` bytes at `offset` of `fd`. Errors: UNAVAILABLE when the read fails,
// `short_code` when the memory ends before (`memory` says whose it is).
absl::StatusOr<std::string> ReadAt(int fd, uint64_t offset, uint64_t size,
                                   absl::StatusCode short_code, absl::string_view memory) {
  // Huge pages: faulting in 4 KiB pages was most of what a 64 MiB tensor cost its
  // receiver, 38-60 ms against 15 ms (docs/performance.md).
  std::string bytes = internal::ZeroedBytes(size);
  size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t read = pread(fd, bytes.data() + done, bytes.size() - done,
                               static_cast<off_t>(offset + done));
    if (read < 0 && errno == EINTR) continue;
    if (read < 0) return absl::UnavailableError(Errno(absl::StrCat("reading ", memory).c_str()));
    if (read == 0) {
      return absl::Status(short_code, absl::StrCat(memory, " ended before the tensor did (it "
                                                           "shrank during the call)"));
    }
    done += static_cast<size_t>(read);
  }
  return bytes;
}

// The SharedTensors among `objects` (as ForEachTensor finds them) and the bytes they add
// up to: more than kMaxProtobufMessageBytes when that overflows.
struct SharedTensors {
  std::vector<SerializedObject*> objects;
  uint64_t total = 0;
  bool overflow = false;

  void Offer(SerializedObject& object) {
    if (!object.has_shared_tensor_value()) return;
    objects.push_back(&object);
    const uint64_t size = object.shared_tensor_value().size();
    overflow = overflow || size > static_cast<uint64_t>(kMaxProtobufMessageBytes) ||
               total + size < total;
    total += size;
  }

  // CheckMessageSize of the total against `max_bytes`; `what` names them.
  absl::Status CheckSize(int max_bytes, absl::string_view what) const {
    return CheckMessageSize(
        overflow ? static_cast<uint64_t>(kMaxProtobufMessageBytes) + 1 : total, max_bytes,
        [what] { return std::string(what); });
  }

  // Replaces each by the tensor it names in `fd` (`memory` says whose memory it is, for
  // errors). A tensor outside the memory fails with `outside_code`, as does a memory
  // that ends early; one that cannot be read with UNAVAILABLE. On an error, the objects
  // before the failed one hold their tensors, the others are unchanged.
  absl::Status Read(int fd, absl::StatusCode outside_code, absl::string_view memory) const {
    struct stat file;
    if (fstat(fd, &file) != 0) {
      return absl::UnavailableError(Errno(absl::StrCat("fstat of ", memory).c_str()));
    }
    for (SerializedObject* object : objects) {
      courier::SharedTensor& tensor = *object->mutable_shared_tensor_value();
      const uint64_t end = tensor.offset() + tensor.size();
      if (end < tensor.offset() || end > static_cast<uint64_t>(file.st_size)) {
        return absl::Status(outside_code,
                            absl::StrCat("a shared tensor (", tensor.size(), " bytes at ",
                                         tensor.offset(), ") lies outside ", memory, " (",
                                         file.st_size, " bytes)"));
      }
      absl::StatusOr<std::string> bytes =
          ReadAt(fd, tensor.offset(), tensor.size(), outside_code, memory);
      if (!bytes.ok()) return bytes.status();
      tensorflow::TensorProto header;
      header.Swap(tensor.mutable_header());
      header.mutable_tensor_content()->swap(*bytes);
      object->mutable_tensor_value()->Swap(&header);  // replaces the shared tensor
    }
    return absl::OkStatus();
  }
};

// The caller's memfd that `memory` names, opened with `flags` (O_RDONLY to read
// arguments, O_RDWR to write a result), after checking that it is the one named (a
// descriptor number can be reused by another file once closed).
absl::StatusOr<int> OpenCallersMemory(const courier::SharedMemory& memory, int flags) {
  if (SameHostIdentity().empty() || memory.host() != SameHostIdentity()) {
    return Unreadable(
        "the request names shared memory of another host; send tensors in the request "
        "(LP_SAME_HOST_TENSORS=0 turns the same-host path off)");
  }
  if (!absl::StartsWith(memory.name(), kMemfdPrefix) || memory.pid() <= 0 || memory.fd() < 0) {
    return absl::InvalidArgumentError(
        "the request names shared memory that is not lp's (courier.SharedMemory)");
  }
  const int fd = open(absl::StrCat("/proc/", memory.pid(), "/fd/", memory.fd()).c_str(),
                      flags | O_CLOEXEC);
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

absl::StatusOr<std::optional<CallSharedMemory>> CallSharedMemory::MoveArguments(
    courier::CallArguments& arguments) {
  // Where each large tensor goes; nothing is changed until all are written.
  Placement placement;
  ForEachTensor(arguments, [&](SerializedObject& object) { placement.Offer(object); });
  if (placement.tensors.empty()) return std::nullopt;

  absl::StatusOr<Memfd> memfd = MemfdPool::Get().Take();
  if (!memfd.ok()) return memfd.status();
  // Exactly this call's size: a larger memfd from an earlier call gives its rest back.
  if (memfd->size != placement.size &&
      ftruncate(memfd->fd, static_cast<off_t>(placement.size)) != 0) {
    const absl::Status failed = absl::UnavailableError(Errno("sizing shared memory"));
    close(memfd->fd);
    return failed;
  }
  memfd->size = placement.size;
  if (absl::Status wrote = placement.Write(memfd->fd); !wrote.ok()) {
    close(memfd->fd);
    return wrote;
  }
  placement.ReplaceBySharedTensors();
  return Holding(memfd->fd, memfd->name, memfd->size);
}

CallSharedMemory CallSharedMemory::Holding(int fd, const std::string& name, uint64_t size) {
  courier::SharedMemory descriptor;
  descriptor.set_host(SameHostIdentity());
  descriptor.set_pid(getpid());
  descriptor.set_fd(fd);
  descriptor.set_name(name);
  return CallSharedMemory(fd, size, std::move(descriptor));
}

absl::StatusOr<CallSharedMemory> CallSharedMemory::LendForResult() {
  absl::StatusOr<Memfd> memfd = MemfdPool::Get().Take();
  if (!memfd.ok()) return memfd.status();
  return Holding(memfd->fd, memfd->name, memfd->size);
}

CallSharedMemory::CallSharedMemory(CallSharedMemory&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)),
      size_(other.size_),
      descriptor_(std::move(other.descriptor_)) {}

CallSharedMemory& CallSharedMemory::operator=(CallSharedMemory&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) close(fd_);
    fd_ = std::exchange(other.fd_, -1);
    size_ = other.size_;
    descriptor_ = std::move(other.descriptor_);
  }
  return *this;
}

CallSharedMemory::~CallSharedMemory() {
  if (fd_ >= 0) close(fd_);
}

absl::StatusOr<int> CallSharedMemory::ReceiveResult(courier::SerializedObject& result,
                                                    int max_bytes) {
  SharedTensors shared;
  ForEachTensorIn(result, [&](SerializedObject& object) { shared.Offer(object); });
  // The server sized the memory: what the pool keeps is what it holds now.
  struct stat file;
  if (fd_ >= 0 && fstat(fd_, &file) == 0) size_ = static_cast<uint64_t>(file.st_size);
  if (shared.objects.empty()) return 0;
  if (fd_ < 0) return absl::InternalError("the result's shared memory was already given back");
  if (absl::Status size = shared.CheckSize(max_bytes, "the result's shared tensors");
      !size.ok()) {
    return size;
  }
  if (absl::Status read = shared.Read(fd_, absl::StatusCode::kInternal,
                                      "the memory lent for the result");
      !read.ok()) {
    return read;
  }
  return static_cast<int>(shared.objects.size());
}

void CallSharedMemory::Finish(bool succeeded) {
  if (fd_ < 0) return;
  const int fd = std::exchange(fd_, -1);
  if (!succeeded) {
    close(fd);
    return;
  }
  MemfdPool::Get().Return({.fd = fd, .name = descriptor_.name(), .size = size_});
}

std::optional<CallSharedMemory> SameHostPeer::ShareTensors(courier::CallArguments& args,
                                                            grpc::ClientContext& context) {
  if (state_.load(std::memory_order_relaxed) != kOffered) return std::nullopt;
  absl::StatusOr<std::optional<CallSharedMemory>> shared = CallSharedMemory::MoveArguments(args);
  if (!shared.ok() || !shared->has_value()) return std::nullopt;
  context.AddMetadata(kSharedTensorBytesMetadataKey, std::to_string((*shared)->size()));
  return *std::move(shared);
}

std::optional<CallSharedMemory> SameHostPeer::LendForResult(std::string_view method) {
  if (state_.load(std::memory_order_relaxed) != kOffered) return std::nullopt;
  {
    std::lock_guard lock(lending_mu_);
    auto it = lend_for_.find(absl::string_view(method.data(), method.size()));
    if (it == lend_for_.end() || !it->second) return std::nullopt;
  }
  absl::StatusOr<CallSharedMemory> lent = CallSharedMemory::LendForResult();
  if (!lent.ok()) return std::nullopt;
  return *std::move(lent);
}

void SameHostPeer::CallEnded(const grpc::ClientContext& context, const grpc::Status& status,
                             size_t request_bytes, size_t reply_bytes,
                             std::optional<CallSharedMemory>& shared) {
  if (shared.has_value()) {
    shared->Finish(status.ok());
    if (status.error_code() == grpc::StatusCode::FAILED_PRECONDITION &&
        absl::StartsWith(status.error_message(), kSharedMemoryUnreadable)) {
      state_.store(kNotOffered, std::memory_order_relaxed);
    }
    return;
  }
  if (!status.ok() ||
      (request_bytes < kMinSameHostTensorBytes && reply_bytes < kMinSameHostTensorBytes) ||
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

absl::StatusOr<courier::SerializedObject> SameHostPeer::ResultArrived(
    std::string_view method, size_t reply_bytes, std::optional<CallSharedMemory>& lent,
    absl::StatusOr<courier::SerializedObject> result, int max_receive_bytes) {
  const bool large_reply = reply_bytes >= kMinSameHostTensorBytes;
  if (!lent.has_value()) {
    if (!result.ok()) return result;
    // A result with large bytes that came through the socket: lend memory for the next
    // one, unless that was tried and the server did not use it.
    if (large_reply && state_.load(std::memory_order_relaxed) == kOffered) {
      std::lock_guard lock(lending_mu_);
      lend_for_.try_emplace(std::string(method), true);
    }
    // A result that names shared memory although none was lent: the server's fault.
    SharedTensors shared;
    ForEachTensorIn(*result, [&](SerializedObject& object) { shared.Offer(object); });
    if (!shared.objects.empty()) {
      return absl::InternalError(
          "the Courier server's result names shared memory, but the call lent it none");
    }
    return result;
  }
  if (!result.ok()) {
    lent->Finish(false);
    return result;
  }
  absl::StatusOr<int> received = lent->ReceiveResult(*result, max_receive_bytes);
  lent->Finish(received.ok());
  if (!received.ok()) return received.status();
  if (*received == 0) {
    // Unused: the result was small this time (lend again once it is large), or large but
    // not in tensors the server could write there (never again).
    std::lock_guard lock(lending_mu_);
    if (large_reply) {
      lend_for_[std::string(method)] = false;
    } else {
      lend_for_.erase(absl::string_view(method.data(), method.size()));
    }
  }
  return result;
}

absl::Status ReceiveSharedTensors(const courier::SharedMemory& memory, int max_bytes,
                                  courier::CallArguments& arguments) {
  SharedTensors shared;
  ForEachTensor(arguments, [&](SerializedObject& object) { shared.Offer(object); });
  if (shared.objects.empty()) return absl::OkStatus();
  if (absl::Status size = shared.CheckSize(max_bytes, "the request's shared tensors");
      !size.ok()) {
    return size;
  }
  absl::StatusOr<int> fd = OpenCallersMemory(memory, O_RDONLY);
  if (!fd.ok()) return fd.status();
  absl::Status status =
      shared.Read(*fd, absl::StatusCode::kInvalidArgument, "the caller's shared memory");
  close(*fd);
  // The caller learns from this code that it should send its tensors in the request.
  if (status.code() == absl::StatusCode::kUnavailable) return Unreadable(status.message());
  return status;
}

absl::StatusOr<uint64_t> ShareResultTensors(const courier::SharedMemory& lent,
                                            courier::SerializedObject& result) {
  Placement placement;
  ForEachTensorIn(result, [&](SerializedObject& object) { placement.Offer(object); });
  if (placement.tensors.empty()) return 0;
  absl::StatusOr<int> fd = OpenCallersMemory(lent, O_RDWR);
  if (!fd.ok()) return fd.status();
  absl::Status status = absl::OkStatus();
  struct stat file;
  if (fstat(*fd, &file) != 0) {
    status = absl::UnavailableError(Errno("fstat of the memory lent for the result"));
  } else if (static_cast<uint64_t>(file.st_size) < placement.size &&
             ftruncate(*fd, static_cast<off_t>(placement.size)) != 0) {
    // Grown, never shrunk: the caller's pool keeps its pages for the next call.
    status = absl::UnavailableError(Errno("sizing the memory lent for the result"));
  }
  if (status.ok()) status = placement.Write(*fd);
  close(*fd);
  if (!status.ok()) return status;
  placement.ReplaceBySharedTensors();
  return placement.size;
}

}  // namespace lp::rpc
