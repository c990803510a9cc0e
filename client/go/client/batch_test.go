package client_test

import (
	"errors"
	"fmt"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/cxone-compile-gateway/client/go/client"
	"github.com/cxone-compile-gateway/client/go/internal/gatewaytest"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

const (
	badLabelItem = 5
	badFlowItem  = 12
)

// twentyItems: 20 keyed items of distinct flows; badLabelItem has a label
// and badFlowItem a flow ID the gateway refuses (the client does not check
// their syntax, so both reach the gateway and come back as those items'
// statuses).
func twentyItems(prefix string) []client.BatchItem {
	items := make([]client.BatchItem, 20)
	for i := range items {
		items[i] = client.BatchItem{
			FlowID: fmt.Sprintf("%s-flow-%d", prefix, i),
			Options: []client.StartOption{
				client.WithRequestID(fmt.Sprintf("%s-%d", prefix, i)),
				client.WithLabels(map[string]string{"suite": prefix, "item": fmt.Sprint(i)}),
			},
		}
	}
	items[badLabelItem].Options = []client.StartOption{
		client.WithRequestID(fmt.Sprintf("%s-%d", prefix, badLabelItem)),
		client.WithLabels(map[string]string{"bad key!": "x"}),
	}
	items[badFlowItem] = client.BatchItem{
		FlowID:  "bad/flow",
		Options: []client.StartOption{client.WithRequestID(fmt.Sprintf("%s-%d", prefix, badFlowItem))},
	}
	return items
}

func checkBatchResults(t *testing.T, prefix string, items []client.BatchItem, results []client.BatchResult) {
	t.Helper()
	if len(results) != len(items) {
		t.Fatalf("%d results for %d items", len(results), len(items))
	}
	for i, r := range results {
		if (r.Compile == nil) == (r.Err == nil) {
			t.Fatalf("item %d: Compile %v, Err %v; want exactly one", i, r.Compile, r.Err)
		}
		if i == badLabelItem || i == badFlowItem {
			if status.Code(r.Err) != codes.InvalidArgument {
				t.Errorf("item %d: %v; want INVALID_ARGUMENT", i, r.Err)
			}
			var e *client.Error
			if !errors.As(r.Err, &e) || e.Op != "BatchStartCompiles" ||
				e.Target != fmt.Sprintf("items[%d] %s", i, items[i].FlowID) {
				t.Errorf("item %d: error %#v; want an *Error naming BatchStartCompiles and the item", i, r.Err)
			}
			continue
		}
		if r.Compile.GetFlowId() != items[i].FlowID {
			t.Errorf("item %d: compile of flow %q; want %q", i, r.Compile.GetFlowId(), items[i].FlowID)
		}
		want := map[string]string{"suite": prefix, "item": fmt.Sprint(i)}
		if !sameLabels(r.Compile.GetLabels(), want) {
			t.Errorf("item %d: labels %v; want %v", i, r.Compile.GetLabels(), want)
		}
	}
	if msg := status.Convert(results[badLabelItem].Err).Message(); !strings.Contains(msg, "bad key!") {
		t.Errorf("the bad label's error %q does not name it", msg)
	}
	if msg := status.Convert(results[badFlowItem].Err).Message(); !strings.Contains(msg, "flow_id") {
		t.Errorf("the bad flow ID's error %q does not name flow_id", msg)
	}
}

func TestBatchStartAnswersPerItemInOrderAndARetryReturnsTheSameCompiles(t *testing.T) {
	g := gatewaytest.Start(t, gatewaytest.Options{})
	c := dial(t, g.Addr())
	ctx := timeout(t, 60*time.Second)
	items := twentyItems("go-batch")

	first, err := c.BatchStart(ctx, items)
	if err != nil {
		t.Fatal(err)
	}
	checkBatchResults(t, "go-batch", items, first)

	again, err := c.BatchStart(ctx, items)
	if err != nil {
		t.Fatal(err)
	}
	checkBatchResults(t, "go-batch", items, again)
	for i := range items {
		if first[i].Compile != nil && again[i].Compile.GetName() != first[i].Compile.GetName() {
			t.Errorf("item %d: the retry returned %s; the first call %s", i,
				again[i].Compile.GetName(), first[i].Compile.GetName())
		}
	}

	// Each good item is one compile, found by its key; CXone was triggered
	// once per flow, the retry included.
	for i, item := range items {
		key := fmt.Sprintf("go-batch-%d", i)
		found, err := c.Lookup(ctx, key)
		if i == badLabelItem || i == badFlowItem {
			if status.Code(err) != codes.NotFound {
				t.Errorf("Lookup %s of a refused item: %v, %v; want NOT_FOUND", key, found, err)
			}
			continue
		}
		if err != nil || found.GetName() != first[i].Compile.GetName() {
			t.Errorf("Lookup %s: %v, %v; want %s", key, found, err, first[i].Compile.GetName())
		}
		if started := g.SimCompilesOf(item.FlowID); len(started) != 1 {
			t.Errorf("CXone started %d compiles of %s; want 1", len(started), item.FlowID)
		}
	}
	if listed := listAll(t, c.List(ctx, client.Filter{LabelSelector: "suite=go-batch"})); len(listed) != 18 {
		t.Errorf("List found %d compiles of the batch; want 18", len(listed))
	}
}

func TestBatchStartOfNoItemsOrOverAThousandIsTheCallsInvalidArgument(t *testing.T) {
	g := gatewaytest.Start(t, gatewaytest.Options{})
	c := dial(t, g.Addr())
	ctx := timeout(t, 60*time.Second)

	results, err := c.BatchStart(ctx, nil)
	if status.Code(err) != codes.InvalidArgument || !strings.Contains(err.Error(), "0 items") || results != nil {
		t.Errorf("BatchStart of no items: %v, %v; want the call's INVALID_ARGUMENT saying 0 items", results, err)
	}
	tooMany := make([]client.BatchItem, 1001)
	for i := range tooMany {
		tooMany[i] = client.BatchItem{FlowID: fmt.Sprintf("go-many-%d", i)}
	}
	results, err = c.BatchStart(ctx, tooMany)
	if status.Code(err) != codes.InvalidArgument || !strings.Contains(err.Error(), "1001 items") || results != nil {
		t.Errorf("BatchStart of 1001 items: %v; want the call's INVALID_ARGUMENT saying 1001 items", err)
	}
	if started := g.SimCompilesOf("go-many-0"); len(started) != 0 {
		t.Errorf("CXone started %d compiles of a refused batch; want 0", len(started))
	}
}

func TestBatchStartRefusesAnItemStartWouldRefuseNamingItsIndexAndSendsNothing(t *testing.T) {
	g := gatewaytest.Start(t, gatewaytest.Options{})
	c := dial(t, g.Addr())
	ctx := timeout(t, 60*time.Second)

	items := []client.BatchItem{
		{FlowID: "go-typed-a"},
		{FlowID: "go-typed-b", Options: []client.StartOption{
			client.WithDirectives(map[string]any{"hook": func() {}})}},
	}
	results, err := c.BatchStart(ctx, items)
	var e *client.Error
	if status.Code(err) != codes.InvalidArgument || !errors.As(err, &e) ||
		e.Target != "items[1] go-typed-b" || !strings.Contains(e.Message(), "directives") || results != nil {
		t.Errorf("BatchStart with bad directives: %v, %v; want INVALID_ARGUMENT naming items[1]", results, err)
	}
	if started := g.SimCompilesOf("go-typed-a"); len(started) != 0 {
		t.Errorf("CXone started %d compiles of a refused batch; want 0", len(started))
	}
}

func TestBatchStartFailsAsACallWhenTheGatewayCannotBeReached(t *testing.T) {
	g := gatewaytest.Start(t, gatewaytest.Options{})
	c := dial(t, g.Addr())
	g.Stop(syscall.SIGKILL)
	ctx := timeout(t, 30*time.Second)

	results, err := c.BatchStart(ctx, []client.BatchItem{
		{FlowID: "main-menu", Options: []client.StartOption{client.WithRequestID("go-batch-down")}}})
	if status.Code(err) != codes.Unavailable || results != nil {
		t.Errorf("BatchStart with the gateway down: %v, %v; want the call's UNAVAILABLE", results, err)
	}
}
