from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Iterable as _Iterable, Mapping as _Mapping, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class DeadLetter(_message.Message):
    __slots__ = ["attempts", "compile", "create_time", "dead_time", "endpoint", "last_error", "sequence", "webhook_id"]
    ATTEMPTS_FIELD_NUMBER: _ClassVar[int]
    COMPILE_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    DEAD_TIME_FIELD_NUMBER: _ClassVar[int]
    ENDPOINT_FIELD_NUMBER: _ClassVar[int]
    LAST_ERROR_FIELD_NUMBER: _ClassVar[int]
    SEQUENCE_FIELD_NUMBER: _ClassVar[int]
    WEBHOOK_ID_FIELD_NUMBER: _ClassVar[int]
    attempts: int
    compile: str
    create_time: _timestamp_pb2.Timestamp
    dead_time: _timestamp_pb2.Timestamp
    endpoint: str
    last_error: str
    sequence: int
    webhook_id: str
    def __init__(self, endpoint: _Optional[str] = ..., compile: _Optional[str] = ..., sequence: _Optional[int] = ..., webhook_id: _Optional[str] = ..., attempts: _Optional[int] = ..., last_error: _Optional[str] = ..., dead_time: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., create_time: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class DeadLetterSelector(_message.Message):
    __slots__ = ["compile", "end_time", "endpoint", "sequence", "start_time"]
    COMPILE_FIELD_NUMBER: _ClassVar[int]
    ENDPOINT_FIELD_NUMBER: _ClassVar[int]
    END_TIME_FIELD_NUMBER: _ClassVar[int]
    SEQUENCE_FIELD_NUMBER: _ClassVar[int]
    START_TIME_FIELD_NUMBER: _ClassVar[int]
    compile: str
    end_time: _timestamp_pb2.Timestamp
    endpoint: str
    sequence: int
    start_time: _timestamp_pb2.Timestamp
    def __init__(self, endpoint: _Optional[str] = ..., compile: _Optional[str] = ..., sequence: _Optional[int] = ..., start_time: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., end_time: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ListDeadLettersRequest(_message.Message):
    __slots__ = ["page_size", "selector"]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    SELECTOR_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    selector: DeadLetterSelector
    def __init__(self, selector: _Optional[_Union[DeadLetterSelector, _Mapping]] = ..., page_size: _Optional[int] = ...) -> None: ...

class ListDeadLettersResponse(_message.Message):
    __slots__ = ["dead_letters"]
    DEAD_LETTERS_FIELD_NUMBER: _ClassVar[int]
    dead_letters: _containers.RepeatedCompositeFieldContainer[DeadLetter]
    def __init__(self, dead_letters: _Optional[_Iterable[_Union[DeadLetter, _Mapping]]] = ...) -> None: ...

class ReplayDeadLettersRequest(_message.Message):
    __slots__ = ["selector"]
    SELECTOR_FIELD_NUMBER: _ClassVar[int]
    selector: DeadLetterSelector
    def __init__(self, selector: _Optional[_Union[DeadLetterSelector, _Mapping]] = ...) -> None: ...

class ReplayDeadLettersResponse(_message.Message):
    __slots__ = ["replayed"]
    REPLAYED_FIELD_NUMBER: _ClassVar[int]
    replayed: int
    def __init__(self, replayed: _Optional[int] = ...) -> None: ...
