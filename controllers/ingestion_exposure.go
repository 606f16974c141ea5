package controllers

import (
	"sync"
	"time"

	"k8s.io/apimachinery/pkg/types"

	kbv1 "github.com/kbwarden/kbwarden/api/v1alpha1"
	"github.com/kbwarden/kbwarden/internal/metrics"
)

// exposureLog remembers, per KnowledgeBase, when the ACL hash it has not
// yet seen ingested was written, for the exposure-window metric: the time
// from an ACL change to the job that enforces it. It lives in memory:
// after a restart the exposure of a change in flight is not measured,
// which loses one sample rather than inventing one.
type exposureLog struct {
	mu    sync.Mutex
	byUID map[types.UID]aclChange
}

type aclChange struct {
	hash    string
	written time.Time
}

func newExposureLog() *exposureLog { return &exposureLog{byUID: map[types.UID]aclChange{}} }

// noteACLChange records when the current ACL hash was written, the first
// time a pass sees it differ from the last successful job's.
func (p *ingestionPass) noteACLChange() {
	st := p.obj.Status.Ingestion
	if p.acl.aclHash == "" || st.LastSuccessfulJob == nil || st.LastSuccessfulJob.ACLHash == p.acl.aclHash {
		return
	}
	written := p.now
	switch {
	case p.acl.lastWriteTime != nil:
		written = p.acl.lastWriteTime.Time
	case p.acl.lastSyncTime != nil:
		written = p.acl.lastSyncTime.Time
	}
	p.s.exposure.note(p.obj.UID, aclChange{hash: p.acl.aclHash, written: written})
}

// observeExposure measures the ACL exposure window when a COMPLETE job
// includes the ACL change noted earlier.
func (p *ingestionPass) observeExposure(job *kbv1.IngestionJob) {
	if job.UpdatedAt == nil {
		return
	}
	if c, ok := p.s.exposure.take(p.obj.UID, job.ACLHash); ok {
		metrics.ACLExposureWindow.WithLabelValues(p.obj.Namespace, p.obj.Name).Observe(job.UpdatedAt.Sub(c.written).Seconds())
	}
}

// note keeps the first sighting of a hash.
func (l *exposureLog) note(uid types.UID, c aclChange) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if old, ok := l.byUID[uid]; ok && old.hash == c.hash {
		return
	}
	l.byUID[uid] = c
}

// take returns and drops the change of hash, if it is the one noted.
func (l *exposureLog) take(uid types.UID, hash string) (aclChange, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	c, ok := l.byUID[uid]
	if !ok || c.hash != hash {
		return aclChange{}, false
	}
	delete(l.byUID, uid)
	return c, true
}

func (l *exposureLog) forget(uid types.UID) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.byUID, uid)
}
