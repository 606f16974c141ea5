package ingestion

import (
	"slices"
	"time"
)

// lane is one account and region's line. Its slot is available once next
// has passed; it is open (reserved for the head, who was woken) from
// openedAt until someone claims it or the lane backs off.
type lane struct {
	next   time.Time            // earliest start: interval after the last claim, or a backoff's end
	line   []string             // waiting keys, head first
	joined map[string]time.Time // when each waiting key joined; also the line's membership
	late   map[string]bool      // keys that let a slot reserved for them pass

	// A late key that asks again between two slots is alive but slow to
	// answer a wakeup (its reconcile is long, or queued behind others): left
	// alone it would lose every slot to a quicker key woken beside it. So
	// its slots at the head are held for it for as long as it took to
	// answer, plus a grace, until it lets a hold pass.
	wokenAt map[string]time.Time     // first wakeup a key has not answered yet
	answer  map[string]time.Duration // slow keys: how long they took to answer

	openedAt time.Time       // when the current slot was reserved for the head; zero: not yet
	hold     time.Duration   // how long the head has the current slot to itself
	woken    map[string]bool // keys woken for the current slot
	lastWake time.Time       // when the last of them was woken
}

// maxHoldGraces bounds the hold of a slow head, in graces: a KnowledgeBase
// that takes longer than this to answer waits like any late head.
const maxHoldGraces = 10

func (l *lane) has(key string) bool {
	_, ok := l.joined[key]
	return ok
}

func (l *lane) add(key string, now time.Time) {
	l.line = append(l.line, key)
	l.joined[key] = now
}

// drop takes key out of the line and returns where it was (-1: absent).
func (l *lane) drop(key string) int {
	i := slices.Index(l.line, key)
	if i < 0 {
		return -1
	}
	l.line = slices.Delete(l.line, i, i+1)
	delete(l.joined, key)
	delete(l.late, key)
	delete(l.woken, key)
	delete(l.wokenAt, key)
	return i
}

// asked notes that key asked at now without claiming: when it is late,
// how long it took to answer its first unanswered wakeup.
func (l *lane) asked(key string, now time.Time) {
	woken, ok := l.wokenAt[key]
	if !ok {
		return
	}
	delete(l.wokenAt, key)
	if l.late[key] {
		l.answer[key] = now.Sub(woken)
	}
}

// available says the quota allows a call now.
func (l *lane) available(now time.Time) bool { return !now.Before(l.next) }

// openToAll says the available slot goes to the first waiting key to ask,
// not only to the head: the head is late, or let its grace run out.
func (l *lane) openToAll(now time.Time, grace time.Duration) bool {
	if len(l.line) == 0 {
		return true
	}
	head := l.line[0]
	if l.openedAt.IsZero() {
		// Available but not opened yet (the sweep has not run): a late
		// head waits for nobody, unless it is timed, and then the sweep
		// holds this slot for it.
		_, timed := l.answer[head]
		return l.late[head] && !timed
	}
	if l.late[head] && l.hold == 0 {
		return true
	}
	return now.Sub(l.openedAt) >= max(grace, l.hold)
}

// closeSlot forgets the current reservation: the slot was claimed, the lane
// backed off, or the head changed. The next sweep opens a new one.
func (l *lane) closeSlot() {
	l.openedAt, l.hold, l.woken, l.lastWake = time.Time{}, 0, nil, time.Time{}
}

// sweep opens an available slot for the head (waking it, and the key behind
// it when the head is late), and wakes one more waiting key each time a
// grace passes unclaimed. A sweep that comes late wakes one key, not one per
// grace missed: more wakeups would only lengthen the work queue that made
// everyone late. It returns the keys to wake.
func (l *lane) sweep(now time.Time, grace time.Duration) []string {
	if len(l.line) == 0 {
		l.closeSlot()
		return nil
	}
	if !l.available(now) {
		return nil
	}
	head := l.line[0]
	n := 0
	switch {
	case l.openedAt.IsZero():
		l.openedAt, l.woken = now, map[string]bool{}
		n = 1
		if took, slow := l.answer[head]; slow {
			l.hold = min(took+grace, maxHoldGraces*grace)
		} else if l.late[head] {
			n = 2
		}
	case now.Sub(l.lastWake) >= max(grace, l.hold):
		// Even a hold passed: the head must ask again, and be timed
		// again, to be held for again.
		l.late[head] = true
		l.hold = 0
		delete(l.answer, head)
		n = 1
	}
	var wakes []string
	for ; n > 0; n-- {
		k, ok := l.nextUnwoken()
		if !ok {
			break
		}
		l.woken[k], l.lastWake = true, now
		if _, waiting := l.wokenAt[k]; !waiting {
			l.wokenAt[k] = now
		}
		wakes = append(wakes, k)
	}
	return wakes
}

// nextUnwoken is the first waiting key not yet woken for the current slot.
func (l *lane) nextUnwoken() (string, bool) {
	for _, k := range l.line {
		if !l.woken[k] {
			return k, true
		}
	}
	return "", false
}

// deadline is when the lane next needs a sweep: its slot opening, or the
// grace of the last wakeup running out while someone is left to wake.
func (l *lane) deadline(now time.Time, grace time.Duration) (time.Time, bool) {
	switch {
	case len(l.line) == 0:
		return time.Time{}, false
	case !l.available(now):
		return l.next, true
	case l.openedAt.IsZero():
		return now, true
	case len(l.woken) >= len(l.line):
		return time.Time{}, false
	}
	return l.lastWake.Add(max(grace, l.hold)), true
}
