from google.protobuf import duration_pb2 as _duration_pb2
from google.protobuf import struct_pb2 as _struct_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Iterable as _Iterable, Mapping as _Mapping, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor
ERROR_CATEGORY_REFERENCE: ErrorCategory
ERROR_CATEGORY_SYNTAX: ErrorCategory
ERROR_CATEGORY_UNKNOWN: ErrorCategory
ERROR_CATEGORY_UNSPECIFIED: ErrorCategory
ERROR_CATEGORY_VALIDATION: ErrorCategory
EVENT_TYPE_HEARTBEAT: EventType
EVENT_TYPE_SNAPSHOT: EventType
EVENT_TYPE_STATE_CHANGED: EventType
EVENT_TYPE_STUCK: EventType
EVENT_TYPE_SYNCED: EventType
EVENT_TYPE_THROTTLED: EventType
EVENT_TYPE_UNSPECIFIED: EventType
EVENT_TYPE_UPSTREAM_ANOMALY: EventType
STATE_COMPLETED: State
STATE_FAILED: State
STATE_IN_PROGRESS: State
STATE_QUEUED: State
STATE_TIMED_OUT: State
STATE_UNSPECIFIED: State

class Compile(_message.Message):
    __slots__ = ["compile_id", "create_time", "errors", "flow_id", "name", "revision", "state", "update_time", "upstream_status", "warnings"]
    COMPILE_ID_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    ERRORS_FIELD_NUMBER: _ClassVar[int]
    FLOW_ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    REVISION_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    UPDATE_TIME_FIELD_NUMBER: _ClassVar[int]
    UPSTREAM_STATUS_FIELD_NUMBER: _ClassVar[int]
    WARNINGS_FIELD_NUMBER: _ClassVar[int]
    compile_id: str
    create_time: _timestamp_pb2.Timestamp
    errors: _containers.RepeatedCompositeFieldContainer[CompileError]
    flow_id: str
    name: str
    revision: int
    state: State
    update_time: _timestamp_pb2.Timestamp
    upstream_status: str
    warnings: _containers.RepeatedCompositeFieldContainer[CompileError]
    def __init__(self, name: _Optional[str] = ..., flow_id: _Optional[str] = ..., compile_id: _Optional[str] = ..., state: _Optional[_Union[State, str]] = ..., upstream_status: _Optional[str] = ..., errors: _Optional[_Iterable[_Union[CompileError, _Mapping]]] = ..., warnings: _Optional[_Iterable[_Union[CompileError, _Mapping]]] = ..., create_time: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., update_time: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., revision: _Optional[int] = ...) -> None: ...

class CompileError(_message.Message):
    __slots__ = ["category", "code", "location", "message"]
    CATEGORY_FIELD_NUMBER: _ClassVar[int]
    CODE_FIELD_NUMBER: _ClassVar[int]
    LOCATION_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    category: ErrorCategory
    code: str
    location: SourceLocation
    message: str
    def __init__(self, category: _Optional[_Union[ErrorCategory, str]] = ..., code: _Optional[str] = ..., message: _Optional[str] = ..., location: _Optional[_Union[SourceLocation, _Mapping]] = ...) -> None: ...

class CompileEvent(_message.Message):
    __slots__ = ["detail", "errors", "heartbeat_interval", "name", "previous_state", "resume_after_sequence", "revision", "sequence", "state", "throttled_until", "time", "type", "upstream_status", "warnings"]
    DETAIL_FIELD_NUMBER: _ClassVar[int]
    ERRORS_FIELD_NUMBER: _ClassVar[int]
    HEARTBEAT_INTERVAL_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    PREVIOUS_STATE_FIELD_NUMBER: _ClassVar[int]
    RESUME_AFTER_SEQUENCE_FIELD_NUMBER: _ClassVar[int]
    REVISION_FIELD_NUMBER: _ClassVar[int]
    SEQUENCE_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    THROTTLED_UNTIL_FIELD_NUMBER: _ClassVar[int]
    TIME_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    UPSTREAM_STATUS_FIELD_NUMBER: _ClassVar[int]
    WARNINGS_FIELD_NUMBER: _ClassVar[int]
    detail: str
    errors: _containers.RepeatedCompositeFieldContainer[CompileError]
    heartbeat_interval: _duration_pb2.Duration
    name: str
    previous_state: State
    resume_after_sequence: int
    revision: int
    sequence: int
    state: State
    throttled_until: _timestamp_pb2.Timestamp
    time: _timestamp_pb2.Timestamp
    type: EventType
    upstream_status: str
    warnings: _containers.RepeatedCompositeFieldContainer[CompileError]
    def __init__(self, sequence: _Optional[int] = ..., type: _Optional[_Union[EventType, str]] = ..., state: _Optional[_Union[State, str]] = ..., previous_state: _Optional[_Union[State, str]] = ..., errors: _Optional[_Iterable[_Union[CompileError, _Mapping]]] = ..., warnings: _Optional[_Iterable[_Union[CompileError, _Mapping]]] = ..., time: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., name: _Optional[str] = ..., upstream_status: _Optional[str] = ..., detail: _Optional[str] = ..., throttled_until: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., resume_after_sequence: _Optional[int] = ..., heartbeat_interval: _Optional[_Union[_duration_pb2.Duration, _Mapping]] = ..., revision: _Optional[int] = ...) -> None: ...

class GetCompileRequest(_message.Message):
    __slots__ = ["name"]
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class SourceLocation(_message.Message):
    __slots__ = ["column", "line"]
    COLUMN_FIELD_NUMBER: _ClassVar[int]
    LINE_FIELD_NUMBER: _ClassVar[int]
    column: int
    line: int
    def __init__(self, line: _Optional[int] = ..., column: _Optional[int] = ...) -> None: ...

class StartCompileRequest(_message.Message):
    __slots__ = ["directives", "flow_id", "request_id"]
    DIRECTIVES_FIELD_NUMBER: _ClassVar[int]
    FLOW_ID_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    directives: _struct_pb2.Struct
    flow_id: str
    request_id: str
    def __init__(self, flow_id: _Optional[str] = ..., request_id: _Optional[str] = ..., directives: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ...) -> None: ...

class WatchCompileRequest(_message.Message):
    __slots__ = ["after_sequence", "flow_id", "name"]
    AFTER_SEQUENCE_FIELD_NUMBER: _ClassVar[int]
    FLOW_ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    after_sequence: int
    flow_id: str
    name: str
    def __init__(self, name: _Optional[str] = ..., after_sequence: _Optional[int] = ..., flow_id: _Optional[str] = ...) -> None: ...

class State(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = []

class EventType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = []

class ErrorCategory(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = []
