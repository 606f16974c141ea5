package controllers

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/onsi/gomega"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"

	kbv1 "github.com/kbwarden/kbwarden/api/v1alpha1"
)

// TestCRDValidation applies valid and invalid KnowledgeBases to the real API
// server and checks that each invalid one is rejected with its own message.
func TestCRDValidation(t *testing.T) {
	t.Parallel()
	rule := func(prefix string, allow ...kbv1.ACLEntry) kbv1.ACLRule {
		return kbv1.ACLRule{Prefix: prefix, Allow: allow}
	}
	user := func(u string) kbv1.ACLEntry { return kbv1.ACLEntry{User: u} }
	group := func(g string) kbv1.ACLEntry { return kbv1.ACLEntry{Group: g} }

	tests := map[string]struct {
		mutate  func(*kbv1.KnowledgeBase)
		wantErr string // empty: the object is accepted
	}{
		"minimal is valid": {mutate: func(*kbv1.KnowledgeBase) {}},
		"full S3 spec is valid": {mutate: func(kb *kbv1.KnowledgeBase) {
			kb.Spec.Region, kb.Spec.AccountID = "us-east-1", "275666109134"
			kb.Spec.VectorBucket.Versioning = kbv1.VersioningEnabled
			kb.Spec.VectorBucket.Policy = &kbv1.BucketPolicySpec{
				Principal: &kbv1.PolicyPrincipal{Service: "bedrock.amazonaws.com"},
				Actions:   []kbv1.PolicyAction{"s3:GetObject", "s3:PutObject"}, SourceArnScope: kbv1.SourceArnAccount,
			}
			kb.Spec.AccessControl = &kbv1.AccessControlSpec{Mode: kbv1.AccessControlGlobal, GlobalFile: "acl/acl.json",
				Rules: []kbv1.ACLRule{rule("sales/", group("Sales"), user("Ana@Example.com")),
					{Prefix: "hr/confidential/", Allow: []kbv1.ACLEntry{group("HR")}, Deny: []kbv1.ACLEntry{group("Contractors")}}}}
		}},
		"S3Vectors without versioning is valid": {mutate: func(kb *kbv1.KnowledgeBase) {
			kb.Spec.VectorBucket = kbv1.VectorBucketSpec{Name: "kb-vectors", Type: kbv1.VectorBucketS3Vectors,
				Policy: &kbv1.BucketPolicySpec{Actions: []kbv1.PolicyAction{"s3vectors:PutVectors"}}}
		}},
		"a wildcard action is not in the closed grammar": {
			mutate: func(kb *kbv1.KnowledgeBase) {
				kb.Spec.VectorBucket.Policy = &kbv1.BucketPolicySpec{Actions: []kbv1.PolicyAction{"s3:*"}}
			},
			wantErr: `spec.vectorBucket.policy.actions[0]: Unsupported value: "s3:*"`,
		},
		"an action a knowledge base does not need": {
			mutate: func(kb *kbv1.KnowledgeBase) {
				kb.Spec.VectorBucket.Policy = &kbv1.BucketPolicySpec{Actions: []kbv1.PolicyAction{"s3:PutBucketPolicy"}}
			},
			wantErr: `Unsupported value: "s3:PutBucketPolicy"`,
		},
		"a service principal other than Bedrock's": {
			mutate: func(kb *kbv1.KnowledgeBase) {
				kb.Spec.VectorBucket.Policy = &kbv1.BucketPolicySpec{Principal: &kbv1.PolicyPrincipal{Service: "s3.amazonaws.com"}}
			},
			wantErr: `spec.vectorBucket.policy.principal.service: Unsupported value: "s3.amazonaws.com"`,
		},
		"a role principal in a foreign account": {
			mutate: func(kb *kbv1.KnowledgeBase) {
				kb.Spec.AccountID = "275666109134"
				kb.Spec.VectorBucket.Policy = &kbv1.BucketPolicySpec{Principal: &kbv1.PolicyPrincipal{RoleARN: "arn:aws:iam::999999999999:role/x"}}
			},
			wantErr: "a principal.roleArn must be a role in spec.accountId's account",
		},
		"a role principal in the KnowledgeBase's account": {
			mutate: func(kb *kbv1.KnowledgeBase) {
				kb.Spec.AccountID = "275666109134"
				kb.Spec.VectorBucket.Policy = &kbv1.BucketPolicySpec{Principal: &kbv1.PolicyPrincipal{RoleARN: "arn:aws:iam::275666109134:role/kb-service"}}
			},
		},
		"knowledgeBaseId too short": {
			mutate:  func(kb *kbv1.KnowledgeBase) { kb.Spec.Bedrock.KnowledgeBaseID = "KB1" },
			wantErr: `spec.bedrock.knowledgeBaseId: Invalid value: "KB1": spec.bedrock.knowledgeBaseId in body should match '^[0-9A-Za-z]{10}$'`,
		},
		"dataSourceId with a dash": {
			mutate:  func(kb *kbv1.KnowledgeBase) { kb.Spec.Bedrock.DataSourceID = "DS-2345678" },
			wantErr: `spec.bedrock.dataSourceId in body should match`,
		},
		"bucket name with two dots": {
			mutate:  func(kb *kbv1.KnowledgeBase) { kb.Spec.VectorBucket.Name = "my..bucket" },
			wantErr: `spec.vectorBucket.name: Invalid value: "my..bucket": not a valid S3 bucket name`,
		},
		"bucket name like an IP address": {
			mutate:  func(kb *kbv1.KnowledgeBase) { kb.Spec.Documents.Bucket = "192.168.5.4" },
			wantErr: `spec.documents.bucket: Invalid value: "192.168.5.4": not a valid S3 bucket name`,
		},
		"bucket name with capitals": {
			mutate:  func(kb *kbv1.KnowledgeBase) { kb.Spec.VectorBucket.Name = "MyBucket" },
			wantErr: "spec.vectorBucket.name in body should match",
		},
		"versioning on an S3Vectors bucket": {
			mutate: func(kb *kbv1.KnowledgeBase) {
				kb.Spec.VectorBucket = kbv1.VectorBucketSpec{Name: "kb-vectors", Type: kbv1.VectorBucketS3Vectors, Versioning: kbv1.VersioningEnabled}
			},
			wantErr: "versioning cannot be set on an S3Vectors bucket",
		},
		"S3Vectors bucket name with a dot": {
			mutate: func(kb *kbv1.KnowledgeBase) {
				kb.Spec.VectorBucket = kbv1.VectorBucketSpec{Name: "kb.vectors", Type: kbv1.VectorBucketS3Vectors}
			},
			wantErr: "an S3Vectors bucket name has 3 to 63 lower-case letters",
		},
		"s3vectors actions on an S3 bucket": {
			mutate: func(kb *kbv1.KnowledgeBase) {
				kb.Spec.VectorBucket.Policy = &kbv1.BucketPolicySpec{Actions: []kbv1.PolicyAction{"s3vectors:PutVectors"}}
			},
			wantErr: "policy.actions must all be s3: actions for an S3 bucket",
		},
		"principal with both service and role": {
			mutate: func(kb *kbv1.KnowledgeBase) {
				kb.Spec.VectorBucket.Policy = &kbv1.BucketPolicySpec{Principal: &kbv1.PolicyPrincipal{
					Service: "bedrock.amazonaws.com", RoleARN: "arn:aws:iam::275666109134:role/BedrockRole"}}
			},
			wantErr: "principal takes exactly one of service or roleArn",
		},
		"principal with neither": {
			mutate: func(kb *kbv1.KnowledgeBase) {
				kb.Spec.VectorBucket.Policy = &kbv1.BucketPolicySpec{Principal: &kbv1.PolicyPrincipal{}}
			},
			wantErr: "principal takes exactly one of service or roleArn",
		},
		"unknown drift policy": {
			mutate:  func(kb *kbv1.KnowledgeBase) { kb.Spec.DriftPolicy = "Repair" },
			wantErr: `spec.driftPolicy: Unsupported value: "Repair": supported values: "Enforce", "Observe"`,
		},
		"interval of zero is defaulted": {
			mutate: func(kb *kbv1.KnowledgeBase) { kb.Spec.Interval = metav1.Duration{} },
		},
		"globalFile inside documents.prefix": {
			mutate: func(kb *kbv1.KnowledgeBase) {
				kb.Spec.AccessControl = &kbv1.AccessControlSpec{Mode: kbv1.AccessControlGlobal, GlobalFile: "docs/acl.json", Rules: []kbv1.ACLRule{rule("docs/", group("Staff"))}}
			},
			wantErr: "accessControl.globalFile must lie outside documents.prefix",
		},
		"globalFile with the whole bucket as data source": {
			mutate: func(kb *kbv1.KnowledgeBase) {
				kb.Spec.Documents.Prefix = ""
				kb.Spec.AccessControl = &kbv1.AccessControlSpec{Mode: kbv1.AccessControlGlobal, GlobalFile: "acl.json", BookkeepingBucket: "kbw-book", Rules: []kbv1.ACLRule{rule("docs/", group("Staff"))}}
			},
			wantErr: "accessControl.globalFile must lie outside documents.prefix",
		},
		"ACLs over the whole bucket without a bookkeeping bucket": {
			mutate: func(kb *kbv1.KnowledgeBase) {
				kb.Spec.Documents.Prefix = ""
				kb.Spec.AccessControl = &kbv1.AccessControlSpec{Mode: kbv1.AccessControlPerDocument, Rules: []kbv1.ACLRule{rule("docs/", group("Staff"))}}
			},
			wantErr: "accessControl.bookkeepingBucket is required when documents.prefix is empty",
		},
		"ACLs over the whole bucket with a bookkeeping bucket are valid": {mutate: func(kb *kbv1.KnowledgeBase) {
			kb.Spec.Documents.Prefix = ""
			kb.Spec.AccessControl = &kbv1.AccessControlSpec{Mode: kbv1.AccessControlPerDocument, BookkeepingBucket: "kbw-book", Rules: []kbv1.ACLRule{rule("docs/", group("Staff"))}}
		}},
		"Global mode without globalFile": {
			mutate: func(kb *kbv1.KnowledgeBase) {
				kb.Spec.AccessControl = &kbv1.AccessControlSpec{Mode: kbv1.AccessControlGlobal, Rules: []kbv1.ACLRule{rule("a/", group("G"))}}
			},
			wantErr: "globalFile is required when mode is Global",
		},
		"BedrockManaged with a group entry": {
			mutate: func(kb *kbv1.KnowledgeBase) {
				kb.Spec.AccessControl = &kbv1.AccessControlSpec{Mode: kbv1.AccessControlPerDocument, Format: kbv1.ACLFormatBedrockManaged,
					Rules: []kbv1.ACLRule{rule("a/", user("a@example.com")), {Prefix: "b/", Deny: []kbv1.ACLEntry{group("Contractors")}}}}
			},
			wantErr: "format BedrockManaged accepts only user entries",
		},
		"rule with an empty prefix": {
			mutate: func(kb *kbv1.KnowledgeBase) {
				kb.Spec.AccessControl = &kbv1.AccessControlSpec{Mode: kbv1.AccessControlPerDocument, Rules: []kbv1.ACLRule{rule("", group("G"))}}
			},
			wantErr: "spec.accessControl.rules[0].prefix: Invalid value: \"\": spec.accessControl.rules[0].prefix in body should be at least 1 chars long",
		},
		"rule without entries": {
			mutate: func(kb *kbv1.KnowledgeBase) {
				kb.Spec.AccessControl = &kbv1.AccessControlSpec{Mode: kbv1.AccessControlPerDocument, Rules: []kbv1.ACLRule{rule("a/")}}
			},
			wantErr: "a rule needs at least one allow or deny entry",
		},
		"entry with user and group": {
			mutate: func(kb *kbv1.KnowledgeBase) {
				kb.Spec.AccessControl = &kbv1.AccessControlSpec{Mode: kbv1.AccessControlPerDocument,
					Rules: []kbv1.ACLRule{rule("a/", kbv1.ACLEntry{User: "a@example.com", Group: "G"})}}
			},
			wantErr: "an entry takes exactly one of user or group",
		},
		"both consumers": {
			mutate:  func(kb *kbv1.KnowledgeBase) { kb.Spec.Quick = &kbv1.QuickSpec{KnowledgeBaseID: "acme-docs"} },
			wantErr: "spec.bedrock and spec.quick are both set: a KnowledgeBase serves exactly one knowledge base",
		},
		"neither consumer": {
			mutate:  func(kb *kbv1.KnowledgeBase) { kb.Spec.Bedrock = nil },
			wantErr: "name the knowledge base: set spec.bedrock {knowledgeBaseId, dataSourceId} for an Amazon Bedrock knowledge base, or spec.quick {knowledgeBaseId}",
		},
		"bedrock without a vector bucket": {
			mutate:  func(kb *kbv1.KnowledgeBase) { kb.Spec.VectorBucket = kbv1.VectorBucketSpec{} },
			wantErr: "spec.vectorBucket is required with spec.bedrock",
		},
		"quick without a vector bucket is valid": {
			mutate: func(kb *kbv1.KnowledgeBase) {
				kb.Spec.Bedrock, kb.Spec.Quick, kb.Spec.VectorBucket = nil, &kbv1.QuickSpec{KnowledgeBaseID: "acme-corp_docs.v2"}, kbv1.VectorBucketSpec{}
				kb.Spec.AccessControl = &kbv1.AccessControlSpec{Mode: kbv1.AccessControlPerDocument, Rules: []kbv1.ACLRule{rule("hr/", group("HR"))}}
				kb.Spec.Ingestion = &kbv1.IngestionSpec{Schedule: &kbv1.RefreshScheduleSpec{Interval: kbv1.RefreshWeekly, DayOfWeek: "Monday"}}
			},
		},
		"quick ID with a slash": {
			mutate: func(kb *kbv1.KnowledgeBase) {
				kb.Spec.Bedrock, kb.Spec.Quick, kb.Spec.VectorBucket = nil, &kbv1.QuickSpec{KnowledgeBaseID: "acme/docs"}, kbv1.VectorBucketSpec{}
			},
			wantErr: "spec.quick.knowledgeBaseId in body should match",
		},
		"quick with the BedrockManaged format": {
			mutate: func(kb *kbv1.KnowledgeBase) {
				kb.Spec.Bedrock, kb.Spec.Quick, kb.Spec.VectorBucket = nil, &kbv1.QuickSpec{KnowledgeBaseID: "acme-docs"}, kbv1.VectorBucketSpec{}
				kb.Spec.AccessControl = &kbv1.AccessControlSpec{Mode: kbv1.AccessControlPerDocument, Format: kbv1.ACLFormatBedrockManaged,
					Rules: []kbv1.ACLRule{rule("a/", user("a@example.com"))}}
			},
			wantErr: "with spec.quick, accessControl.format must be Quick",
		},
		"quick with a vector bucket whose source ARN names a Bedrock knowledge base": {
			mutate: func(kb *kbv1.KnowledgeBase) {
				kb.Spec.Bedrock, kb.Spec.Quick = nil, &kbv1.QuickSpec{KnowledgeBaseID: "acme-docs"}
			},
			wantErr: "with spec.quick, a vectorBucket's policy needs a principal.roleArn or sourceArnScope Account",
		},
		"quick with a vector bucket and an account-wide source ARN is valid": {
			mutate: func(kb *kbv1.KnowledgeBase) {
				kb.Spec.Bedrock, kb.Spec.Quick = nil, &kbv1.QuickSpec{KnowledgeBaseID: "acme-docs"}
				kb.Spec.VectorBucket.Policy = &kbv1.BucketPolicySpec{SourceArnScope: kbv1.SourceArnAccount}
			},
		},
		"a refresh schedule with bedrock": {
			mutate: func(kb *kbv1.KnowledgeBase) {
				kb.Spec.Ingestion = &kbv1.IngestionSpec{Schedule: &kbv1.RefreshScheduleSpec{Interval: kbv1.RefreshDaily}}
			},
			wantErr: "ingestion.schedule is the refresh schedule of an Amazon Quick knowledge base",
		},
		"a weekly schedule without its day": {
			mutate: func(kb *kbv1.KnowledgeBase) {
				kb.Spec.Bedrock, kb.Spec.Quick, kb.Spec.VectorBucket = nil, &kbv1.QuickSpec{KnowledgeBaseID: "acme-docs"}, kbv1.VectorBucketSpec{}
				kb.Spec.Ingestion = &kbv1.IngestionSpec{Schedule: &kbv1.RefreshScheduleSpec{Interval: kbv1.RefreshWeekly}}
			},
			wantErr: "dayOfWeek is required with interval Weekly",
		},
		"a daily schedule with a day of the month": {
			mutate: func(kb *kbv1.KnowledgeBase) {
				kb.Spec.Bedrock, kb.Spec.Quick, kb.Spec.VectorBucket = nil, &kbv1.QuickSpec{KnowledgeBaseID: "acme-docs"}, kbv1.VectorBucketSpec{}
				kb.Spec.Ingestion = &kbv1.IngestionSpec{Schedule: &kbv1.RefreshScheduleSpec{Interval: kbv1.RefreshDaily, DayOfMonth: 3}}
			},
			wantErr: "dayOfMonth is required with interval Monthly and not allowed with any other",
		},
		"user that is not an email address": {
			mutate: func(kb *kbv1.KnowledgeBase) {
				kb.Spec.AccessControl = &kbv1.AccessControlSpec{Mode: kbv1.AccessControlPerDocument, Rules: []kbv1.ACLRule{rule("a/", user("ana"))}}
			},
			wantErr: "spec.accessControl.rules[0].allow[0].user in body should match",
		},
	}
	i := 0
	for name, tc := range tests {
		i++
		t.Run(name, func(t *testing.T) {
			g := gomega.NewWithT(t)
			kb := newKnowledgeBase(fmt.Sprintf("validation-%d", i))
			kb.Spec.Suspend = true // validation only: keep the reconciler out of it
			tc.mutate(kb)
			err := env.Client.Create(context.Background(), kb)
			if tc.wantErr == "" {
				g.Expect(err).NotTo(gomega.HaveOccurred())
				g.Expect(env.Client.Delete(context.Background(), kb)).To(gomega.Succeed())
				return
			}
			g.Expect(err).To(gomega.HaveOccurred())
			g.Expect(err.Error()).To(gomega.ContainSubstring(tc.wantErr))
		})
	}
}

// TestAccessControlModeIsIrreversible checks the CEL transition rule: once
// accessControl.mode leaves None it cannot return, by editing the field or by
// removing the block; switching between Global and PerDocument is allowed.
func TestAccessControlModeIsIrreversible(t *testing.T) {
	t.Parallel()
	g := gomega.NewWithT(t)
	ctx := context.Background()
	kb := newKnowledgeBase("irreversible")
	kb.Spec.Suspend = true
	kb.Spec.AccessControl = &kbv1.AccessControlSpec{Mode: kbv1.AccessControlNone}
	g.Expect(env.Client.Create(ctx, kb)).To(gomega.Succeed())
	t.Cleanup(func() { _ = env.Client.Delete(ctx, kb) })

	g.Expect(updateKB(ctx, kb, func(kb *kbv1.KnowledgeBase) {
		kb.Spec.AccessControl = &kbv1.AccessControlSpec{Mode: kbv1.AccessControlPerDocument,
			Rules: []kbv1.ACLRule{{Prefix: "hr/", Allow: []kbv1.ACLEntry{{Group: "HR"}}}}}
	})).To(gomega.Succeed(), "None to PerDocument is allowed")
	g.Expect(updateKB(ctx, kb, func(kb *kbv1.KnowledgeBase) {
		kb.Spec.AccessControl.Mode, kb.Spec.AccessControl.GlobalFile = kbv1.AccessControlGlobal, "acl.json"
	})).To(gomega.Succeed(), "PerDocument to Global is allowed")

	const want = "accessControl.mode cannot go back to None: enabling document-level ACLs on a knowledge base is irreversible"
	err := updateKB(ctx, kb, func(kb *kbv1.KnowledgeBase) { kb.Spec.AccessControl.Mode = kbv1.AccessControlNone })
	g.Expect(err).To(gomega.HaveOccurred())
	g.Expect(err.Error()).To(gomega.ContainSubstring(want))

	err = updateKB(ctx, kb, func(kb *kbv1.KnowledgeBase) { kb.Spec.AccessControl = nil })
	g.Expect(err).To(gomega.HaveOccurred())
	g.Expect(err.Error()).To(gomega.ContainSubstring(want))
}

// TestConsumerCannotChange checks the CEL transition rule that keeps a
// KnowledgeBase on the consumer it was created for.
func TestConsumerCannotChange(t *testing.T) {
	t.Parallel()
	g := gomega.NewWithT(t)
	ctx := context.Background()
	kb := newKnowledgeBase("consumer-fixed")
	kb.Spec.Suspend = true
	g.Expect(env.Client.Create(ctx, kb)).To(gomega.Succeed())
	t.Cleanup(func() { _ = env.Client.Delete(ctx, kb) })
	err := updateKB(ctx, kb, func(kb *kbv1.KnowledgeBase) {
		kb.Spec.Bedrock, kb.Spec.Quick, kb.Spec.VectorBucket = nil, &kbv1.QuickSpec{KnowledgeBaseID: "acme-docs"}, kbv1.VectorBucketSpec{}
	})
	g.Expect(err).To(gomega.HaveOccurred())
	g.Expect(err.Error()).To(gomega.ContainSubstring("a KnowledgeBase cannot move between spec.bedrock and spec.quick"))
}

// TestCRDRejectsBadDurations sends durations a typed client cannot express.
func TestCRDRejectsBadDurations(t *testing.T) {
	t.Parallel()
	for _, field := range [][]string{{"spec", "interval"}, {"spec", "ingestion", "debounce"}} {
		t.Run(field[len(field)-1], func(t *testing.T) {
			g := gomega.NewWithT(t)
			raw, err := runtime.DefaultUnstructuredConverter.ToUnstructured(newKnowledgeBase("bad-duration"))
			g.Expect(err).NotTo(gomega.HaveOccurred())
			u := &unstructured.Unstructured{Object: raw}
			u.SetGroupVersionKind(kbv1.GroupVersion.WithKind("KnowledgeBase"))
			g.Expect(unstructured.SetNestedField(u.Object, "five minutes", field...)).To(gomega.Succeed())
			err = env.Client.Create(context.Background(), u)
			g.Expect(err).To(gomega.HaveOccurred())
			g.Expect(err.Error()).To(gomega.ContainSubstring(strings.Join(field, ".") + " in body should match"))
		})
	}
}
