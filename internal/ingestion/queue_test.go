package ingestion

import (
	"strings"
	"sync"
	"testing"
	"time"

	clocktesting "k8s.io/utils/clock/testing"
)

// harness drives a Queue on a fake clock without Start's goroutine: step
// moves the clock and sweeps the lanes the way one turn of Start's loop
// does, so every wakeup is seen in order, deterministically.
type harness struct {
	clk *clocktesting.FakeClock
	q   *Queue

	mu    sync.Mutex
	woken []string
}

var t0 = time.Date(2025, 10, 20, 12, 0, 0, 0, time.UTC)

func newHarness(interval time.Duration, opts ...QueueOption) *harness {
	h := &harness{clk: clocktesting.NewFakeClock(t0)}
	h.q = NewQueue(interval, h.clk, append([]QueueOption{WithWake(h.record)}, opts...)...)
	return h
}

func (h *harness) record(key string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.woken = append(h.woken, key)
}

// wakes returns the keys woken since the last call, comma-joined.
func (h *harness) wakes() string {
	h.mu.Lock()
	defer h.mu.Unlock()
	s := strings.Join(h.woken, ",")
	h.woken = nil
	return s
}

func (h *harness) step(d time.Duration) {
	h.clk.Step(d)
	h.q.tick()
}

// op is one step of an ordering scenario: ask (want "go" or "wait"),
// cancel, forget, return, backoff (by d) or step (the clock by d); wakes is
// what the step must wake, comma-joined.
type op struct {
	do, lane, key string
	d             time.Duration
	want          string
	wakes         string
}

func ask(key, want string) op         { return op{do: "ask", lane: "acct", key: key, want: want} }
func askIn(lane, key, want string) op { return op{do: "ask", lane: lane, key: key, want: want} }
func step(d time.Duration, wakes string) op {
	return op{do: "step", d: d, wakes: wakes}
}

func TestQueueOrder(t *testing.T) {
	const s = time.Second
	tests := map[string][]op{
		"one start per interval; lanes do not share": {
			ask("a", "go"), ask("b", "wait"), askIn("other", "c", "go"),
			step(s/2, ""), ask("b", "wait"), step(s/2, "b"), ask("b", "go"),
		},
		"round-robin: a key served goes to the back when it asks again": {
			ask("a", "go"), ask("b", "wait"), ask("c", "wait"),
			step(s, "b"), ask("a", "wait"), ask("b", "go"),
			step(s, "c"), ask("b", "wait"), ask("c", "go"),
			step(s, "a"), ask("a", "go"),
			step(s, "b"),
		},
		"asking again while waiting keeps the place": {
			ask("a", "go"), ask("b", "wait"), ask("c", "wait"),
			ask("c", "wait"), ask("c", "wait"), ask("b", "wait"),
			step(s, "b"), ask("c", "wait"), ask("b", "go"), step(s, "c"),
		},
		"only the woken head may claim within its grace": {
			ask("a", "go"), ask("b", "wait"), ask("c", "wait"),
			step(s, "b"), ask("c", "wait"), step(s/2, ""), ask("c", "wait"), ask("b", "go"),
		},
		"an idle lane serves the first asker at once": {
			ask("a", "go"), step(5*s, ""), ask("b", "go"), ask("c", "wait"),
		},
		"cancel of the woken head passes the slot on at once": {
			ask("a", "go"), ask("b", "wait"), ask("c", "wait"),
			step(s, "b"), {do: "cancel", lane: "acct", key: "b", wakes: "c"}, ask("c", "go"),
			ask("b", "wait"), // asking again after a cancel joins at the back
		},
		"forget of a waiting key": {
			ask("a", "go"), ask("b", "wait"), ask("c", "wait"),
			{do: "forget", key: "b"}, step(s, "c"), ask("c", "go"), step(s, ""),
		},
		"backoff delays the whole lane, not the others": {
			ask("a", "go"), ask("b", "wait"), ask("c", "wait"),
			{do: "backoff", lane: "acct", d: 5 * s},
			step(s, ""), ask("b", "wait"), askIn("other", "x", "go"), step(3*s, ""),
			step(s, "b"), ask("c", "wait"), ask("b", "go"),
		},
		"backoff closes an open slot; its head is woken again when the lane reopens": {
			ask("a", "go"), ask("b", "wait"),
			step(s, "b"), {do: "backoff", lane: "acct", d: 2 * s}, ask("b", "wait"),
			step(2*s, "b"), ask("b", "go"),
		},
		"return keeps the turn of a key whose start was throttled": {
			ask("a", "go"), ask("b", "wait"),
			{do: "return", lane: "acct", key: "a"}, step(s, "a"), ask("b", "wait"), ask("a", "go"),
			step(s, "b"),
		},
		"a late head keeps its place; the slot goes to the next key woken": {
			ask("a", "go"), ask("b", "wait"), ask("c", "wait"), ask("d", "wait"),
			step(s, "b"), step(s, "c"), // b's grace ran out: c is woken too
			ask("c", "go"), // c came first; b is late and stays at the front
			step(s, "b,d"), // a late head is woken with the key behind it
			ask("b", "go"), step(s, "d"), ask("d", "go"),
		},
		"a late head claims whatever slot is open when it comes": {
			ask("a", "go"), ask("b", "wait"), ask("c", "wait"),
			step(s, "b"), step(s, "c"), step(s, ""), // nobody left to wake
			ask("b", "go"), step(s, "c"), ask("c", "go"),
		},
		"a key that moves to another lane waits in one line only": {
			ask("a", "go"), ask("b", "wait"), askIn("other", "x", "go"), askIn("other", "b", "wait"),
			step(s, "b"), askIn("other", "b", "go"), ask("a", "go"),
		},
	}
	for name, ops := range tests {
		t.Run(name, func(t *testing.T) {
			h := newHarness(time.Second)
			for i, o := range ops {
				switch o.do {
				case "ask":
					w := h.q.Ask(o.lane, o.key)
					if got := map[bool]string{true: "go", false: "wait"}[w == 0]; got != o.want {
						t.Fatalf("step %d: Ask(%s, %s) = %s (%s), want %s", i, o.lane, o.key, got, w, o.want)
					}
				case "cancel":
					h.q.Cancel(o.lane, o.key)
				case "forget":
					h.q.Forget(o.key)
				case "return":
					h.q.Return(o.lane, o.key)
				case "backoff":
					h.q.Backoff(o.lane, o.d)
				case "step":
					h.step(o.d)
				}
				if got := h.wakes(); got != o.wakes {
					t.Fatalf("step %d (%s %s): woke %q, want %q", i, o.do, o.key, got, o.wakes)
				}
			}
		})
	}
}

// TestQueueWaitEstimate: the wait Ask reports counts the slots ahead.
func TestQueueWaitEstimate(t *testing.T) {
	h := newHarness(time.Second)
	h.q.Ask("acct", "a")
	for i, k := range []string{"b", "c", "d"} {
		if w, want := h.q.Ask("acct", k), time.Duration(i+1)*time.Second; w != want {
			t.Errorf("%s waits %s, want %s", k, w, want)
		}
	}
	h.step(time.Second) // b's slot is open and reserved
	if w := h.q.Ask("acct", "d"); w != 2*time.Second {
		t.Errorf("d waits %s behind b and c, want 2s", w)
	}
}

// TestQueueFairness: N keys re-asking continuously (each asks again as soon
// as it is served, some also ask again and again while waiting) are served
// round-robin: no key waits more than 2 × its fair share, N × interval.
func TestQueueFairness(t *testing.T) {
	const n, interval = 50, time.Second
	h := newHarness(interval)
	joined := map[string]time.Time{}
	served := map[string]int{}
	keys := make([]string, n)
	for i := range keys {
		keys[i] = string(rune('A'+i/26)) + string(rune('a'+i%26))
	}
	askAt := func(k string) {
		if h.q.Ask("acct", k) == 0 {
			if wait := h.clk.Now().Sub(joined[k]); wait > 2*n*interval {
				t.Fatalf("%s waited %s, more than 2 × %d × %s", k, wait, n, interval)
			}
			served[k]++
			joined[k] = h.clk.Now()
			h.q.Ask("acct", k) // wants another job at once: back of the line
		}
	}
	for _, k := range keys {
		joined[k] = h.clk.Now()
		askAt(k)
	}
	for range 20 * n {
		h.step(interval)
		for _, k := range strings.Split(h.wakes(), ",") {
			if k != "" {
				askAt(k)
			}
		}
		for _, k := range keys[:5] { // busy: they ask on every step
			askAt(k)
		}
	}
	for _, k := range keys {
		if served[k] < 19 || served[k] > 21 {
			t.Errorf("%s was served %d times in %d slots of %d keys, want about 20", k, served[k], 20*n, n)
		}
	}
}

// TestQueueLateKeysNeverDropped is the livelock of issue 12: every woken key
// comes back long after its grace (the work queue is long). No key leaves
// the line unserved, and the lane keeps starting jobs.
func TestQueueLateKeysNeverDropped(t *testing.T) {
	const n, interval, late = 30, time.Second, 3500 * time.Millisecond
	h := newHarness(interval)
	pending := map[time.Time][]string{} // when a woken key's reconcile runs
	served := map[string]bool{}
	h.q.Ask("acct", "first")
	for i := range n {
		k := string(rune('a' + i))
		if h.q.Ask("acct", k) == 0 {
			t.Fatalf("%s served at once behind first", k)
		}
	}
	tick := 250 * time.Millisecond
	var elapsed time.Duration
	for elapsed = 0; len(served) < n && elapsed < 10*n*interval; elapsed += tick {
		h.step(tick)
		now := h.clk.Now()
		for _, k := range strings.Split(h.wakes(), ",") {
			if k != "" {
				pending[now.Add(late)] = append(pending[now.Add(late)], k)
			}
		}
		for _, k := range pending[now] {
			// A key woken twice whose job started meanwhile no longer asks.
			if !served[k] && h.q.Ask("acct", k) == 0 {
				served[k] = true
			}
		}
		delete(pending, now)
		if s := h.q.Snapshot(); s[0].Waiting != n-len(served) {
			t.Fatalf("at %s: %d wait, want %d: a key left the line unserved", elapsed, s[0].Waiting, n-len(served))
		}
	}
	if len(served) < n {
		t.Fatalf("after %s only %d of %d keys were served", elapsed, len(served), n)
	}
	// Each start costs at most a wakeup's round trip plus one interval.
	t.Logf("served %d late keys in %s", n, elapsed)
	if limit := time.Duration(n) * (interval + late); elapsed > limit {
		t.Errorf("serving %d late keys took %s, more than %s", n, elapsed, limit)
	}
}

// TestQueueGoneHeadDoesNotStall: a head that never comes back (deleted
// without Forget) keeps its place, and the others are all served.
func TestQueueGoneHeadDoesNotStall(t *testing.T) {
	h := newHarness(time.Second)
	h.q.Ask("acct", "first")
	h.q.Ask("acct", "gone")
	for _, k := range []string{"b", "c", "d"} {
		h.q.Ask("acct", k)
	}
	served := 0
	for range 20 {
		h.step(time.Second)
		for _, k := range strings.Split(h.wakes(), ",") {
			if k != "" && k != "gone" && h.q.Ask("acct", k) == 0 {
				served++
			}
		}
	}
	if served != 3 {
		t.Fatalf("%d of 3 keys served behind a head that never comes back", served)
	}
	if s := h.q.Snapshot(); s[0].Waiting != 1 || s[0].HeadWait != 20*time.Second {
		t.Fatalf("snapshot %+v, want gone still waiting for 20s", s)
	}
	h.q.Forget("gone")
	if s := h.q.Snapshot(); s[0].Waiting != 0 || s[0].HeadWait != 0 {
		t.Fatalf("snapshot %+v after Forget, want an empty lane", s)
	}
}

// TestQueueStats: per lane, sorted, with how long the head has waited.
func TestQueueStats(t *testing.T) {
	h := newHarness(time.Second)
	h.q.Ask("b/us-east-1", "x")
	h.q.Ask("a/us-east-1", "y")
	h.q.Ask("a/us-east-1", "z")
	h.clk.Step(3 * time.Second)
	var got []LaneStats
	h.q.Stats(func(lane string, waiting int, headWait time.Duration) {
		got = append(got, LaneStats{lane, waiting, headWait})
	})
	want := []LaneStats{{"a/us-east-1", 1, 3 * time.Second}, {"b/us-east-1", 0, 0}}
	if len(got) != len(want) || got[0] != want[0] || got[1] != want[1] {
		t.Fatalf("stats %+v, want %+v", got, want)
	}
}

// TestQueueGrace: the default grace is the interval, at least a second.
func TestQueueGrace(t *testing.T) {
	tests := map[string]struct {
		interval time.Duration
		opts     []QueueOption
		want     time.Duration
	}{
		"real quota":       {10 * time.Second, nil, 10 * time.Second},
		"scaled quota":     {50 * time.Millisecond, nil, time.Second},
		"set":              {50 * time.Millisecond, []QueueOption{WithGrace(200 * time.Millisecond)}, 200 * time.Millisecond},
		"default interval": {0, nil, DefaultStartInterval},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if got := NewQueue(tc.interval, nil, tc.opts...).Grace(); got != tc.want {
				t.Fatalf("grace %s, want %s", got, tc.want)
			}
		})
	}
}
