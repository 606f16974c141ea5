package metrics

import (
	"github.com/prometheus/client_golang/prometheus"
	ctrlmetrics "sigs.k8s.io/controller-runtime/pkg/metrics"
)

// Ingestion metrics. config/prometheus/alerts.yaml alerts on
// kbwarden_ingestion_jobs_failed_total and
// kbwarden_last_successful_ingestion_timestamp_seconds by these exact names.
var (
	// IngestionJobsStarted counts the jobs kbwarden started, by trigger
	// (Changed, Interval, Manual, Repair).
	IngestionJobsStarted = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "kbwarden_ingestion_jobs_started_total",
		Help: "Ingestion jobs kbwarden started, by trigger.",
	}, []string{"namespace", "name", "trigger"})

	// IngestionJobsFailed counts jobs seen ending FAILED or STOPPED (whoever
	// started them), by reason: AccessDenied, Failed or Stopped.
	IngestionJobsFailed = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "kbwarden_ingestion_jobs_failed_total",
		Help: "Ingestion jobs that ended without completing, by reason.",
	}, []string{"namespace", "name", "reason"})

	// IngestionJobDuration is how long jobs ran, from start to their last
	// status change, observed once per job when kbwarden sees it end.
	IngestionJobDuration = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "kbwarden_ingestion_job_duration_seconds",
		Help:    "Duration of ingestion jobs, from start to end.",
		Buckets: []float64{1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600, 7200, 14400},
	}, []string{"namespace", "name"})

	// LastSuccessfulIngestion is when the last COMPLETE job ended, in Unix
	// seconds; alert on time() minus it.
	LastSuccessfulIngestion = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "kbwarden_last_successful_ingestion_timestamp_seconds",
		Help: "End of the last successful ingestion job, in seconds since the Unix epoch.",
	}, []string{"namespace", "name"})

	// ACLExposureWindow is how long ACL files said one thing while the
	// knowledge base still enforced the previous ACLs: from the ACL change
	// being written to the end of the first COMPLETE job that includes it.
	ACLExposureWindow = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "kbwarden_acl_exposure_window_seconds",
		Help:    "Seconds from an ACL change being written to the end of the first completed ingestion job including it.",
		Buckets: []float64{10, 30, 60, 120, 300, 600, 1800, 3600, 7200, 21600, 86400},
	}, []string{"namespace", "name"})
)

func init() {
	ctrlmetrics.Registry.MustRegister(IngestionJobsStarted, IngestionJobsFailed,
		IngestionJobDuration, LastSuccessfulIngestion, ACLExposureWindow)
}

// ForgetIngestion removes every ingestion series of a deleted KnowledgeBase.
func ForgetIngestion(namespace, name string) {
	labels := prometheus.Labels{"namespace": namespace, "name": name}
	IngestionJobsStarted.DeletePartialMatch(labels)
	IngestionJobsFailed.DeletePartialMatch(labels)
	IngestionJobDuration.DeletePartialMatch(labels)
	LastSuccessfulIngestion.DeletePartialMatch(labels)
	ACLExposureWindow.DeletePartialMatch(labels)
}
