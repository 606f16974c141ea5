package controllers

import (
	"errors"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	kbv1 "github.com/kbwarden/kbwarden/api/v1alpha1"
	"github.com/kbwarden/kbwarden/internal/awsclient"
)

// pass is what one reconcile learns, handed forward from step to step the
// way Flux's bucket controller hands its artifact and index: each step
// reads what earlier steps put here and adds its own result. Nothing here
// outlives the reconcile; a step's state between passes is its own.
type pass struct {
	// now is when the pass started, from the reconciler's clock.
	now time.Time
	// target is where the AWS calls go, resolved by the preconditions step;
	// nil when the pass is blocked before any AWS call.
	target *target
	// gate says which concerns the preconditions step blocked, and why.
	gate gate
	// policy is the vector bucket policy step's report.
	policy *policyReport
	// acl is the access control step's report.
	acl *aclReport
}

// concern names what a precondition can block: each step reports its
// block under its own condition.
type concern int

const (
	concernPolicy concern = iota
	concernVersioning
	concernAccessControl
	concernIngestion
	concerns
)

// gate holds, per concern, the stalling error that keeps it from running.
type gate [concerns]error

// block stops the named concerns, keeping the first reason given to each.
func (g *gate) block(err error, cs ...concern) {
	for _, c := range cs {
		if g[c] == nil {
			g[c] = err
		}
	}
}

// blocked returns why c may not run, or nil.
func (g *gate) blocked(c concern) error { return g[c] }

// first returns the first block, in step order, or nil.
func (g *gate) first() error {
	for _, err := range g {
		if err != nil {
			return err
		}
	}
	return nil
}

// target is what every AWS step of one reconcile needs: the region's clients
// and the account and partition the ARNs are built from.
type target struct {
	clients   *awsclient.Clients
	region    string
	account   string
	partition string
	// mayTouch says whether kbwarden may change or delete an object (the
	// binding's grant, or the allow-list); nil allows everything.
	mayTouch func(bucket, key string) bool
}

// cleanupBlocked decides what a deletion does when the AWS target could
// not be resolved: a binding still being verified, or a transient failure,
// is retried; a refusal (no binding, not granted, another account, the
// allow-list) removes nothing and lets the object go, since kbwarden may
// not touch that bucket any more, and keeping the finalizer would keep the
// namespace Terminating for good.
func cleanupBlocked(p *pass) error {
	err := p.gate.first()
	var stall *StallingError
	if errors.As(err, &stall) {
		return nil
	}
	return err
}

// reportBlocked sets condType to status with the reason of a block, and
// reports whether c was blocked. Each step calls it first, for its own
// condition only.
func reportBlocked(obj *kbv1.KnowledgeBase, p *pass, c concern, condType string, status metav1.ConditionStatus) bool {
	err := p.gate.blocked(c)
	if err == nil {
		return false
	}
	setCondition(obj, condType, status, reasonOf(err, kbv1.AWSErrorReason), "%s", err.Error())
	return true
}

// aclOwner names a KnowledgeBase's bookkeeping folder, "<namespace>.<name>":
// the access control step writes there, and the preconditions step checks
// the folder is granted.
func aclOwner(obj *kbv1.KnowledgeBase) string { return obj.Namespace + "." + obj.Name }
