// Package types holds the Amazon Quick (quicksight) shapes that the
// knowledge base calls of package quick use, named and shaped as the
// aws-sdk-go-v2 service/quicksight/types package names them, so that code
// written against them compiles against the SDK's own types once the SDK
// module kbwarden can use has these operations.
//
// Only the members kbwarden reads are present: KnowledgeBase lacks the
// sensitive KnowledgeBaseConfiguration (a template document) and
// MediaExtractionConfiguration, which kbwarden neither reads nor writes.
package types

import "time"

// KnowledgeBase is a knowledge base as DescribeKnowledgeBase returns it.
type KnowledgeBase struct {
	// KnowledgeBaseArn is the knowledge base's ARN. Required.
	KnowledgeBaseArn *string
	// KnowledgeBaseId is the knowledge base's ID. Required.
	KnowledgeBaseId *string
	// Name is the knowledge base's name. Required.
	Name *string
	// Status is the knowledge base's status. Required.
	Status DataSetStatus
	// DataSourceArn is the ARN of the Quick data source it reads. Required.
	DataSourceArn *string
	// AccessControlConfiguration says whether document-level ACLs apply.
	AccessControlConfiguration *AccessControlConfiguration
	// Type is the knowledge base's type (a connector such as S3).
	Type *string
	// CreatedAt and UpdatedAt are when it was created and last changed.
	CreatedAt *time.Time
	UpdatedAt *time.Time
	// Description is free text.
	Description *string
	// IsEmailNotificationOptedForIngestionFailures says whether the owner
	// is emailed when an ingestion fails.
	IsEmailNotificationOptedForIngestionFailures *bool
	// FirstCompletedIngestionSummary is the first ingestion that completed.
	FirstCompletedIngestionSummary *KnowledgeBaseIngestionSummary
	// FirstIncompleteIngestionSummary is the first ingestion that did not.
	FirstIncompleteIngestionSummary *KnowledgeBaseIngestionSummary
	// LatestIngestionSummary is the most recent ingestion: the only view of
	// ingestion progress the public API gives.
	LatestIngestionSummary *KnowledgeBaseIngestionSummary
	// KnowledgeBaseSizeBytes and DocumentCount describe what is indexed.
	KnowledgeBaseSizeBytes *int64
	DocumentCount          *int64
	// PrimaryOwnerArn and PrimaryOwnerUsername name its primary owner.
	PrimaryOwnerArn      *string
	PrimaryOwnerUsername *string
}

// AccessControlConfiguration turns document-level ACLs on or off.
type AccessControlConfiguration struct {
	// IsACLEnabled is whether ACLs filter query results (wire name
	// "isACLEnabled").
	IsACLEnabled *bool
}

// KnowledgeBaseIngestionSummary summarises one ingestion of a knowledge base.
type KnowledgeBaseIngestionSummary struct {
	// IngestionId identifies the ingestion. Required.
	IngestionId *string
	// IngestionStatus is its status. Required.
	IngestionStatus KbIngestionStatus
	// StartTime and EndTime bound it; EndTime is nil while it runs.
	StartTime *time.Time
	EndTime   *time.Time
}

// KnowledgeBaseRefreshFrequency is how often a refresh schedule runs.
type KnowledgeBaseRefreshFrequency struct {
	// Interval is DAILY, WEEKLY, MONTHLY or HOURLY. Required. The service,
	// not the caller, chooses the time of day of DAILY, WEEKLY and MONTHLY
	// refreshes.
	Interval KbRefreshInterval
	// RefreshOnDay is required for WEEKLY and MONTHLY and unused otherwise.
	RefreshOnDay *KnowledgeBaseScheduleRefreshOnEntity
}

// KnowledgeBaseScheduleRefreshOnEntity is the day a WEEKLY or MONTHLY
// schedule runs.
type KnowledgeBaseScheduleRefreshOnEntity struct {
	// DayOfMonth is the day of a MONTHLY schedule ("1" to "31").
	DayOfMonth *string
	// DayOfWeek is the day of a WEEKLY schedule.
	DayOfWeek KbDayOfWeek
}

// KnowledgeBaseRefreshScheduleSummary is a refresh schedule as Describe and
// List return it.
type KnowledgeBaseRefreshScheduleSummary struct {
	// ScheduleFrequency is how often it runs. Required.
	ScheduleFrequency *KnowledgeBaseRefreshFrequency
	// ScheduleId identifies it. Required.
	ScheduleId *string
	// StartTime is when it may start refreshing.
	StartTime *time.Time
	// State is ENABLED or DISABLED.
	State ScheduleState
}
