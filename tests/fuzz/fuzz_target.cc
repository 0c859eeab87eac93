// A libFuzzer target around one check of tests/fuzz: LP_FUZZ_CHECK names it (CheckDecoder
// for decoder_fuzzer, CheckRequest for request_fuzzer, CheckReply for reply_fuzzer; set by
// tests/fuzz/CMakeLists.txt).
// A check that does not hold aborts with what went wrong, which libFuzzer reports as a
// crash and saves the input. Built with -DLP_FUZZ=ON; see scripts/fuzz.sh.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "google/protobuf/stubs/logging.h"
#include "tests/fuzz/decode_checks.h"
#include "tests/fuzz/reply_checks.h"
#include "tests/fuzz/request_checks.h"

#define LP_FUZZ_STRINGIFY(x) LP_FUZZ_STRINGIFY2(x)
#define LP_FUZZ_STRINGIFY2(x) #x

// protobuf logs an ERROR line for every string field with invalid UTF-8 it refuses to
// parse, which is most inputs; the fuzzer's own output is what matters.
extern "C" int LLVMFuzzerInitialize(int* /*argc*/, char*** /*argv*/) {
  google::protobuf::SetLogHandler(nullptr);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string failure = lp::fuzz::LP_FUZZ_CHECK({reinterpret_cast<const char*>(data), size});
  if (!failure.empty()) {
    std::fprintf(stderr, "%s: %s\n", LP_FUZZ_STRINGIFY(LP_FUZZ_CHECK), failure.c_str());
    std::abort();
  }
  return 0;
}
