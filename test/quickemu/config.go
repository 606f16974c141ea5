package quickemu

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"k8s.io/utils/clock"
)

// Config tunes a Server. The zero value of every field picks the documented
// default, so Config{S3Endpoint: ...} is usable.
type Config struct {
	// Region is the region of the endpoint: requests must be signed for it,
	// and it appears in ARNs. Default us-east-1.
	Region string

	// S3Endpoint is where the documents buckets live (moto), addressed
	// path-style. It overrides AWS's BaseEndpoint when both are set.
	S3Endpoint string
	// AWS, when set, is the SDK configuration used to read S3. When nil, one
	// is loaded with config.LoadDefaultConfig and static test credentials,
	// which keeps the SDK's own HTTP client and thus AWS_CA_BUNDLE handling.
	AWS *aws.Config

	// QueuedFor and RunningFor are how long an ingestion stays QUEUED and
	// RUNNING before it ends. Zero means instant.
	QueuedFor  time.Duration
	RunningFor time.Duration

	// StartInterval and StartBurst are the start quota of StartIngestion
	// (the stand-in for a manual refresh, see doc.go): a token bucket per
	// account holding StartBurst tokens, refilled one per StartInterval.
	// Beyond it StartIngestion fails with ThrottlingException. A zero
	// interval means no quota.
	StartInterval time.Duration
	StartBurst    int

	// RequestInterval and RequestBurst are the API rate of each account,
	// every operation counted: beyond it a call fails with
	// ThrottlingException (HTTP 429). A zero interval means no limit.
	RequestInterval time.Duration
	RequestBurst    int

	// HourlyRefresh says the accounts are enabled for hourly refresh; without
	// it an HOURLY schedule is refused with InvalidParameterValueException,
	// as the API reference says.
	HourlyRefresh bool

	// Clock drives ingestion progress, schedules, quotas and timestamps.
	// Default: the wall clock. Tests pass a k8s.io/utils/clock/testing
	// FakeClock.
	Clock clock.PassiveClock

	// Logf, when set, receives one line per request and per ingestion.
	Logf func(format string, args ...any)
}

func (c Config) withDefaults() (Config, error) {
	if c.Region == "" {
		c.Region = "us-east-1"
	}
	if c.Clock == nil {
		c.Clock = clock.RealClock{}
	}
	if c.StartBurst <= 0 {
		c.StartBurst = 1
	}
	if c.RequestBurst <= 0 {
		c.RequestBurst = 1
	}
	if c.QueuedFor < 0 || c.RunningFor < 0 || c.StartInterval < 0 || c.RequestInterval < 0 {
		return c, errors.New("quickemu: durations must not be negative")
	}
	return c, nil
}

// ACLMode is how a knowledge base's document-level access control is
// configured: off, one global ACL file, or one metadata sidecar per
// document.
type ACLMode string

const (
	// ACLNone: access control is off; every document is ingested and
	// anyone with access to the knowledge base can retrieve it.
	ACLNone ACLMode = ""
	// ACLGlobal: the global ACL file at GlobalACLFile gives each document
	// the entries of every keyPrefix its URI starts with.
	ACLGlobal ACLMode = "Global"
	// ACLPerDocument: each document's sidecar (<key>.metadata.json, next to
	// it or under MetadataPrefix) holds its AccessControlList.
	ACLPerDocument ACLMode = "PerDocument"
)

// KnowledgeBase seeds one S3 knowledge base.
type KnowledgeBase struct {
	// AccountID is the 12-digit account that owns it.
	AccountID string `json:"accountId"`
	// ID is the knowledge base ID ([0-9a-zA-Z-_=.+], 1 to 1,024 characters).
	ID string `json:"id"`
	// Name is its display name (default: ID).
	Name string `json:"name,omitempty"`
	// Bucket and Prefix are the documents it reads.
	Bucket string `json:"bucket"`
	Prefix string `json:"prefix,omitempty"`
	// AccessControl is the ACL mode; see ACLMode.
	AccessControl ACLMode `json:"accessControl,omitempty"`
	// GlobalACLFile is the key, in Bucket, of the global ACL file
	// (ACLGlobal only; required there).
	GlobalACLFile string `json:"globalAclFile,omitempty"`
	// MetadataPrefix, in ACLPerDocument mode, is the folder that mirrors
	// the document tree with sidecars; empty means next to each document.
	// "metadata" and "metadata/" name the same folder.
	MetadataPrefix string `json:"metadataPrefix,omitempty"`
	// Schedule, when set, is a refresh schedule that exists from the start,
	// as one made in the console would.
	Schedule *Schedule `json:"schedule,omitempty"`
}

// Schedule seeds a refresh schedule.
type Schedule struct {
	// ID is the schedule ID (default: "default").
	ID string `json:"id,omitempty"`
	// Interval is DAILY, WEEKLY, MONTHLY or HOURLY.
	Interval string `json:"interval"`
	// DayOfWeek (WEEKLY) and DayOfMonth (MONTHLY) pick the day.
	DayOfWeek  string `json:"dayOfWeek,omitempty"`
	DayOfMonth string `json:"dayOfMonth,omitempty"`
	// StartTime is when it may start refreshing (default: when seeded).
	StartTime time.Time `json:"startTime,omitempty"`
	// Disabled seeds it DISABLED.
	Disabled bool `json:"disabled,omitempty"`
}

// maxIDLength bounds knowledge base and schedule IDs (Go's regexp cannot
// count that high itself).
const maxIDLength = 1024

var (
	accountPattern  = regexp.MustCompile(`^[0-9]{12}$`)
	kbIDPattern     = regexp.MustCompile(`^[0-9a-zA-Z\-_=.+]+$`)
	schedulePattern = regexp.MustCompile(`^[0-9a-zA-Z_=-][0-9a-zA-Z_=.-]*$`)
)

func (kb KnowledgeBase) validate() (KnowledgeBase, error) {
	switch {
	case !accountPattern.MatchString(kb.AccountID):
		return kb, fmt.Errorf("quickemu: account %q must be 12 digits", kb.AccountID)
	case !kbIDPattern.MatchString(kb.ID) || len(kb.ID) > maxIDLength:
		return kb, fmt.Errorf("quickemu: knowledge base id %q must match [0-9a-zA-Z-_=.+]{1,1024}", kb.ID)
	case kb.Bucket == "":
		return kb, fmt.Errorf("quickemu: knowledge base %s needs a documents bucket", kb.ID)
	}
	switch kb.AccessControl {
	case ACLNone, ACLPerDocument:
	case ACLGlobal:
		if kb.GlobalACLFile == "" {
			return kb, fmt.Errorf("quickemu: knowledge base %s: Global access control needs GlobalACLFile", kb.ID)
		}
	default:
		return kb, fmt.Errorf("quickemu: knowledge base %s: access control %q is none of \"\", Global, PerDocument", kb.ID, kb.AccessControl)
	}
	if kb.MetadataPrefix != "" && !strings.HasSuffix(kb.MetadataPrefix, "/") {
		kb.MetadataPrefix += "/"
	}
	if kb.Name == "" {
		kb.Name = kb.ID
	}
	return kb, nil
}
