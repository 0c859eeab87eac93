"""The Courier wire messages (proto/courier/courier.proto, proto/tensorflow/tensor.proto)
as Python classes, built at import from descriptors written out below.

Why not protoc's generated modules: they need a build step before the package can be
used from the source tree, and they register "courier/courier.proto" in protobuf's
default pool, where a second definition of the same file (DeepMind's Courier, a test's
own protoc output) in the same process is an error. These descriptors live in a private
pool instead. python/tests/protos_test.py checks them field by field against what protoc
makes of proto/, so the two cannot drift apart.
"""

from google.protobuf import descriptor_pb2
from google.protobuf import descriptor_pool
from google.protobuf import message_factory

_F = descriptor_pb2.FieldDescriptorProto


def _field(name, number, kind, *, repeated=False, type_name=None, oneof=None, packed=None):
    field = _F(name=name, number=number, type=kind,
               label=_F.LABEL_REPEATED if repeated else _F.LABEL_OPTIONAL)
    if type_name is not None:
        field.type_name = type_name
    if oneof is not None:
        field.oneof_index = oneof
    if packed is not None:
        field.options.packed = packed
    return field


def _message(name, *fields, nested=(), oneofs=(), map_entry=False):
    message = descriptor_pb2.DescriptorProto(name=name)
    message.field.extend(fields)
    message.nested_type.extend(nested)
    for oneof in oneofs:
        message.oneof_decl.add(name=oneof)
    if map_entry:
        message.options.map_entry = True
    return message


def _tensor_file():
    f = descriptor_pb2.FileDescriptorProto(name="tensorflow/tensor.proto", package="tensorflow",
                                           syntax="proto3")
    data_type = f.enum_type.add(name="DataType")
    for name, number in (("DT_INVALID", 0), ("DT_FLOAT", 1), ("DT_DOUBLE", 2), ("DT_INT32", 3),
                         ("DT_UINT8", 4), ("DT_INT16", 5), ("DT_INT8", 6), ("DT_STRING", 7),
                         ("DT_INT64", 9), ("DT_BOOL", 10), ("DT_BFLOAT16", 14),
                         ("DT_UINT16", 17), ("DT_HALF", 19), ("DT_UINT32", 22),
                         ("DT_UINT64", 23)):
        data_type.value.add(name=name, number=number)
    dim = _message("Dim", _field("size", 1, _F.TYPE_INT64), _field("name", 2, _F.TYPE_STRING))
    f.message_type.append(_message(
        "TensorShapeProto",
        _field("dim", 2, _F.TYPE_MESSAGE, repeated=True,
               type_name=".tensorflow.TensorShapeProto.Dim"),
        nested=[dim]))
    f.message_type.append(_message(
        "TensorProto",
        _field("dtype", 1, _F.TYPE_ENUM, type_name=".tensorflow.DataType"),
        _field("tensor_shape", 2, _F.TYPE_MESSAGE, type_name=".tensorflow.TensorShapeProto"),
        _field("version_number", 3, _F.TYPE_INT32),
        _field("tensor_content", 4, _F.TYPE_BYTES),
        _field("half_val", 13, _F.TYPE_INT32, repeated=True, packed=True),
        _field("float_val", 5, _F.TYPE_FLOAT, repeated=True, packed=True),
        _field("double_val", 6, _F.TYPE_DOUBLE, repeated=True, packed=True),
        _field("int_val", 7, _F.TYPE_INT32, repeated=True, packed=True),
        _field("string_val", 8, _F.TYPE_BYTES, repeated=True),
        _field("int64_val", 10, _F.TYPE_INT64, repeated=True, packed=True),
        _field("bool_val", 11, _F.TYPE_BOOL, repeated=True, packed=True),
        _field("uint32_val", 16, _F.TYPE_UINT32, repeated=True, packed=True),
        _field("uint64_val", 17, _F.TYPE_UINT64, repeated=True, packed=True)))
    return f


def _courier_file():
    f = descriptor_pb2.FileDescriptorProto(name="courier/courier.proto", package="courier",
                                           syntax="proto3",
                                           dependency=["tensorflow/tensor.proto"])
    obj = ".courier.SerializedObject"
    f.message_type.append(_message(
        "SerializedList",
        _field("items", 1, _F.TYPE_MESSAGE, repeated=True, type_name=obj),
        _field("is_tuple", 2, _F.TYPE_BOOL)))
    f.message_type.append(_message(
        "SerializedDict",
        _field("keys", 1, _F.TYPE_MESSAGE, repeated=True, type_name=obj),
        _field("values", 2, _F.TYPE_MESSAGE, repeated=True, type_name=obj)))
    f.message_type.append(_message(
        "SerializedObject",
        _field("int_value", 1, _F.TYPE_INT64, oneof=0),
        _field("double_value", 2, _F.TYPE_DOUBLE, oneof=0),
        _field("bool_value", 3, _F.TYPE_BOOL, oneof=0),
        _field("string_value", 4, _F.TYPE_BYTES, oneof=0),
        _field("list_value", 5, _F.TYPE_MESSAGE, type_name=".courier.SerializedList", oneof=0),
        _field("dict_value", 6, _F.TYPE_MESSAGE, type_name=".courier.SerializedDict", oneof=0),
        _field("none_value", 8, _F.TYPE_BOOL, oneof=0),
        _field("tensor_value", 9, _F.TYPE_MESSAGE, type_name=".tensorflow.TensorProto",
               oneof=0),
        _field("unicode_value", 13, _F.TYPE_BYTES, oneof=0),
        _field("shared_tensor_value", 100, _F.TYPE_MESSAGE, type_name=".courier.SharedTensor",
               oneof=0),
        oneofs=["payload"]))
    f.message_type.append(_message(
        "SharedTensor",
        _field("header", 1, _F.TYPE_MESSAGE, type_name=".tensorflow.TensorProto"),
        _field("offset", 2, _F.TYPE_UINT64),
        _field("size", 3, _F.TYPE_UINT64)))
    f.message_type.append(_message(
        "SharedMemory", _field("host", 1, _F.TYPE_BYTES), _field("pid", 2, _F.TYPE_INT32),
        _field("fd", 3, _F.TYPE_INT32), _field("name", 4, _F.TYPE_BYTES)))
    kwargs_entry = _message("KwargsEntry", _field("key", 1, _F.TYPE_STRING),
                            _field("value", 2, _F.TYPE_MESSAGE, type_name=obj), map_entry=True)
    f.message_type.append(_message(
        "CallArguments",
        _field("args", 1, _F.TYPE_MESSAGE, repeated=True, type_name=obj),
        _field("kwargs", 2, _F.TYPE_MESSAGE, repeated=True,
               type_name=".courier.CallArguments.KwargsEntry"),
        nested=[kwargs_entry]))
    f.message_type.append(_message("CallResult", _field("result", 1, _F.TYPE_MESSAGE,
                                                        type_name=obj)))
    f.message_type.append(_message(
        "CallRequest", _field("method", 1, _F.TYPE_STRING),
        _field("arguments", 2, _F.TYPE_MESSAGE, type_name=".courier.CallArguments"),
        _field("shared_memory", 3, _F.TYPE_MESSAGE, type_name=".courier.SharedMemory"),
        _field("result_memory", 4, _F.TYPE_MESSAGE, type_name=".courier.SharedMemory")))
    f.message_type.append(_message("CallResponse", _field("result", 2, _F.TYPE_MESSAGE,
                                                          type_name=".courier.CallResult")))
    f.message_type.append(_message("ListMethodsRequest"))
    f.message_type.append(_message("ListMethodsResponse", _field("methods", 1, _F.TYPE_STRING,
                                                                 repeated=True)))
    service = f.service.add(name="CourierService")
    for name, request, response in (("Call", "CallRequest", "CallResponse"),
                                    ("ListMethods", "ListMethodsRequest",
                                     "ListMethodsResponse")):
        method = service.method.add(name=name, input_type=".courier." + request,
                                    output_type=".courier." + response)
        method.options.SetInParent()  # the proto's `{}`: empty options, present
    return f


# What python/tests/protos_test.py compares with protoc's output.
FILE_DESCRIPTORS = (_tensor_file(), _courier_file())

_POOL = descriptor_pool.DescriptorPool()
for _file in FILE_DESCRIPTORS:
    _POOL.Add(_file)


if hasattr(message_factory, "GetMessageClass"):  # protobuf >= 4.22 (Python)
    _get_class = message_factory.GetMessageClass
else:  # Debian 12's: one factory, so that a field's class is the class exported here
    _get_class = message_factory.MessageFactory(_POOL).GetPrototype


def _class(full_name):
    return _get_class(_POOL.FindMessageTypeByName(full_name))


TensorShapeProto = _class("tensorflow.TensorShapeProto")
TensorProto = _class("tensorflow.TensorProto")
SerializedList = _class("courier.SerializedList")
SerializedDict = _class("courier.SerializedDict")
SerializedObject = _class("courier.SerializedObject")
CallArguments = _class("courier.CallArguments")
CallResult = _class("courier.CallResult")
CallRequest = _class("courier.CallRequest")
CallResponse = _class("courier.CallResponse")
ListMethodsRequest = _class("courier.ListMethodsRequest")
ListMethodsResponse = _class("courier.ListMethodsResponse")

# tensorflow.DataType, name -> number.
DATA_TYPES = {value.name: value.number
              for value in _POOL.FindEnumTypeByName("tensorflow.DataType").values}

# The gRPC method paths of CourierService.
CALL_METHOD = "/courier.CourierService/Call"
LIST_METHODS_METHOD = "/courier.CourierService/ListMethods"
