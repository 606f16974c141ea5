package ingestion

import (
	"context"
	"maps"
	"slices"
	"sort"
	"sync"
	"time"

	"k8s.io/utils/clock"
)

// DefaultStartInterval is Bedrock's StartIngestionJob quota: about one call
// per 10 seconds per account and region.
const DefaultStartInterval = 10 * time.Second

// minGrace is the least time a woken key has its slot to itself: below
// about a second, an ordinary reconcile (a few S3 calls behind a short work
// queue) would miss it, and the queue would fall back to first come, first
// served for no reason.
const minGrace = time.Second

// Queue spaces the StartIngestionJob calls of each lane (an account and
// region, such as "123456789012/us-east-1") at least Interval apart, and
// serves the keys (KnowledgeBases) waiting in a lane round-robin: in the
// order they joined, and a key that got a slot joins at the back when it
// asks again, so a busy KnowledgeBase cannot starve the others.
//
// A waiting key is not polled: when its turn comes, the queue reserves the
// slot for it and wakes it through the wake callback (WithWake), so the
// controller enqueues exactly that KnowledgeBase, whose reconcile then calls
// Ask and gets 0. A key leaves the line only when it gets a slot, or when
// Cancel (its job is no longer due) or Forget (it is deleted) is called:
// never because it was late, since lateness says how long the work queue is,
// not whether the key still wants a job.
//
// The slot of the head of the line is its own for Grace after the slot
// opens. A head that has not claimed it by then (its reconcile is stuck
// behind a long work queue, or it is busy elsewhere) keeps its place at the
// front, but from then on the lane does not wait for it:
//   - the open slot goes to the first waiting key that asks, and the queue
//     wakes one more waiting key, in line order, every Grace until someone
//     claims it;
//   - the head is marked late: every later slot also wakes the key behind it
//     and goes to the first of them to ask, until the head claims one.
//
// A late head that asks again between two slots is alive, only slow to
// answer (its reconcile is long, or queued behind others). Woken beside a
// quicker key at every slot, it would lose every one of them, so the queue
// times it: its next slots at the head are held for it alone for as long
// as it took to answer, plus Grace (at most ten Graces), until it lets a
// hold pass. A slow head thus costs the lane about its answer time per slot
// it claims, and is served in its turn; a head that never comes back (a
// KnowledgeBase deleted behind the manager's back: call Forget when a
// reconcile finds it gone) costs one Grace, once (or one hold, if it was
// timed), and nothing after that.
//
// Ask never blocks. Wakeups are delivered by the goroutine that Start runs
// (a controller-runtime manager.Runnable), and also by Ask, Cancel, Forget
// and Return when they open a slot; without Start, a caller that comes back
// on its own after Ask's wait is served the same way. It is safe for
// concurrent use and shared by every KnowledgeBase of the manager.
type Queue struct {
	interval time.Duration
	grace    time.Duration
	clock    clock.Clock
	wake     func(key string)
	kick     chan struct{} // tells Start's loop the next deadline may have moved

	mu     sync.Mutex
	lanes  map[string]*lane
	laneOf map[string]string // key: the lane it waits in

	armed func(deadline time.Time) // tests: Start's loop armed its timer
}

// QueueOption configures a Queue.
type QueueOption func(*Queue)

// WithWake sets the callback that wakes a key whose turn came. It is
// called without the queue's lock held, from Start's goroutine or from the
// goroutine of the Ask, Cancel, Forget or Return call that opened the slot,
// so it may call the queue but should not block: send on a buffered
// channel (a controller-runtime source.Channel) and return.
func WithWake(wake func(key string)) QueueOption {
	return func(q *Queue) { q.wake = wake }
}

// WithGrace sets how long a woken head of the line has its slot to itself
// (default: the interval, and at least a second).
func WithGrace(d time.Duration) QueueOption {
	return func(q *Queue) {
		if d > 0 {
			q.grace = d
		}
	}
}

// NewQueue returns a Queue granting one call per interval per lane
// (DefaultStartInterval when interval is not positive). clk tells the time
// and runs Start's timer (the system clock when nil).
func NewQueue(interval time.Duration, clk clock.Clock, opts ...QueueOption) *Queue {
	if interval <= 0 {
		interval = DefaultStartInterval
	}
	if clk == nil {
		clk = clock.RealClock{}
	}
	q := &Queue{interval: interval, grace: max(interval, minGrace), clock: clk,
		kick: make(chan struct{}, 1), lanes: map[string]*lane{}, laneOf: map[string]string{}}
	for _, o := range opts {
		o(q)
	}
	return q
}

// Interval is the spacing of calls per lane.
func (q *Queue) Interval() time.Duration { return q.interval }

// Grace is how long the woken head of a line has its slot to itself.
func (q *Queue) Grace() time.Duration { return q.grace }

// Ask asks for a call slot for key in lane account. It returns 0 when key
// may call now (the slot is taken: call right away), or an estimate of how
// long it waits for its turn. The estimate is for status messages: the
// caller need not come back then, as it is woken when its turn comes.
// Asking again while waiting keeps the key's place.
func (q *Queue) Ask(account, key string) time.Duration {
	q.mu.Lock()
	now := q.clock.Now()
	wakes := q.moveTo(account, key, now)
	l := q.laneFor(account)
	if !l.has(key) {
		l.add(key, now)
		q.laneOf[key] = account
	}
	if l.available(now) && (l.line[0] == key || l.openToAll(now, q.grace)) {
		q.claim(l, key, now)
		q.mu.Unlock()
		q.deliver(wakes)
		q.poke()
		return 0
	}
	l.asked(key, now)
	wakes = append(wakes, l.sweep(now, q.grace)...)
	wait := max(l.next.Sub(now), 0) + time.Duration(slices.Index(l.line, key))*q.interval
	if wait <= 0 {
		wait = q.interval
	}
	q.mu.Unlock()
	q.deliver(wakes)
	q.poke()
	return wait
}

// Cancel takes key out of the line it waits in: its job is no longer due.
// account is the lane the caller asked in; a key waits in one lane at a
// time, so it is taken out of the one it is in, whichever that is.
func (q *Queue) Cancel(account, key string) {
	_ = account
	q.Forget(key)
}

// Forget takes key out of the line it waits in, when its KnowledgeBase is
// deleted (or a wake found it gone). If key was at the head, the slot passes
// to the next key at once.
func (q *Queue) Forget(key string) {
	q.mu.Lock()
	// How slow key was to answer is remembered across its turns, also
	// while it is out of line (after a claim): forgotten here, in every
	// lane, so a KnowledgeBase of the same name starts untimed.
	for _, l := range q.lanes {
		delete(l.answer, key)
	}
	wakes := q.remove(key, q.clock.Now())
	q.mu.Unlock()
	q.deliver(wakes)
	q.poke()
}

// Return puts key back at the front of lane account after it claimed a
// slot it could not use (StartIngestionJob was throttled, or the account
// already runs as many jobs as it may): it keeps its turn, and is woken for
// the next slot. Call Backoff first if the whole lane should wait longer.
func (q *Queue) Return(account, key string) {
	q.mu.Lock()
	now := q.clock.Now()
	wakes := q.remove(key, now)
	l := q.laneFor(account)
	l.line = slices.Insert(l.line, 0, key)
	l.joined[key] = now
	delete(l.late, key)
	q.laneOf[key] = account
	l.closeSlot()
	wakes = append(wakes, l.sweep(now, q.grace)...)
	q.mu.Unlock()
	q.deliver(wakes)
	q.poke()
}

// Backoff delays lane account's next slot to at least d from now, after
// AWS throttled a call anyway (another client spends the same quota). A slot
// open now closes; its head keeps its place and is woken again when the
// lane reopens.
func (q *Queue) Backoff(account string, d time.Duration) {
	q.mu.Lock()
	l := q.laneFor(account)
	if next := q.clock.Now().Add(d); next.After(l.next) {
		l.next = next
		l.closeSlot()
	}
	q.mu.Unlock()
	q.poke()
}

// Start wakes the keys whose turn comes, as their slots open and their
// grace runs out, until ctx ends; then it returns nil. It makes Queue a
// controller-runtime manager.Runnable (mgr.Add(queue)). Call it once.
func (q *Queue) Start(ctx context.Context) error {
	for {
		now, deadline, ok := q.tick()
		var fired <-chan time.Time
		var timer clock.Timer
		if ok {
			timer = q.clock.NewTimer(deadline.Sub(now))
			fired = timer.C()
		}
		if q.armed != nil {
			q.armed(deadline)
		}
		select {
		case <-ctx.Done():
			if timer != nil {
				timer.Stop()
			}
			return nil
		case <-fired:
		case <-q.kick:
			if timer != nil {
				timer.Stop()
			}
		}
	}
}

// tick sweeps every lane, delivers the wakeups due, and returns when the
// next sweep is needed (ok false: none until the queue changes).
func (q *Queue) tick() (now, deadline time.Time, ok bool) {
	q.mu.Lock()
	now = q.clock.Now()
	var wakes []string
	for _, name := range slices.Sorted(maps.Keys(q.lanes)) { // a stable order of wakeups
		wakes = append(wakes, q.lanes[name].sweep(now, q.grace)...)
	}
	deadline, ok = q.nextDeadline(now)
	q.mu.Unlock()
	q.deliver(wakes)
	return now, deadline, ok
}

// LaneStats describes one lane for metrics: how many keys wait in it and how
// long the head has waited since it joined the line.
type LaneStats struct {
	Lane     string
	Waiting  int
	HeadWait time.Duration
}

// Stats calls f once per lane, sorted by lane, with what waits in it. Lanes
// that emptied are reported with zero waiting, so a gauge goes back to 0.
func (q *Queue) Stats(f func(lane string, waiting int, headWait time.Duration)) {
	for _, s := range q.Snapshot() {
		f(s.Lane, s.Waiting, s.HeadWait)
	}
}

// Snapshot returns every lane's stats, sorted by lane.
func (q *Queue) Snapshot() []LaneStats {
	q.mu.Lock()
	now := q.clock.Now()
	out := make([]LaneStats, 0, len(q.lanes))
	for name, l := range q.lanes {
		s := LaneStats{Lane: name, Waiting: len(l.line)}
		if len(l.line) > 0 {
			s.HeadWait = max(now.Sub(l.joined[l.line[0]]), 0)
		}
		out = append(out, s)
	}
	q.mu.Unlock()
	sort.Slice(out, func(i, j int) bool { return out[i].Lane < out[j].Lane })
	return out
}

// laneFor returns lane account, creating it. q.mu is held.
func (q *Queue) laneFor(account string) *lane {
	l := q.lanes[account]
	if l == nil {
		l = &lane{joined: map[string]time.Time{}, late: map[string]bool{},
			wokenAt: map[string]time.Time{}, answer: map[string]time.Duration{}}
		q.lanes[account] = l
	}
	return l
}

// moveTo takes key out of another lane than account (its KnowledgeBase
// moved to another account or region), so it waits in one line only.
// q.mu is held.
func (q *Queue) moveTo(account, key string, now time.Time) []string {
	if other, ok := q.laneOf[key]; ok && other != account {
		return q.remove(key, now)
	}
	return nil
}

// remove takes key out of its line and, if it was the head of an open slot,
// passes the slot on. It returns the keys to wake. q.mu is held.
func (q *Queue) remove(key string, now time.Time) []string {
	account, ok := q.laneOf[key]
	if !ok {
		return nil
	}
	delete(q.laneOf, key)
	l := q.lanes[account]
	if l.drop(key) == 0 {
		l.closeSlot()
		return l.sweep(now, q.grace)
	}
	return nil
}

// claim gives the available slot of l to key. q.mu is held.
func (q *Queue) claim(l *lane, key string, now time.Time) {
	if head := l.line[0]; head != key {
		l.late[head] = true // it let a slot pass: the next ones do not wait for it
	}
	l.drop(key)
	delete(q.laneOf, key)
	l.next = now.Add(q.interval)
	l.closeSlot()
}

// nextDeadline is the earliest time a lane needs a sweep. q.mu is held.
func (q *Queue) nextDeadline(now time.Time) (time.Time, bool) {
	var earliest time.Time
	found := false
	for _, l := range q.lanes {
		if d, ok := l.deadline(now, q.grace); ok && (!found || d.Before(earliest)) {
			earliest, found = d, true
		}
	}
	return earliest, found
}

// deliver wakes keys, without q.mu held.
func (q *Queue) deliver(keys []string) {
	if q.wake == nil {
		return
	}
	for _, k := range keys {
		q.wake(k)
	}
}

// poke tells Start's loop to look at the deadlines again.
func (q *Queue) poke() {
	select {
	case q.kick <- struct{}{}:
	default:
	}
}
