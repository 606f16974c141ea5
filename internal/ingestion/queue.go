package ingestion

import (
	"slices"
	"sync"
	"time"
)

// DefaultStartInterval is Bedrock's StartIngestionJob quota: about one call
// per 10 seconds per account and region.
const DefaultStartInterval = 10 * time.Second

// Queue spaces the StartIngestionJob calls of each account (a key such as
// "123456789012/us-east-1") at least Interval apart, and serves the
// KnowledgeBases waiting for a slot in the order they first asked. A
// KnowledgeBase that got a slot goes to the back of the line when it asks
// again, so a busy one cannot starve the others (round-robin).
//
// It never blocks: Ask says "go" or how long to wait, and the reconciler
// requeues for that long, so waiting costs no worker. It is safe for
// concurrent use and shared by every KnowledgeBase of the manager.
type Queue struct {
	mu       sync.Mutex
	interval time.Duration
	now      func() time.Time
	lanes    map[string]*lane
}

type lane struct {
	next    time.Time // earliest time of the next call
	waiting []string  // keys in the order they asked
	asked   map[string]time.Time
}

// NewQueue returns a Queue granting one call per interval per account.
// now is the clock (time.Now when nil).
func NewQueue(interval time.Duration, now func() time.Time) *Queue {
	if now == nil {
		now = time.Now
	}
	return &Queue{interval: interval, now: now, lanes: map[string]*lane{}}
}

// Interval is the spacing of calls per account.
func (q *Queue) Interval() time.Duration { return q.interval }

// staleAfter is how long a key at the head of the line may stay silent
// before the others stop waiting for it: it lost interest (its job is no
// longer due, or its KnowledgeBase is gone) without calling Cancel.
func (q *Queue) staleAfter() time.Duration {
	return max(3*q.interval, 5*time.Second)
}

// Ask asks for a call slot for key in account. It returns 0 when key may
// call now (the slot is taken: call right away), or how long to wait
// before asking again.
func (q *Queue) Ask(account, key string) time.Duration {
	q.mu.Lock()
	defer q.mu.Unlock()
	now := q.now()
	l := q.lanes[account]
	if l == nil {
		l = &lane{asked: map[string]time.Time{}}
		q.lanes[account] = l
	}
	l.asked[key] = now
	if !slices.Contains(l.waiting, key) {
		l.waiting = append(l.waiting, key)
	}
	for len(l.waiting) > 0 && l.waiting[0] != key && now.Sub(l.asked[l.waiting[0]]) > q.staleAfter() {
		delete(l.asked, l.waiting[0])
		l.waiting = l.waiting[1:]
	}
	pos := slices.Index(l.waiting, key)
	if pos == 0 && !now.Before(l.next) {
		l.waiting = l.waiting[1:]
		delete(l.asked, key)
		l.next = now.Add(q.interval)
		return 0
	}
	wait := max(l.next.Sub(now), 0) + time.Duration(pos)*q.interval
	if wait <= 0 {
		wait = q.interval // the head may call now; give it the slot first
	}
	// Staleness counts from when the key was told to come back, not from
	// when it asked: a key told to wait its turn is not stale while waiting.
	l.asked[key] = now.Add(wait)
	return wait
}

// Cancel takes key out of account's line: its job is no longer due.
func (q *Queue) Cancel(account, key string) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if l := q.lanes[account]; l != nil {
		if i := slices.Index(l.waiting, key); i >= 0 {
			l.waiting = slices.Delete(l.waiting, i, i+1)
		}
		delete(l.asked, key)
	}
}

// Forget takes key out of every account's line, when its KnowledgeBase is
// deleted.
func (q *Queue) Forget(key string) {
	q.mu.Lock()
	defer q.mu.Unlock()
	for _, l := range q.lanes {
		if i := slices.Index(l.waiting, key); i >= 0 {
			l.waiting = slices.Delete(l.waiting, i, i+1)
		}
		delete(l.asked, key)
	}
}

// Backoff delays account's next slot by d from now, after AWS throttled a
// call anyway (another client spends the same quota).
func (q *Queue) Backoff(account string, d time.Duration) {
	q.mu.Lock()
	defer q.mu.Unlock()
	l := q.lanes[account]
	if l == nil {
		l = &lane{asked: map[string]time.Time{}}
		q.lanes[account] = l
	}
	if next := q.now().Add(d); next.After(l.next) {
		l.next = next
	}
}
