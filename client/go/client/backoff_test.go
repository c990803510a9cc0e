package client

import (
	"testing"
	"time"
)

func TestBackoffCeilingDoublesUpToTheCap(t *testing.T) {
	b := newBackoff(200*time.Millisecond, time.Second, 1)
	want := []time.Duration{200 * time.Millisecond, 400 * time.Millisecond, 800 * time.Millisecond,
		time.Second, time.Second}
	for n, w := range want {
		if got := b.ceiling(n); got != w {
			t.Errorf("ceiling(%d) = %v, want %v", n, got, w)
		}
	}
	if got := b.ceiling(1000); got != time.Second {
		t.Errorf("ceiling(1000) = %v, want the cap", got)
	}
}

func TestBackoffDelaysAreJitteredBelowTheCeiling(t *testing.T) {
	b := newBackoff(100*time.Millisecond, 10*time.Second, 7)
	distinct := map[time.Duration]bool{}
	for i := 0; i < 200; i++ {
		d := b.delay(3)
		if d < 0 || d > b.ceiling(3) {
			t.Fatalf("delay %v outside [0, %v]", d, b.ceiling(3))
		}
		distinct[d] = true
	}
	if len(distinct) < 100 {
		t.Errorf("%d distinct delays in 200 draws: not jittered", len(distinct))
	}
	// The same seed draws the same delays.
	x, y := newBackoff(time.Millisecond, time.Second, 42), newBackoff(time.Millisecond, time.Second, 42)
	for i := 0; i < 10; i++ {
		if dx, dy := x.delay(i), y.delay(i); dx != dy {
			t.Fatalf("draw %d: %v and %v from the same seed", i, dx, dy)
		}
	}
}
