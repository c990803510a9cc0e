package client

import (
	"context"

	"google.golang.org/protobuf/proto"
)

// StartAndWait starts a compile of flowID (as Start, with its options) and
// follows it (as Watch) until its terminal state, and returns the compile
// as it then is: the result of the trigger with the terminal event's
// state, upstream status, errors, warnings and time.
//
// The wait is bounded by ctx alone: give it a deadline
// (context.WithTimeout); when it expires the error is DEADLINE_EXCEEDED.
// Use WithRequestID so that a retried StartAndWait (this process's or
// another's) attaches to the same compile.
func (c *Client) StartAndWait(ctx context.Context, flowID string, opts ...StartOption) (*Compile, error) {
	compile, err := c.Start(ctx, flowID, opts...)
	if err != nil {
		return nil, err
	}
	if IsTerminal(compile.GetState()) {
		return compile, nil
	}
	w := c.Watch(ctx, compile.GetName())
	defer w.Close()
	var last *Event
	for w.Next() {
		last = w.Event()
	}
	if err := w.Err(); err != nil {
		return nil, err
	}
	result := proto.Clone(compile).(*Compile)
	if last != nil {
		result.State = last.GetState()
		result.UpstreamStatus = last.GetUpstreamStatus()
		result.Errors = last.GetErrors()
		result.Warnings = last.GetWarnings()
		if last.GetTime() != nil {
			result.UpdateTime = last.GetTime()
		}
		result.Revision = last.GetRevision()
	}
	return result, nil
}
