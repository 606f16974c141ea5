package controllers

import (
	"context"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"

	kbv1 "github.com/kbwarden/kbwarden/api/v1alpha1"
)

// policyBackups is how many replaced policies the backup ConfigMap keeps.
const policyBackups = 5

// policyBackupName names the backup ConfigMap of a KnowledgeBase.
func policyBackupName(obj *kbv1.KnowledgeBase) string { return obj.Name + "-policy-backup" }

// policyBackupKey is the ConfigMap key of the n-th newest backup (1 is the newest).
func policyBackupKey(n int) string { return fmt.Sprintf("policy-%d", n) }

// backupPolicy keeps the policy kbwarden is about to replace, as the runbook
// does by hand before a repair. The ConfigMap holds the last five, newest as
// policy-1, with the time each was saved in an annotation; it is owned by the
// KnowledgeBase, so it goes when the KnowledgeBase goes. Rolling back is one
// command (see the README):
//
//	kubectl get configmap NAME -o jsonpath='{.data.policy-1}' > p.json && aws s3api put-bucket-policy --bucket B --policy file://p.json
func (s *vectorBucketPolicyStep) backup(ctx context.Context, obj *kbv1.KnowledgeBase, policy string) (string, error) {
	cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: policyBackupName(obj), Namespace: obj.Namespace}}
	// Read past the manager's cache, which holds only kbwarden's labelled
	// ConfigMaps: an unlabelled one of that name is someone else's.
	err := s.reader.Get(ctx, client.ObjectKeyFromObject(cm), cm)
	if err != nil && !apierrors.IsNotFound(err) {
		return "", err
	}
	exists := err == nil
	if exists && !metav1.IsControlledBy(cm, obj) {
		return "", fmt.Errorf("configmap %s exists and is not owned by this KnowledgeBase; kbwarden does not overwrite it", cm.Name)
	}
	if cm.Data == nil {
		cm.Data = map[string]string{}
	}
	if cm.Annotations == nil {
		cm.Annotations = map[string]string{}
	}
	if exists && cm.Data[policyBackupKey(1)] == policy {
		// A repair that failed and is retried, or a drift that came back
		// to the same policy: the newest backup already holds it, and
		// rotating again would push the older policies out until all five
		// slots held this one and the pre-incident policy was gone.
		return cm.Name, nil
	}
	for n := policyBackups; n > 1; n-- {
		if v, ok := cm.Data[policyBackupKey(n-1)]; ok {
			cm.Data[policyBackupKey(n)] = v
			cm.Annotations["kbwarden.io/"+policyBackupKey(n)+"-saved-at"] = cm.Annotations["kbwarden.io/"+policyBackupKey(n-1)+"-saved-at"]
		}
	}
	cm.Data[policyBackupKey(1)] = policy
	cm.Annotations["kbwarden.io/"+policyBackupKey(1)+"-saved-at"] = s.clock.Now().UTC().Format(time.RFC3339)
	cm.Annotations["kbwarden.io/bucket"] = obj.Spec.VectorBucket.Name
	if cm.Labels == nil {
		cm.Labels = map[string]string{}
	}
	cm.Labels["app.kubernetes.io/managed-by"] = "kbwarden"
	if err := controllerutil.SetControllerReference(obj, cm, s.client.Scheme()); err != nil {
		return "", err
	}
	if exists {
		return cm.Name, s.client.Update(ctx, cm)
	}
	return cm.Name, s.client.Create(ctx, cm)
}
