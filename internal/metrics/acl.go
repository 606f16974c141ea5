package metrics

import (
	"github.com/prometheus/client_golang/prometheus"
	ctrlmetrics "sigs.k8s.io/controller-runtime/pkg/metrics"
)

var (
	// ACLFilesWritten counts the ACL files (sidecars or the global file)
	// kbwarden wrote or removed.
	ACLFilesWritten = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "kbwarden_acl_files_written_total",
		Help: "ACL files (sidecars or the global ACL file) kbwarden wrote or removed in the documents bucket.",
	}, []string{"namespace", "name"})

	// DocumentsUnreachable is the number of documents no rule allows anybody
	// to retrieve (deny by default).
	DocumentsUnreachable = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "kbwarden_documents_unreachable",
		Help: "Documents of the KnowledgeBase that no ACL rule allows anybody to retrieve (deny by default).",
	}, []string{"namespace", "name"})
)

func init() {
	ctrlmetrics.Registry.MustRegister(ACLFilesWritten, DocumentsUnreachable)
}

// ForgetACL removes the ACL series of a deleted KnowledgeBase.
func ForgetACL(namespace, name string) {
	labels := prometheus.Labels{"namespace": namespace, "name": name}
	ACLFilesWritten.DeletePartialMatch(labels)
	DocumentsUnreachable.DeletePartialMatch(labels)
}
