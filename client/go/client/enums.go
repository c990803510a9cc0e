package client

import "github.com/cxone-compile-gateway/client/go/compilev1"

// The API's messages, under names that read well from this package. They
// are the generated types themselves (aliases), so they mix freely with
// code that uses compilev1 directly.
type (
	// Compile is one compilation of a flow: flows/{flow_id}/compiles/{compile_id}.
	Compile = compilev1.Compile
	// Event is one message of a watch: a logged event or a marker.
	Event = compilev1.CompileEvent
	// Diagnostic is one problem CXone found in a flow (an error or a
	// warning), with its location.
	Diagnostic = compilev1.CompileError
	// SourceLocation is a 1-based line and column in the flow's source.
	SourceLocation = compilev1.SourceLocation
	// Page is one page of a list (ListPage): its compiles, newest first,
	// the token of the next page ("" on the last) and the collection
	// revision it reflects.
	Page = compilev1.ListCompilesResponse
	// Change is one message of a WatchCompiles: an event with the compile
	// as that event's commit left it, or a marker (no compile).
	Change = compilev1.WatchCompilesResponse
	// State is the state of a compile.
	State = compilev1.State
	// EventType says what an Event reports.
	EventType = compilev1.EventType
	// ErrorCategory is the class of a Diagnostic.
	ErrorCategory = compilev1.ErrorCategory
)

// States, without the proto's STATE_ prefix.
const (
	StateUnspecified = compilev1.State_STATE_UNSPECIFIED
	StateQueued      = compilev1.State_STATE_QUEUED
	StateInProgress  = compilev1.State_STATE_IN_PROGRESS
	StateCompleted   = compilev1.State_STATE_COMPLETED
	StateFailed      = compilev1.State_STATE_FAILED
	StateTimedOut    = compilev1.State_STATE_TIMED_OUT
)

// Event types, without the proto's EVENT_TYPE_ prefix.
const (
	EventUnspecified     = compilev1.EventType_EVENT_TYPE_UNSPECIFIED
	EventSnapshot        = compilev1.EventType_EVENT_TYPE_SNAPSHOT
	EventStateChanged    = compilev1.EventType_EVENT_TYPE_STATE_CHANGED
	EventStuck           = compilev1.EventType_EVENT_TYPE_STUCK
	EventUpstreamAnomaly = compilev1.EventType_EVENT_TYPE_UPSTREAM_ANOMALY
	EventThrottled       = compilev1.EventType_EVENT_TYPE_THROTTLED
	EventSynced          = compilev1.EventType_EVENT_TYPE_SYNCED
	EventHeartbeat       = compilev1.EventType_EVENT_TYPE_HEARTBEAT
)

// Error categories, without the proto's ERROR_CATEGORY_ prefix.
const (
	CategoryUnspecified = compilev1.ErrorCategory_ERROR_CATEGORY_UNSPECIFIED
	CategorySyntax      = compilev1.ErrorCategory_ERROR_CATEGORY_SYNTAX
	CategoryValidation  = compilev1.ErrorCategory_ERROR_CATEGORY_VALIDATION
	CategoryReference   = compilev1.ErrorCategory_ERROR_CATEGORY_REFERENCE
	CategoryUnknown     = compilev1.ErrorCategory_ERROR_CATEGORY_UNKNOWN
)

// IsTerminal reports whether s never changes again (COMPLETED, FAILED,
// TIMED_OUT).
func IsTerminal(s State) bool {
	return s == StateCompleted || s == StateFailed || s == StateTimedOut
}

// IsMarker reports whether t is a marker (SYNCED, HEARTBEAT): a message
// about the stream, not a logged event of the compile (its sequence is 0).
func IsMarker(t EventType) bool {
	return t == EventSynced || t == EventHeartbeat
}
