package ingestion

import (
	"testing"
	"time"
)

type fakeClock struct{ t time.Time }

func (c *fakeClock) now() time.Time          { return c.t }
func (c *fakeClock) advance(d time.Duration) { c.t = c.t.Add(d) }

// TestQueueRate: one call per interval per account; accounts do not share.
func TestQueueRate(t *testing.T) {
	c := &fakeClock{t: time.Unix(1000, 0)}
	q := NewQueue(10*time.Second, c.now)
	if w := q.Ask("acct1", "a"); w != 0 {
		t.Fatalf("first ask waits %s", w)
	}
	if w := q.Ask("acct1", "b"); w != 10*time.Second {
		t.Fatalf("second ask in the same account waits %s, want 10s", w)
	}
	if w := q.Ask("acct2", "c"); w != 0 {
		t.Fatalf("another account waits %s", w)
	}
	c.advance(10 * time.Second)
	if w := q.Ask("acct1", "b"); w != 0 {
		t.Fatalf("b waits %s after the interval", w)
	}
}

// TestQueueFair: a KnowledgeBase that asks again after its call goes behind
// those already waiting, so a busy one cannot starve the others.
func TestQueueFair(t *testing.T) {
	c := &fakeClock{t: time.Unix(1000, 0)}
	q := NewQueue(time.Second, c.now)
	var order []string
	waiting := []string{"busy", "b", "c"}
	for _, k := range waiting {
		q.Ask("acct", k)
	}
	order = append(order, "busy") // it got the first slot
	for i := 0; i < 6; i++ {
		c.advance(time.Second)
		for _, k := range []string{"busy", "b", "c"} { // all want a job; busy asks first every time
			if q.Ask("acct", k) == 0 {
				order = append(order, k)
			}
		}
	}
	want := []string{"busy", "b", "c", "busy", "b", "c", "busy"}
	if len(order) != len(want) {
		t.Fatalf("order %v, want %v", order, want)
	}
	for i := range want {
		if order[i] != want[i] {
			t.Fatalf("order %v, want %v", order, want)
		}
	}
}

// TestQueueStaleAndCancel: a head that stopped asking, or cancelled, does
// not block the line.
func TestQueueStaleAndCancel(t *testing.T) {
	c := &fakeClock{t: time.Unix(1000, 0)}
	q := NewQueue(time.Second, c.now)
	q.Ask("acct", "first") // granted
	q.Ask("acct", "gone")  // waits, then never asks again
	q.Ask("acct", "cancelled")
	q.Ask("acct", "patient")
	q.Cancel("acct", "cancelled")
	c.advance(2 * time.Second)
	if w := q.Ask("acct", "patient"); w == 0 {
		t.Fatal("patient went before gone, which is not stale yet")
	}
	c.advance(10 * time.Second)
	if w := q.Ask("acct", "patient"); w != 0 {
		t.Fatalf("patient still waits %s behind a stale head", w)
	}
}

// TestQueueBackoff: after AWS throttled a call anyway, nobody calls for d.
func TestQueueBackoff(t *testing.T) {
	c := &fakeClock{t: time.Unix(1000, 0)}
	q := NewQueue(time.Second, c.now)
	q.Backoff("acct", 5*time.Second)
	if w := q.Ask("acct", "a"); w != 5*time.Second {
		t.Fatalf("waits %s, want 5s", w)
	}
}
