#!/usr/bin/python3
"""launchpad_cpp's hand-written wire descriptors equal what protoc makes of proto/.

  PYTHONPATH=python /usr/bin/python3 tests/python/protos_test.py --protoc=$(which protoc) \\
      --proto_dir=proto
"""

import argparse
import difflib
import subprocess
import sys
import tempfile
import unittest

from google.protobuf import descriptor_pb2

from launchpad_cpp import _protos

PARSER = argparse.ArgumentParser()
PARSER.add_argument("--protoc", default="protoc")
PARSER.add_argument("--proto_dir", required=True)
ARGS, REST = PARSER.parse_known_args()


def strip(messages):
    """json_name is derived from the name (protoc writes it out, the pool derives it)."""
    for message in messages:
        for field in message.field:
            field.ClearField("json_name")
        strip(message.nested_type)


class DescriptorsMatchProtoc(unittest.TestCase):
    def test_every_file_equals_protocs(self):
        with tempfile.NamedTemporaryFile(suffix=".pb") as out:
            subprocess.run([ARGS.protoc, "--proto_path=.",
                            f"--descriptor_set_out={out.name}", "courier/courier.proto",
                            "tensorflow/tensor.proto"], check=True, cwd=ARGS.proto_dir)
            protoc = descriptor_pb2.FileDescriptorSet.FromString(out.read())
        ours = {f.name: f for f in _protos.FILE_DESCRIPTORS}
        self.assertEqual(sorted(ours), sorted(f.name for f in protoc.file))
        for expected in protoc.file:
            strip(expected.message_type)
            got = ours[expected.name]
            if got != expected:
                diff = "\n".join(difflib.unified_diff(
                    str(expected).splitlines(), str(got).splitlines(), "protoc", "launchpad_cpp",
                    lineterm=""))
                self.fail(f"{expected.name} differs from proto/:\n{diff}")

    def test_a_fields_class_is_the_exported_class(self):
        request = _protos.CallRequest()
        self.assertIs(type(request.arguments.args.add()), _protos.SerializedObject)
        self.assertIs(type(request.arguments.args.add().tensor_value), _protos.TensorProto)

    def test_messages_serialize_as_the_protos_say(self):
        # A field number or type that drifted would change these bytes.
        request = _protos.CallRequest(method="Add")
        request.arguments.args.add().int_value = 1
        request.arguments.kwargs["b"].unicode_value = b"x"
        self.assertEqual(request.SerializeToString(),
                         b"\n\x03Add\x12\x0e\n\x02\x08\x01\x12\x08\n\x01b\x12\x03j\x01x")


if __name__ == "__main__":
    unittest.main(argv=[sys.argv[0], *REST])
