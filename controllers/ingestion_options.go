package controllers

import (
	"time"

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
