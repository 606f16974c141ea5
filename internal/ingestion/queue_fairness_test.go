package ingestion

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
)

// claim is one slot a key claimed in its lane. backoff is not zero when
// its call was throttled: the key returned the slot and backed the lane
// off for that long.
type claim struct {
	lane, key string
	at        time.Time
	backoff   time.Duration
}

// reconcileAt is a woken key whose reconcile runs at a later time.
type reconcileAt struct {
	key string
	at  time.Time
}

// contention simulates KnowledgeBases that always want another ingestion
// job, on the fake clock of a harness. A woken key's reconcile runs after
// the key's delay (as in a work queue, waking a key already queued does
// nothing) and asks for a slot. A key that gets one starts its job and is
// reconciled again at once, so it asks again and joins the back of the
// line, unless throttle says the call was throttled: then it returns the
// slot and backs the lane off.
type contention struct {
	*harness
	laneOf   map[string]string
	delay    map[string]time.Duration
	throttle func(lane string, n int) time.Duration // the backoff after the lane's nth claim (0: not throttled)
	joined   map[string]time.Time
	queued   []reconcileAt // in wake order
	claims   []claim
}

// newContention returns an empty simulation of a queue whose lanes start a
// job every fairInterval, with the default grace.
func newContention() *contention {
	return &contention{harness: newHarness(fairInterval), laneOf: map[string]string{},
		delay: map[string]time.Duration{}, joined: map[string]time.Time{}}
}

// joinAll makes n keys named prefix-00, prefix-01, … ask for a slot in
// lane, one after the other, and returns their names.
func (c *contention) joinAll(lane, prefix string, n int) []string {
	keys := make([]string, n)
	for i := range keys {
		keys[i] = fmt.Sprintf("%s-%02d", prefix, i)
		c.join(lane, keys[i])
	}
	c.settle()
	return keys
}

// join makes key ask for a slot in lane for the first time. The reconciles
// it leads to run at the next settle.
func (c *contention) join(lane, key string) {
	c.laneOf[key], c.joined[key] = lane, c.clk.Now()
	c.reconcile(key)
}

// run moves the clock forward by d in steps of a tenth of the interval,
// sweeping the lanes at each step as Start would, and runs every reconcile
// as it comes due.
func (c *contention) run(d time.Duration) {
	for end := c.clk.Now().Add(d); c.clk.Now().Before(end); {
		c.step(fairTick)
		c.settle()
	}
}

// settle queues the reconciles of the keys just woken and runs those that
// are due, in wake order, until none is left to run now.
func (c *contention) settle() {
	for {
		now := c.clk.Now()
		for _, k := range strings.Split(c.wakes(), ",") {
			if k != "" && !slices.ContainsFunc(c.queued, func(r reconcileAt) bool { return r.key == k }) {
				c.queued = append(c.queued, reconcileAt{k, now.Add(c.delay[k])})
			}
		}
		i := slices.IndexFunc(c.queued, func(r reconcileAt) bool { return !r.at.After(now) })
		if i < 0 {
			return
		}
		key := c.queued[i].key
		c.queued = slices.Delete(c.queued, i, i+1)
		c.reconcile(key)
	}
}

// reconcile asks for key's slot and, when it gets it, records the claim and
// either queues the key's next reconcile (for its next job) or, if
// throttled, returns the slot.
func (c *contention) reconcile(key string) {
	lane := c.laneOf[key]
	if c.q.Ask(lane, key) != 0 {
		return
	}
	cl := claim{lane: lane, key: key, at: c.clk.Now()}
	if c.throttle != nil {
		cl.backoff = c.throttle(lane, len(c.laneClaims(lane)))
	}
	c.claims = append(c.claims, cl)
	if cl.backoff > 0 {
		c.q.Return(lane, key)
		c.q.Backoff(lane, cl.backoff)
		return
	}
	c.queued = append(c.queued, reconcileAt{key, cl.at}) // wants another job: asks again at once
}

// laneClaims returns the claims made in lane, in order.
func (c *contention) laneClaims(lane string) []claim {
	return slices.DeleteFunc(slices.Clone(c.claims), func(cl claim) bool { return cl.lane != lane })
}

// fairness sums up how one lane served its keys.
type fairness struct {
	served      map[string]int           // slots used (not throttled) per key
	longestWait map[string]time.Duration // longest time from joining or a used slot to the next, or to the end
	minSpacing  time.Duration            // between consecutive claims of the lane
	maxSpacing  time.Duration
}

// fairness measures lane over the simulation so far. A key that is never
// served waits from joining to the end of the simulation.
func (c *contention) fairness(lane string) fairness {
	f := fairness{served: map[string]int{}, longestWait: map[string]time.Duration{}}
	last := map[string]time.Time{}
	for k, l := range c.laneOf {
		if l == lane {
			last[k] = c.joined[k]
		}
	}
	claims := c.laneClaims(lane)
	for i, cl := range claims {
		if i > 0 {
			gap := cl.at.Sub(claims[i-1].at)
			if i == 1 || gap < f.minSpacing {
				f.minSpacing = gap
			}
			f.maxSpacing = max(f.maxSpacing, gap)
		}
		if cl.backoff == 0 {
			f.served[cl.key]++
			f.longestWait[cl.key] = max(f.longestWait[cl.key], cl.at.Sub(last[cl.key]))
			last[cl.key] = cl.at
		}
	}
	for k, at := range last {
		f.longestWait[k] = max(f.longestWait[k], c.clk.Now().Sub(at))
	}
	return f
}

// check fails t unless each of keys waited at most twice share for every
// slot and their slot counts differ by at most spread. It logs what it
// measured, the longest wait also as a multiple of share.
func (f fairness) check(t *testing.T, name string, keys []string, share time.Duration, spread int) {
	t.Helper()
	worst, least, most := keys[0], f.served[keys[0]], f.served[keys[0]]
	for _, k := range keys {
		if f.longestWait[k] > f.longestWait[worst] {
			worst = k
		}
		least, most = min(least, f.served[k]), max(most, f.served[k])
	}
	t.Logf("%s: %d keys served %d to %d times; longest wait %s (%s) = %.2f × fair share %s; lane spacing %s to %s",
		name, len(keys), least, most, f.longestWait[worst], worst,
		float64(f.longestWait[worst])/float64(share), share, f.minSpacing, f.maxSpacing)
	if f.longestWait[worst] > 2*share {
		t.Errorf("%s: %s waited %s for a slot, more than 2 × %s", name, worst, f.longestWait[worst], share)
	}
	if most-least > spread {
		t.Errorf("%s: slot counts range from %d to %d, want a spread of at most %d", name, least, most, spread)
	}
}

// everyInterval fails t unless the lane f measured started a job every
// interval, never sooner and never more than a sweep's step later.
func (f fairness) everyInterval(t *testing.T, name string) {
	t.Helper()
	if f.minSpacing < fairInterval || f.maxSpacing > fairInterval+fairTick {
		t.Errorf("%s: slots %s to %s apart, want every %s", name, f.minSpacing, f.maxSpacing, fairInterval)
	}
}

const (
	fairKeys     = 50
	fairInterval = time.Second
	fairTick     = fairInterval / 10
	fairShare    = fairKeys * fairInterval
)

// TestQueueFairShareSteady: 50 keys that answer their wakeups at once and
// always want another job are served round-robin over 20 rounds: the lane
// starts a job every interval, never faster, each key gets a slot about
// every 50 intervals, and none waits more than twice that.
func TestQueueFairShareSteady(t *testing.T) {
	c := newContention()
	keys := c.joinAll("acct", "kb", fairKeys)
	c.run(20 * fairShare)
	f := c.fairness("acct")
	f.everyInterval(t, "steady")
	f.check(t, "steady", keys, fairShare, 1)
}

// TestQueueFairShareSlowResponders: some keys answer their wakeups only
// long after their grace (their reconcile is slow to reach Ask), the others
// at once. A slow key's slot is held for it as long as it took to answer,
// so the lane idles about that long per slot a slow key claims (plus, once
// per slow key, the grace and the slots it let pass before it was timed);
// the fast keys still get their fair share, and so do the slow keys,
// whether their answer comes as a slot opens or between two slots. Before
// the hold, a slow key answering between slots was never served: every
// slot also woke the key behind it, which took it first.
func TestQueueFairShareSlowResponders(t *testing.T) {
	tests := map[string]struct {
		slowEvery int // every slowEvery-th key is slow
		answer    time.Duration
	}{
		"every fifth key, answers as a slot opens": {5, 3 * fairInterval},
		"every fifth key, answers between slots":   {5, 3*fairInterval + fairInterval/2},
		"one key, answers as a slot opens":         {fairKeys, 3 * fairInterval},
		"one key, answers between slots":           {fairKeys, 3*fairInterval + fairInterval/2},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			c := newContention()
			var fast, slow []string
			for i, key := range c.joinAll("acct", "kb", fairKeys) {
				if i%tc.slowEvery == 3 {
					c.delay[key] = tc.answer
					slow = append(slow, key)
				} else {
					fast = append(fast, key)
				}
			}
			c.run(20 * fairShare)
			claims, slowSlots := c.laneClaims("acct"), 0
			for _, cl := range claims {
				if c.delay[cl.key] > 0 {
					slowSlots++
				}
			}
			idle := claims[len(claims)-1].at.Sub(claims[0].at) - time.Duration(len(claims)-1)*fairInterval
			t.Logf("the lane idled %s in all, for %d slots of slow keys (%.2f graces each; they answer in %s)",
				idle, slowSlots, float64(idle)/float64(max(slowSlots, 1))/float64(c.q.Grace()), tc.answer)
			// Each slow key also costs, once, the grace of the slot it let
			// pass before it was timed, and the step on which it answered.
			if limit := time.Duration(slowSlots)*(tc.answer+fairTick) + time.Duration(len(slow))*2*c.q.Grace(); idle > limit {
				t.Errorf("the lane idled %s, more than its answer time (%s) for each of the %d slots of slow keys and two graces for each slow key",
					idle, tc.answer, slowSlots)
			}
			f := c.fairness("acct")
			if f.minSpacing < fairInterval {
				t.Errorf("slots %s apart, less than %s", f.minSpacing, fairInterval)
			}
			f.check(t, "fast keys", fast, fairShare, 2)
			f.check(t, "slow keys", slow, fairShare, 2)
		})
	}
}

// throttleEvery returns a throttle that throttles the lane's nth claim
// whenever n%every is every/2, and backs the lane off by backoff.
func throttleEvery(every int, backoff time.Duration) func(string, int) time.Duration {
	return func(_ string, n int) time.Duration {
		if n%every == every/2 {
			return backoff
		}
		return 0
	}
}

// TestQueueFairShareThrottled: some starts are throttled; the claimant
// returns its slot and backs the lane off. The lane's next slot comes no
// sooner than the backoff, goes to the returned key (it keeps its turn),
// and every key still gets its fair share.
func TestQueueFairShareThrottled(t *testing.T) {
	const backoff = 5 * fairInterval
	c := newContention()
	c.throttle = throttleEvery(97, backoff)
	keys := c.joinAll("acct", "kb", fairKeys)
	c.run(20 * fairShare)
	claims, throttled := c.laneClaims("acct"), 0
	for i, cl := range claims[:len(claims)-1] {
		if cl.backoff == 0 {
			continue
		}
		throttled++
		next := claims[i+1]
		if gap := next.at.Sub(cl.at); gap < cl.backoff || gap > cl.backoff+fairTick {
			t.Errorf("slot after %s's throttled start came %s later, want %s", cl.key, gap, cl.backoff)
		}
		if next.key != cl.key {
			t.Errorf("slot after %s's throttled start went to %s, want %s (its turn)", cl.key, next.key, cl.key)
		}
	}
	if throttled < 5 {
		t.Fatalf("only %d starts throttled", throttled)
	}
	t.Logf("%d of %d starts throttled, each backing off %s; the returned key took the next slot each time", throttled, len(claims), backoff)
	c.fairness("acct").check(t, "throttled", keys, fairShare, 1)
}

// TestQueueFairShareLanesIndependent: a crowded lane whose starts are
// sometimes throttled does not delay a quiet one; each gets its own slot
// every interval.
func TestQueueFairShareLanesIndependent(t *testing.T) {
	c := newContention()
	c.throttle = func(lane string, n int) time.Duration {
		if lane == "crowded" {
			return throttleEvery(31, 4*fairInterval)(lane, n)
		}
		return 0
	}
	crowded := c.joinAll("crowded", "kb", fairKeys)
	quiet := c.joinAll("quiet", "other", 3)
	const rounds = 10
	c.run(rounds * fairShare)
	q := c.fairness("quiet")
	q.everyInterval(t, "quiet")
	if n, want := len(c.laneClaims("quiet")), int(rounds*fairShare/fairInterval); n < want {
		t.Errorf("quiet lane had %d slots in %s, want %d", n, rounds*fairShare, want)
	}
	q.check(t, "quiet", quiet, 3*fairInterval, 1)
	c.fairness("crowded").check(t, "crowded", crowded, fairShare, 1)
}

// TestQueueFairShareLateJoiner: a key that joins when 50 others are already
// contending gets its first slot within twice its fair share, 51 intervals,
// and then takes its turn like the others.
func TestQueueFairShareLateJoiner(t *testing.T) {
	for _, offset := range []time.Duration{0, fairTick, fairInterval / 2} {
		t.Run("joins "+offset.String()+" after a slot", func(t *testing.T) {
			c := newContention()
			c.joinAll("acct", "kb", fairKeys)
			c.run(3*fairShare + offset)
			late := c.joinAll("acct", "late", 1)
			c.run(5 * fairShare)
			// Its longest wait includes the first, from joining.
			c.fairness("acct").check(t, "late joiner", late, (fairKeys+1)*fairInterval, 0)
		})
	}
}

// TestQueueHoldsATimedHeadsSlot: once a late head has been timed, its next
// slot is its own from the moment it is available, also before the sweep
// that opens it runs (another key asking at that instant gets a wait), and
// Forget drops the timing, even after a claim took the key out of line.
func TestQueueHoldsATimedHeadsSlot(t *testing.T) {
	h := newHarness(fairInterval)
	ask := func(key string) bool { return h.q.Ask("acct", key) == 0 }
	if !ask("first") {
		t.Fatal("an empty lane's first ask gets the slot")
	}
	for _, k := range []string{"slow", "b", "c"} {
		if ask(k) {
			t.Fatalf("%s got a slot within the interval", k)
		}
	}
	h.step(fairInterval) // the slot opens for slow, which does not answer
	if got := h.wakes(); got != "slow" {
		t.Fatalf("woke %q, want slow", got)
	}
	h.step(fairInterval) // its grace passes: b is woken and takes the slot
	if got := h.wakes(); got != "b" || !ask("b") {
		t.Fatalf("woke %q; b should get the slot the late head let pass", got)
	}
	h.step(fairInterval / 2)
	if ask("slow") { // answers 2.5 intervals after its wakeup: timed
		t.Fatal("slow got a slot between two slots")
	}
	h.clk.Step(fairInterval / 2) // the next slot is available; no sweep yet
	if ask("c") {
		t.Fatal("c took the slot held for the timed head before the sweep opened it")
	}
	h.q.tick()
	if got := h.wakes(); got != "slow" {
		t.Fatalf("woke %q, want slow alone", got)
	}
	h.clk.Step(2 * fairInterval) // slower than a grace, within its hold
	if ask("c") {
		t.Fatal("c took the held slot")
	}
	if !ask("slow") {
		t.Fatal("the timed head did not get its held slot")
	}
	h.q.Forget("slow")
	for name, l := range h.q.lanes {
		if _, timed := l.answer["slow"]; timed {
			t.Errorf("lane %s still times slow after Forget", name)
		}
	}
}
