package controllers

import (
	"sync"
	"time"

	"k8s.io/apimachinery/pkg/types"

	kbv1 "github.com/kbwarden/kbwarden/api/v1alpha1"
)

// driftCheckLog remembers, per KnowledgeBase, the last drift check of one
// concern that succeeded: the generation it checked and when. A reconcile
// that comes early for another reason (polling a running ingestion job, a
// debounce timer) then skips the concern's read calls, so a long job does
// not multiply the steady-state cost. Each step that checks drift owns one.
// It lives in memory: a restarted manager checks every bucket once at start.
type driftCheckLog struct {
	mu    sync.Mutex
	byUID map[types.UID]driftCheck
}

type driftCheck struct {
	generation int64
	at         time.Time
	// token is the manual trigger token the check ran for, so a request
	// queued behind a running job causes one check, not one per poll.
	token string
	// requested is set by request: someone needs a fresh look now.
	requested bool
}

// due reports whether the vector bucket of obj must be checked now: never
// checked by this process, a new generation, a pending manual trigger, or
// (nearly) a whole interval since the last check. The margin absorbs timer
// granularity; the requeue itself is the interval plus jitter.
func (l *driftCheckLog) due(obj *kbv1.KnowledgeBase, now time.Time) bool {
	return l.dueEvery(obj, now, obj.GetInterval())
}

// dueEvery is due for a concern looked at every interval rather than every
// spec.interval.
func (l *driftCheckLog) dueEvery(obj *kbv1.KnowledgeBase, now time.Time, interval time.Duration) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	c, ok := l.byUID[obj.UID]
	if token, pending := obj.RequestedAt(); pending && (!ok || c.token != token) {
		return true
	}
	return !ok || c.requested || c.generation != obj.Generation || now.Sub(c.at) >= interval*19/20
}

// request makes the next check of obj due, whatever the interval says: the
// ingestion step asks for it when a job failed after the last check.
func (l *driftCheckLog) request(uid types.UID) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if c, ok := l.byUID[uid]; ok {
		c.requested = true
		l.byUID[uid] = c
	}
}

// done records a successful check.
func (l *driftCheckLog) done(obj *kbv1.KnowledgeBase, now time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	token, _ := obj.RequestedAt()
	l.byUID[obj.UID] = driftCheck{generation: obj.Generation, at: now, token: token}
}

func newDriftCheckLog() *driftCheckLog { return &driftCheckLog{byUID: map[types.UID]driftCheck{}} }

// forget drops a deleted KnowledgeBase.
func (l *driftCheckLog) forget(uid types.UID) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.byUID, uid)
}
