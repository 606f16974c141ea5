package metrics

import (
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	ctrlmetrics "sigs.k8s.io/controller-runtime/pkg/metrics"
)

// Start queue metrics, one series per lane (the queue's key, account and
// region, such as "123456789012/us-east-1"). They are read from the queue
// when Prometheus scrapes, not pushed on every change, so the head's wait
// is current even while nothing moves (a stalled lane is what they are for).
var (
	// StartQueueWaiting is how many KnowledgeBases wait for a
	// StartIngestionJob slot in a lane.
	StartQueueWaiting = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "kbwarden_start_queue_waiting",
		Help: "KnowledgeBases waiting in the StartIngestionJob queue of an account and region.",
	}, []string{"lane"})

	// StartQueueHeadWait is how long the head of a lane has waited, in
	// seconds; 0 when nobody waits. Alert when it exceeds a few times the
	// lane's length times the start interval: the queue is not moving.
	StartQueueHeadWait = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "kbwarden_start_queue_head_wait_seconds",
		Help: "Seconds the first KnowledgeBase in the StartIngestionJob queue of an account and region has waited.",
	}, []string{"lane"})
)

// StartQueueStats reports every lane of a start queue to f; the
// ingestion queue's Stats method is one.
type StartQueueStats func(f func(lane string, waiting int, headWait time.Duration))

// startQueue is the collector that fills the two gauges at scrape time
// from the source ObserveStartQueue set.
type startQueue struct {
	mu     sync.Mutex
	source StartQueueStats
}

var startQueueCollector = &startQueue{}

func init() {
	ctrlmetrics.Registry.MustRegister(startQueueCollector)
}

// ObserveStartQueue makes the start queue metrics report stats (for
// example metrics.ObserveStartQueue(queue.Stats)). A later call replaces
// the source, as a new manager replaces its queue; nil stops reporting.
func ObserveStartQueue(stats StartQueueStats) {
	startQueueCollector.mu.Lock()
	defer startQueueCollector.mu.Unlock()
	startQueueCollector.source = stats
}

// Describe implements prometheus.Collector.
func (c *startQueue) Describe(ch chan<- *prometheus.Desc) {
	StartQueueWaiting.Describe(ch)
	StartQueueHeadWait.Describe(ch)
}

// Collect implements prometheus.Collector: it reads the queue, so lanes
// that are gone disappear and the head's wait is as of the scrape.
func (c *startQueue) Collect(ch chan<- prometheus.Metric) {
	c.mu.Lock()
	defer c.mu.Unlock()
	StartQueueWaiting.Reset()
	StartQueueHeadWait.Reset()
	if c.source != nil {
		c.source(func(lane string, waiting int, headWait time.Duration) {
			StartQueueWaiting.WithLabelValues(lane).Set(float64(waiting))
			StartQueueHeadWait.WithLabelValues(lane).Set(headWait.Seconds())
		})
	}
	StartQueueWaiting.Collect(ch)
	StartQueueHeadWait.Collect(ch)
}
