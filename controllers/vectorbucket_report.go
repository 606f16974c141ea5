package controllers

import (
	"sync"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
)

// policyReport is what the vector bucket policy step hands forward: enough
// for the ingestion step to explain a job that failed on an access error
// (which permission the live policy lacks, or lacked when the job ran) and
// to tell when the cause was repaired, without reading the policy itself.
type policyReport struct {
	// bucket is the vector bucket; principal is who kbwarden's statement
	// allows (the service principal or the role ARN).
	bucket, principal string
	// observe is true under driftPolicy Observe: nothing is repaired.
	observe bool
	// checkedAt is when the live policy was last read by this process
	// (zero before the first check).
	checkedAt time.Time
	// missing lists the actions kbwarden's statement lacks in the live
	// policy after that check (empty after a repair).
	missing []string
	// lastRepair is when kbwarden last repaired the policy (status, to the
	// second); repairedAt is the same instant to the nanosecond, when this
	// process made the repair.
	lastRepair *metav1.Time
	repairedAt time.Time
	// replacedMissing lists what the policy replaced by the last repair
	// lacked, when this process made that repair.
	replacedMissing []string
	// inSync is VectorBucketPolicyInSync being True; inSyncSince is when
	// it turned True (a repair by hand shows here).
	inSync      bool
	inSyncSince *metav1.Time
}

// repairedSince reports whether kbwarden repaired the policy after t, an
// AWS timestamp: to the nanosecond when this process made the repair, else
// from status, where a repair stored as 12:00:05 may be 12:00:05.9.
func (r *policyReport) repairedSince(t *metav1.Time) bool {
	switch {
	case t == nil:
		return false
	case !r.repairedAt.IsZero():
		return !r.repairedAt.Before(t.Time)
	case r.lastRepair != nil:
		return notBefore(t, r.lastRepair)
	}
	return false
}

// fixedSince reports whether the policy turned in sync after t, whoever
// fixed it: a transition stored as 12:00:05 counts only for a job that
// started before 12:00:05, since it may have been 12:00:05.0.
func (r *policyReport) fixedSince(t *metav1.Time) bool {
	if t == nil || !r.inSync {
		return false
	}
	return r.repairedSince(t) || (r.inSyncSince != nil && r.inSyncSince.Time.After(t.Time))
}

// staleFor reports whether the last check is older than t (a job that
// ended after it may have met a policy the report does not know).
func (r *policyReport) staleFor(t *metav1.Time) bool {
	return t != nil && r.checkedAt.Before(t.Time)
}

// policyMemory keeps, per KnowledgeBase, what the last policy check found,
// so a pass that skips the check still reports it. It lives in memory: the
// first pass of a restarted manager checks again.
type policyMemory struct {
	mu    sync.Mutex
	byUID map[types.UID]policyCheck
}

type policyCheck struct {
	at              time.Time
	repairedAt      time.Time
	missing         []string
	replacedMissing []string
}

// checked records a check that repaired nothing.
func (m *policyMemory) checked(uid types.UID, at time.Time, missing []string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	c := m.byUID[uid]
	c.at, c.missing = at, missing
	m.byUID[uid] = c
}

// repaired records a check that replaced a policy lacking missing.
func (m *policyMemory) repaired(uid types.UID, at time.Time, missing []string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.byUID[uid] = policyCheck{at: at, repairedAt: at, replacedMissing: missing}
}

func (m *policyMemory) get(uid types.UID) (policyCheck, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	c, ok := m.byUID[uid]
	return c, ok
}

func (m *policyMemory) forget(uid types.UID) {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.byUID, uid)
}

// bucketLocks serialises kbwarden's read-merge-write of one bucket's policy
// across concurrent reconciles: two KnowledgeBases sharing a vector bucket
// (with different statement IDs) would otherwise both read the policy and
// the second write would drop the first one's statement.
type bucketLocks struct {
	mu    sync.Mutex
	locks map[string]*sync.Mutex
}

// lock locks the bucket of region and returns its unlock.
func (b *bucketLocks) lock(region, bucket string) (unlock func()) {
	b.mu.Lock()
	if b.locks == nil {
		b.locks = map[string]*sync.Mutex{}
	}
	m, ok := b.locks[region+"/"+bucket]
	if !ok {
		m = &sync.Mutex{}
		b.locks[region+"/"+bucket] = m
	}
	b.mu.Unlock()
	m.Lock()
	return m.Unlock
}
