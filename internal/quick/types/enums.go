package types

// KbIngestionStatus is the status of a knowledge base ingestion, the
// IngestionStatus of a KnowledgeBaseIngestionSummary.
type KbIngestionStatus string

// Enum values for KbIngestionStatus.
const (
	KbIngestionStatusQueued     KbIngestionStatus = "QUEUED"
	KbIngestionStatusRunning    KbIngestionStatus = "RUNNING"
	KbIngestionStatusFailed     KbIngestionStatus = "FAILED"
	KbIngestionStatusCompleted  KbIngestionStatus = "COMPLETED"
	KbIngestionStatusIncomplete KbIngestionStatus = "INCOMPLETE"
	KbIngestionStatusCancelled  KbIngestionStatus = "CANCELLED"
	KbIngestionStatusCancelling KbIngestionStatus = "CANCELLING"
	KbIngestionStatusTimeout    KbIngestionStatus = "TIMEOUT"
)

// Values returns all known values for KbIngestionStatus, as the SDK's enums do.
func (KbIngestionStatus) Values() []KbIngestionStatus {
	return []KbIngestionStatus{"QUEUED", "RUNNING", "FAILED", "COMPLETED", "INCOMPLETE", "CANCELLED", "CANCELLING", "TIMEOUT"}
}

// Terminal reports whether an ingestion in this status will not change
// again. It is not part of the SDK: callers that swap in the SDK's types
// keep it as a helper of their own.
func (s KbIngestionStatus) Terminal() bool {
	switch s {
	case KbIngestionStatusFailed, KbIngestionStatusCompleted, KbIngestionStatusIncomplete,
		KbIngestionStatusCancelled, KbIngestionStatusTimeout:
		return true
	}
	return false
}

// DataSetStatus is the status of a knowledge base (the model reuses the
// dataset status shape for KnowledgeBase.Status).
type DataSetStatus string

// Enum values for DataSetStatus.
const (
	DataSetStatusCreating DataSetStatus = "CREATING"
	DataSetStatusUpdating DataSetStatus = "UPDATING"
	DataSetStatusActive   DataSetStatus = "ACTIVE"
	DataSetStatusFailed   DataSetStatus = "FAILED"
	DataSetStatusDeleting DataSetStatus = "DELETING"
)

// Values returns all known values for DataSetStatus.
func (DataSetStatus) Values() []DataSetStatus {
	return []DataSetStatus{"CREATING", "UPDATING", "ACTIVE", "FAILED", "DELETING"}
}

// KbRefreshInterval is how often a knowledge base refresh schedule runs.
type KbRefreshInterval string

// Enum values for KbRefreshInterval. HOURLY is accepted only for accounts
// enabled for hourly refresh; others get InvalidParameterValueException.
const (
	KbRefreshIntervalDaily   KbRefreshInterval = "DAILY"
	KbRefreshIntervalWeekly  KbRefreshInterval = "WEEKLY"
	KbRefreshIntervalMonthly KbRefreshInterval = "MONTHLY"
	KbRefreshIntervalHourly  KbRefreshInterval = "HOURLY"
)

// Values returns all known values for KbRefreshInterval.
func (KbRefreshInterval) Values() []KbRefreshInterval {
	return []KbRefreshInterval{"DAILY", "WEEKLY", "MONTHLY", "HOURLY"}
}

// KbDayOfWeek is the day a WEEKLY refresh schedule runs.
type KbDayOfWeek string

// Enum values for KbDayOfWeek.
const (
	KbDayOfWeekSunday    KbDayOfWeek = "SUNDAY"
	KbDayOfWeekMonday    KbDayOfWeek = "MONDAY"
	KbDayOfWeekTuesday   KbDayOfWeek = "TUESDAY"
	KbDayOfWeekWednesday KbDayOfWeek = "WEDNESDAY"
	KbDayOfWeekThursday  KbDayOfWeek = "THURSDAY"
	KbDayOfWeekFriday    KbDayOfWeek = "FRIDAY"
	KbDayOfWeekSaturday  KbDayOfWeek = "SATURDAY"
)

// Values returns all known values for KbDayOfWeek.
func (KbDayOfWeek) Values() []KbDayOfWeek {
	return []KbDayOfWeek{"SUNDAY", "MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY"}
}

// ScheduleState says whether a refresh schedule runs: one that is not
// ENABLED runs no refresh.
type ScheduleState string

// Enum values for ScheduleState.
const (
	ScheduleStateEnabled  ScheduleState = "ENABLED"
	ScheduleStateDisabled ScheduleState = "DISABLED"
)

// Values returns all known values for ScheduleState.
func (ScheduleState) Values() []ScheduleState { return []ScheduleState{"ENABLED", "DISABLED"} }
