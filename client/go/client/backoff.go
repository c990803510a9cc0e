package client

import (
	"context"
	"math/rand"
	"sync"
	"time"
)

// backoff draws delays between retries with "full jitter": retry n waits a
// uniform draw from [0, min(max, initial * 2^n)], so that the many clients
// one gateway restart disconnects spread out instead of returning together.
// The same policy as the C++ CLI's (common/backoff.h).
//
// Safe for concurrent use.
type backoff struct {
	initial time.Duration
	max     time.Duration

	mu     sync.Mutex
	random *rand.Rand
}

func newBackoff(initial, max time.Duration, seed int64) *backoff {
	return &backoff{initial: initial, max: max, random: rand.New(rand.NewSource(seed))}
}

// ceiling is the bound the delay before retry n (0 for the first) is
// drawn below.
func (b *backoff) ceiling(n int) time.Duration {
	c := b.initial
	for i := 0; i < n && c < b.max; i++ {
		c *= 2
	}
	if c > b.max {
		c = b.max
	}
	return c
}

// delay is the delay before retry n.
func (b *backoff) delay(n int) time.Duration {
	c := b.ceiling(n)
	if c <= 0 {
		return 0
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	return time.Duration(b.random.Int63n(int64(c) + 1))
}

// sleep waits d or until ctx is done; false when ctx ended it.
func sleep(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return ctx.Err() == nil
	}
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-timer.C:
		return true
	case <-ctx.Done():
		return false
	}
}
