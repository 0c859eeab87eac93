#!/usr/bin/env bash
# The public boundary (docs/architecture.md, "The public boundary"): the headers under
# INCLUDE_DIR include nothing of src/ and nothing of gRPC; <lp/lp.h> compiles with only
# INCLUDE_DIR on the include path (no protobuf: lp/internal/serialization/wire.h), and
# every public header compiles on its own with INCLUDE_DIR and the generated protos. Run by CTest (public_headers) on the
# source tree; the packaging tests run it on the installed tree.
#
#   scripts/check_public_headers.sh INCLUDE_DIR GENERATED_PROTO_DIR
set -euo pipefail
include_dir=$1
generated=$2
status=0
if grep -rnE '#include[[:space:]]*[<"](src/|grpcpp/|grpc/)|\.grpc\.pb\.h' "$include_dir/lp"; then
  echo "check_public_headers: the lines above include src/ or gRPC from a public header" >&2
  status=1
fi
tu=$(mktemp --suffix=.cc)
trap 'rm -f "$tu"' EXIT
printf '#include <lp/lp.h>\nint main() { return 0; }\n' > "$tu"
if ! g++ -std=c++20 -fsyntax-only -I"$include_dir" "$tu"; then
  echo "check_public_headers: <lp/lp.h> needs more than $include_dir (the generated protos?)" >&2
  status=1
fi
for header in "$include_dir"/lp/*.h; do
  printf '#include <lp/%s>\n' "$(basename "$header")" > "$tu"
  if ! g++ -std=c++20 -fsyntax-only -I"$include_dir" -I"$generated" "$tu"; then
    echo "check_public_headers: <lp/$(basename "$header")> does not compile on its own" >&2
    status=1
  fi
done
exit $status
