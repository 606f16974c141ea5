package controllers

import "sync"

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
