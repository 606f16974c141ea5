package ingestion

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	clocktesting "k8s.io/utils/clock/testing"
)

// startedQueue runs Start on a fake clock. idle receives the deadline Start
// armed its timer for each time it is about to block with nothing else to
// do, so the test moves the clock only once the timer exists.
func startedQueue(t *testing.T, interval time.Duration) (q *Queue, clk *clocktesting.FakeClock, woken, idle chan string) {
	t.Helper()
	clk = clocktesting.NewFakeClock(t0)
	woken = make(chan string, 16)
	idle = make(chan string, 64)
	q = NewQueue(interval, clk, WithWake(func(key string) { woken <- key }))
	q.armed = func(deadline time.Time) {
		if len(q.kick) == 0 {
			select {
			case idle <- deadline.Sub(t0).String():
			default: // the test stopped listening
			}
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- q.Start(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil { // Start returned: no goroutine is left
			t.Errorf("Start returned %v", err)
		}
	})
	return q, clk, woken, idle
}

// waitIdle waits until Start armed its timer for deadline (after t0).
func waitIdle(t *testing.T, idle chan string, deadline string) {
	t.Helper()
	for d := range idle {
		if d == deadline {
			return
		}
	}
}

// TestQueueStartWakes: Start's timer wakes the head when its slot opens,
// and the next key when the head's grace runs out; the loop ends with ctx.
func TestQueueStartWakes(t *testing.T) {
	q, clk, woken, idle := startedQueue(t, time.Second)
	q.Ask("acct", "a")
	q.Ask("acct", "b")
	q.Ask("acct", "c")
	waitIdle(t, idle, "1s")
	clk.Step(time.Second)
	if k := <-woken; k != "b" {
		t.Fatalf("woke %s, want b", k)
	}
	waitIdle(t, idle, "2s") // b's grace
	clk.Step(time.Second)
	if k := <-woken; k != "c" {
		t.Fatalf("woke %s, want c after b's grace", k)
	}
	if q.Ask("acct", "c") != 0 {
		t.Fatal("c, woken after b's grace, was refused the open slot")
	}
	waitIdle(t, idle, "3s")
	clk.Step(time.Second)
	if k := <-woken; k != "b" {
		t.Fatalf("woke %s, want the late head b", k)
	}
}

// TestQueueStartBackoff: a backoff moves the timer of the lane.
func TestQueueStartBackoff(t *testing.T) {
	q, clk, woken, idle := startedQueue(t, time.Second)
	q.Ask("acct", "a")
	q.Ask("acct", "b")
	q.Backoff("acct", 5*time.Second)
	waitIdle(t, idle, "5s")
	clk.Step(5 * time.Second)
	if k := <-woken; k != "b" {
		t.Fatalf("woke %s, want b", k)
	}
}

// TestQueueConcurrent: many reconciles asking, cancelling and forgetting in
// many lanes while Start runs and the clock moves; run with -race. Every
// key ends up served or cancelled, none twice in a line.
func TestQueueConcurrent(t *testing.T) {
	clk := clocktesting.NewFakeClock(t0)
	q := NewQueue(10*time.Millisecond, clk, WithWake(func(string) {}))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- q.Start(ctx) }()
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 300 {
				lane, key := fmt.Sprintf("acct%d", i%3), fmt.Sprintf("kb%d", (w*7+i)%40)
				switch i % 7 {
				case 0:
					q.Cancel(lane, key)
				case 1:
					q.Forget(key)
				case 2:
					q.Backoff(lane, time.Millisecond)
				case 3:
					if q.Ask(lane, key) == 0 {
						q.Return(lane, key)
					}
				default:
					q.Ask(lane, key)
				}
				_ = q.Snapshot()
			}
		}()
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		for range 500 {
			clk.Step(3 * time.Millisecond)
		}
	}()
	wg.Wait()
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	total := 0
	for _, s := range q.Snapshot() {
		total += s.Waiting
	}
	if total > 40 || total != len(q.laneOf) {
		t.Fatalf("%d keys wait in the lines and %d are indexed; there are 40 keys", total, len(q.laneOf))
	}
}

// BenchmarkAskWaiting1000: a waiting key asks again, behind 1,000 others
// (what a reconcile that is not woken but runs anyway costs).
func BenchmarkAskWaiting1000(b *testing.B) {
	q := NewQueue(time.Second, clocktesting.NewFakeClock(t0))
	keys := make([]string, 1000)
	for i := range keys {
		keys[i] = fmt.Sprintf("kb-%04d", i)
		q.Ask("acct", keys[i])
	}
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		q.Ask("acct", keys[i%len(keys)])
	}
}

// BenchmarkAskCycle1000: a full turn with 1,000 keys waiting: the slot
// opens, the head is woken, claims, and joins the back of the line again.
func BenchmarkAskCycle1000(b *testing.B) {
	clk := clocktesting.NewFakeClock(t0)
	var woken string
	q := NewQueue(time.Second, clk, WithWake(func(k string) { woken = k }))
	for i := range 1000 {
		q.Ask("acct", fmt.Sprintf("kb-%04d", i))
	}
	b.ResetTimer()
	for b.Loop() {
		clk.Step(time.Second)
		q.tick()
		if q.Ask("acct", woken) != 0 {
			b.Fatalf("woken %s was refused", woken)
		}
		q.Ask("acct", woken)
	}
}
