// Package metrics defines kbwarden's Prometheus metrics, registered with
// controller-runtime's registry so the manager's /metrics endpoint serves them.
package metrics

import (
	"github.com/prometheus/client_golang/prometheus"
	ctrlmetrics "sigs.k8s.io/controller-runtime/pkg/metrics"
)

// Concern label values.
const (
	ConcernBucketPolicy = "bucket_policy"
	ConcernVersioning   = "versioning"
	ConcernACL          = "access_control"
	// ConcernRefreshSchedule is an Amazon Quick knowledge base's refresh
	// schedule (spec.quick).
	ConcernRefreshSchedule = "refresh_schedule"
)

var (
	// DriftDetected counts drifts found, whatever the drift policy.
	DriftDetected = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "kbwarden_drift_detected_total",
		Help: "Drifts of the live AWS state from the KnowledgeBase spec that kbwarden found.",
	}, []string{"namespace", "name", "concern"})

	// DriftRepairs counts drifts kbwarden repaired (driftPolicy Enforce).
	DriftRepairs = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "kbwarden_drift_repairs_total",
		Help: "Drifts kbwarden repaired.",
	}, []string{"namespace", "name", "concern"})

	// Drifted is 1 while a concern is drifted and left alone (driftPolicy Observe).
	Drifted = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "kbwarden_drifted",
		Help: "1 while a concern of the KnowledgeBase differs from its spec and is not repaired.",
	}, []string{"namespace", "name", "concern"})
)

func init() {
	ctrlmetrics.Registry.MustRegister(DriftDetected, DriftRepairs, Drifted)
}

// Forget removes every series of a deleted KnowledgeBase.
func Forget(namespace, name string) {
	labels := prometheus.Labels{"namespace": namespace, "name": name}
	DriftDetected.DeletePartialMatch(labels)
	DriftRepairs.DeletePartialMatch(labels)
	Drifted.DeletePartialMatch(labels)
}
