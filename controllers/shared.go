package controllers

import (
	"time"

	"k8s.io/apimachinery/pkg/types"

	"github.com/kbwarden/kbwarden/internal/aclsync"
	"github.com/kbwarden/kbwarden/internal/ingestion"
)

// IngestionOptions tune the ingestion step for the whole manager: Bedrock's
// limits are per account, whatever KnowledgeBase asks.
type IngestionOptions struct {
	// StartInterval spaces StartIngestionJob calls per account and region
	// (Bedrock allows about one per 10s).
	StartInterval time.Duration
	// PollMin and PollMax bound the delay between two looks at a running
	// job; the delay grows with the job's age.
	PollMin, PollMax time.Duration
}

// DefaultIngestionOptions are the production settings.
var DefaultIngestionOptions = IngestionOptions{StartInterval: ingestion.DefaultStartInterval, PollMin: 5 * time.Second, PollMax: 5 * time.Minute}

// withDefaults fills the unset settings from DefaultIngestionOptions.
func (o IngestionOptions) withDefaults() IngestionOptions {
	if o.StartInterval <= 0 {
		o.StartInterval = DefaultIngestionOptions.StartInterval
	}
	if o.PollMin <= 0 {
		o.PollMin = DefaultIngestionOptions.PollMin
	}
	if o.PollMax < o.PollMin {
		o.PollMax = max(o.PollMin, DefaultIngestionOptions.PollMax)
	}
	return o
}

// sharedState is what every reconcile of one manager shares, because it
// outlives a single reconcile: the ACL manifest cache (which makes a
// steady-state pass free of GETs), the per-account start queue (Bedrock's
// StartIngestionJob quota is per account, whatever KnowledgeBase asks), and
// when ACL changes not yet ingested were written (for the exposure metric).
// A restarted manager starts with an empty one, as a new process would.
type sharedState struct {
	opts       IngestionOptions
	acl        *aclsync.Syncer
	queue      *ingestion.Queue
	aclChanges *aclChangeLog
	driftCheck *driftCheckLog
	policies   bucketLocks
}

// forget drops what the shared state remembers of a deleted KnowledgeBase.
func (s *sharedState) forget(uid types.UID) {
	s.driftCheck.forget(uid)
	s.queue.Forget(string(uid))
	s.aclChanges.Lock()
	delete(s.aclChanges.byUID, uid)
	s.aclChanges.Unlock()
}

// shared returns the reconciler's shared state, built on first use from
// r.Ingestion.
func (r *KnowledgeBaseReconciler) shared() *sharedState {
	r.sharedOnce.Do(func() {
		opts := r.Ingestion.withDefaults()
		r.sharedState = &sharedState{
			opts:       opts,
			acl:        &aclsync.Syncer{Concurrency: aclsync.DefaultConcurrency},
			queue:      ingestion.NewQueue(opts.StartInterval, nil),
			aclChanges: &aclChangeLog{byUID: map[types.UID]aclChange{}},
			driftCheck: &driftCheckLog{byUID: map[types.UID]driftCheck{}},
		}
	})
	return r.sharedState
}
