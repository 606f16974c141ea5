package controllers

import (
	"sync"

	"k8s.io/apimachinery/pkg/types"
)

// staleReads remembers, per KnowledgeBase, the resourceVersions that the
// reconciler's last status write superseded: the one the pass read and the
// one it wrote against (after its finalizer patch). The manager's cache
// can hand the next pass one of them for a few milliseconds after the
// write; such a pass would decide from the status before the write (start
// the ingestion job the previous pass started, report a binding as not
// verified yet), so Reconcile looks again shortly instead of running it. A
// resourceVersion never comes back once superseded, so equality is enough;
// a copy older than these (a write kbwarden did not see) is caught by the
// status patch's optimistic lock instead.
type staleReads struct {
	mu    sync.Mutex
	byUID map[types.UID][2]string
}

func newStaleReads() *staleReads { return &staleReads{byUID: map[types.UID][2]string{}} }

// wrote records that a status write replaced read and base.
func (s *staleReads) wrote(uid types.UID, read, base string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.byUID[uid] = [2]string{read, base}
}

// stale reports whether resourceVersion rv of uid was superseded by a write
// of this reconciler.
func (s *staleReads) stale(uid types.UID, rv string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	old, ok := s.byUID[uid]
	return ok && rv != "" && (rv == old[0] || rv == old[1])
}

// forget drops a deleted KnowledgeBase.
func (s *staleReads) forget(uid types.UID) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.byUID, uid)
}
