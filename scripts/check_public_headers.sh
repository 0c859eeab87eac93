#!/usr/bin/env bash
# The public boundary (docs/architecture.md, "Layers"): the headers under INCLUDE_DIR
# include nothing of src/ and nothing of gRPC, and <lp/lp.h> compiles with only INCLUDE_DIR
# and the generated protos on the include path. Run by CTest (public_headers) on the
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
if ! g++ -std=c++20 -fsyntax-only -I"$include_dir" -I"$generated" "$tu"; then
  echo "check_public_headers: <lp/lp.h> needs more than $include_dir and $generated" >&2
  status=1
fi
exit $status
