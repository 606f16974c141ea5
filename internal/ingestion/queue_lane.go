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

	openedAt time.Time       // when the current slot was reserved for the head; zero: not yet
	woken    map[string]bool // keys woken for the current slot
	lastWake time.Time       // when the last of them was woken
}

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
	return i
}

// available says the quota allows a call now.
func (l *lane) available(now time.Time) bool { return !now.Before(l.next) }

// openToAll says the available slot goes to the first waiting key to ask,
// not only to the head: the head is late, or let its grace run out.
func (l *lane) openToAll(now time.Time, grace time.Duration) bool {
	if len(l.line) == 0 || l.late[l.line[0]] {
		return true
	}
	return !l.openedAt.IsZero() && now.Sub(l.openedAt) >= grace
}

// closeSlot forgets the current reservation: the slot was claimed, the lane
// backed off, or the head changed. The next sweep opens a new one.
func (l *lane) closeSlot() {
	l.openedAt, l.woken, l.lastWake = time.Time{}, nil, time.Time{}
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
	n := 0
	switch {
	case l.openedAt.IsZero():
		l.openedAt, l.woken = now, map[string]bool{}
		n = 1
		if l.late[l.line[0]] {
			n = 2
		}
	case now.Sub(l.lastWake) >= grace:
		l.late[l.line[0]] = true
		n = 1
	}
	var wakes []string
	for ; n > 0; n-- {
		k, ok := l.nextUnwoken()
		if !ok {
			break
		}
		l.woken[k], l.lastWake = true, now
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
	return l.lastWake.Add(grace), true
}
