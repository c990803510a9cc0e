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

class BatchStartCompilesRequest(_message.Message):
    __slots__ = ["requests"]
    REQUESTS_FIELD_NUMBER: _ClassVar[int]
    requests: _containers.RepeatedCompositeFieldContainer[StartCompileRequest]
    def __init__(self, requests: _Optional[_Iterable[_Union[StartCompileRequest, _Mapping]]] = ...) -> None: ...

class BatchStartCompilesResponse(_message.Message):
    __slots__ = ["results"]
    RESULTS_FIELD_NUMBER: _ClassVar[int]
    results: _containers.RepeatedCompositeFieldContainer[BatchStartResult]
    def __init__(self, results: _Optional[_Iterable[_Union[BatchStartResult, _Mapping]]] = ...) -> None: ...

class BatchStartResult(_message.Message):
    __slots__ = ["compile", "status"]
    COMPILE_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    compile: Compile
    status: ItemStatus
    def __init__(self, compile: _Optional[_Union[Compile, _Mapping]] = ..., status: _Optional[_Union[ItemStatus, _Mapping]] = ...) -> None: ...

class Compile(_message.Message):
    __slots__ = ["compile_id", "create_time", "errors", "flow_id", "labels", "name", "revision", "state", "tenant", "update_time", "upstream_status", "warnings"]
    class LabelsEntry(_message.Message):
        __slots__ = ["key", "value"]
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    COMPILE_ID_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    ERRORS_FIELD_NUMBER: _ClassVar[int]
    FLOW_ID_FIELD_NUMBER: _ClassVar[int]
    LABELS_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    REVISION_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    TENANT_FIELD_NUMBER: _ClassVar[int]
    UPDATE_TIME_FIELD_NUMBER: _ClassVar[int]
    UPSTREAM_STATUS_FIELD_NUMBER: _ClassVar[int]
    WARNINGS_FIELD_NUMBER: _ClassVar[int]
    compile_id: str
    create_time: _timestamp_pb2.Timestamp
    errors: _containers.RepeatedCompositeFieldContainer[CompileError]
    flow_id: str
    labels: _containers.ScalarMap[str, str]
    name: str
    revision: int
    state: State
    tenant: str
    update_time: _timestamp_pb2.Timestamp
    upstream_status: str
    warnings: _containers.RepeatedCompositeFieldContainer[CompileError]
    def __init__(self, name: _Optional[str] = ..., flow_id: _Optional[str] = ..., compile_id: _Optional[str] = ..., state: _Optional[_Union[State, str]] = ..., upstream_status: _Optional[str] = ..., errors: _Optional[_Iterable[_Union[CompileError, _Mapping]]] = ..., warnings: _Optional[_Iterable[_Union[CompileError, _Mapping]]] = ..., create_time: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., update_time: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., labels: _Optional[_Mapping[str, str]] = ..., revision: _Optional[int] = ..., tenant: _Optional[str] = ...) -> None: ...

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

class CompileFilter(_message.Message):
    __slots__ = ["create_time_from", "create_time_to", "flow_ids", "label_selector", "states"]
    CREATE_TIME_FROM_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_TO_FIELD_NUMBER: _ClassVar[int]
    FLOW_IDS_FIELD_NUMBER: _ClassVar[int]
    LABEL_SELECTOR_FIELD_NUMBER: _ClassVar[int]
    STATES_FIELD_NUMBER: _ClassVar[int]
    create_time_from: _timestamp_pb2.Timestamp
    create_time_to: _timestamp_pb2.Timestamp
    flow_ids: _containers.RepeatedScalarFieldContainer[str]
    label_selector: str
    states: _containers.RepeatedScalarFieldContainer[State]
    def __init__(self, flow_ids: _Optional[_Iterable[str]] = ..., states: _Optional[_Iterable[_Union[State, str]]] = ..., label_selector: _Optional[str] = ..., create_time_from: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., create_time_to: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class GetCompileRequest(_message.Message):
    __slots__ = ["name"]
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class ItemStatus(_message.Message):
    __slots__ = ["code", "message"]
    CODE_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    code: int
    message: str
    def __init__(self, code: _Optional[int] = ..., message: _Optional[str] = ...) -> None: ...

class ListCompilesRequest(_message.Message):
    __slots__ = ["filter", "page_size", "page_token"]
    FILTER_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    filter: CompileFilter
    page_size: int
    page_token: str
    def __init__(self, filter: _Optional[_Union[CompileFilter, _Mapping]] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListCompilesResponse(_message.Message):
    __slots__ = ["compiles", "next_page_token", "revision"]
    COMPILES_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    REVISION_FIELD_NUMBER: _ClassVar[int]
    compiles: _containers.RepeatedCompositeFieldContainer[Compile]
    next_page_token: str
    revision: int
    def __init__(self, compiles: _Optional[_Iterable[_Union[Compile, _Mapping]]] = ..., next_page_token: _Optional[str] = ..., revision: _Optional[int] = ...) -> None: ...

class LookupCompileRequest(_message.Message):
    __slots__ = ["request_id"]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    def __init__(self, request_id: _Optional[str] = ...) -> None: ...

class SourceLocation(_message.Message):
    __slots__ = ["column", "line"]
    COLUMN_FIELD_NUMBER: _ClassVar[int]
    LINE_FIELD_NUMBER: _ClassVar[int]
    column: int
    line: int
    def __init__(self, line: _Optional[int] = ..., column: _Optional[int] = ...) -> None: ...

class StartCompileRequest(_message.Message):
    __slots__ = ["directives", "flow_id", "labels", "request_id"]
    class LabelsEntry(_message.Message):
        __slots__ = ["key", "value"]
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    DIRECTIVES_FIELD_NUMBER: _ClassVar[int]
    FLOW_ID_FIELD_NUMBER: _ClassVar[int]
    LABELS_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    directives: _struct_pb2.Struct
    flow_id: str
    labels: _containers.ScalarMap[str, str]
    request_id: str
    def __init__(self, flow_id: _Optional[str] = ..., request_id: _Optional[str] = ..., directives: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., labels: _Optional[_Mapping[str, str]] = ...) -> None: ...

class WatchCompileRequest(_message.Message):
    __slots__ = ["after_sequence", "flow_id", "name"]
    AFTER_SEQUENCE_FIELD_NUMBER: _ClassVar[int]
    FLOW_ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    after_sequence: int
    flow_id: str
    name: str
    def __init__(self, name: _Optional[str] = ..., after_sequence: _Optional[int] = ..., flow_id: _Optional[str] = ...) -> None: ...

class WatchCompilesRequest(_message.Message):
    __slots__ = ["after_revision", "filter"]
    AFTER_REVISION_FIELD_NUMBER: _ClassVar[int]
    FILTER_FIELD_NUMBER: _ClassVar[int]
    after_revision: int
    filter: CompileFilter
    def __init__(self, filter: _Optional[_Union[CompileFilter, _Mapping]] = ..., after_revision: _Optional[int] = ...) -> None: ...

class WatchCompilesResponse(_message.Message):
    __slots__ = ["compile", "event", "heartbeat_interval", "resume_after_revision"]
    COMPILE_FIELD_NUMBER: _ClassVar[int]
    EVENT_FIELD_NUMBER: _ClassVar[int]
    HEARTBEAT_INTERVAL_FIELD_NUMBER: _ClassVar[int]
    RESUME_AFTER_REVISION_FIELD_NUMBER: _ClassVar[int]
    compile: Compile
    event: CompileEvent
    heartbeat_interval: _duration_pb2.Duration
    resume_after_revision: int
    def __init__(self, event: _Optional[_Union[CompileEvent, _Mapping]] = ..., compile: _Optional[_Union[Compile, _Mapping]] = ..., resume_after_revision: _Optional[int] = ..., heartbeat_interval: _Optional[_Union[_duration_pb2.Duration, _Mapping]] = ...) -> None: ...

class State(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = []

class EventType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = []

class ErrorCategory(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = []
