package quick

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/url"
	"strconv"
	"time"

	smithytime "github.com/aws/smithy-go/time"

	"github.com/kbwarden/kbwarden/internal/quick/types"
)

// The wire structs below are the JSON documents of the restJson protocol,
// with the model's member names. Timestamps in restJson bodies are epoch
// seconds (a JSON number, possibly fractional), hence epochSeconds.

type epochSeconds struct{ time.Time }

func (t epochSeconds) MarshalJSON() ([]byte, error) {
	return []byte(strconv.FormatFloat(smithytime.FormatEpochSeconds(t.Time), 'f', -1, 64)), nil
}

func (t *epochSeconds) UnmarshalJSON(data []byte) error {
	if bytes.Equal(data, []byte("null")) {
		return nil
	}
	f, err := strconv.ParseFloat(string(data), 64)
	if err != nil {
		return fmt.Errorf("timestamp %s is not epoch seconds: %w", data, err)
	}
	t.Time = smithytime.ParseEpochSeconds(f)
	return nil
}

func toEpoch(t *time.Time) *epochSeconds {
	if t == nil {
		return nil
	}
	return &epochSeconds{*t}
}

func fromEpoch(t *epochSeconds) *time.Time {
	if t == nil {
		return nil
	}
	v := t.Time
	return &v
}

type wireKnowledgeBase struct {
	KnowledgeBaseArn                             *string               `json:"KnowledgeBaseArn"`
	KnowledgeBaseId                              *string               `json:"KnowledgeBaseId"`
	Name                                         *string               `json:"Name"`
	Status                                       string                `json:"Status"`
	DataSourceArn                                *string               `json:"DataSourceArn"`
	AccessControlConfiguration                   *wireACLConfiguration `json:"AccessControlConfiguration"`
	Type                                         *string               `json:"Type"`
	CreatedAt                                    *epochSeconds         `json:"CreatedAt"`
	UpdatedAt                                    *epochSeconds         `json:"UpdatedAt"`
	Description                                  *string               `json:"Description"`
	IsEmailNotificationOptedForIngestionFailures *bool                 `json:"IsEmailNotificationOptedForIngestionFailures"`
	FirstCompletedIngestionSummary               *wireIngestionSummary `json:"FirstCompletedIngestionSummary"`
	FirstIncompleteIngestionSummary              *wireIngestionSummary `json:"FirstIncompleteIngestionSummary"`
	LatestIngestionSummary                       *wireIngestionSummary `json:"LatestIngestionSummary"`
	KnowledgeBaseSizeBytes                       *int64                `json:"KnowledgeBaseSizeBytes"`
	DocumentCount                                *int64                `json:"DocumentCount"`
	PrimaryOwnerArn                              *string               `json:"PrimaryOwnerArn"`
	PrimaryOwnerUsername                         *string               `json:"PrimaryOwnerUsername"`
}

type wireACLConfiguration struct {
	IsACLEnabled *bool `json:"isACLEnabled"`
}

type wireIngestionSummary struct {
	IngestionId     *string       `json:"IngestionId"`
	IngestionStatus string        `json:"IngestionStatus"`
	StartTime       *epochSeconds `json:"StartTime"`
	EndTime         *epochSeconds `json:"EndTime"`
}

type wireFrequency struct {
	Interval     string         `json:"Interval"`
	RefreshOnDay *wireRefreshOn `json:"RefreshOnDay,omitempty"`
}

type wireRefreshOn struct {
	DayOfMonth *string `json:"DayOfMonth,omitempty"`
	DayOfWeek  string  `json:"DayOfWeek,omitempty"`
}

type wireScheduleSummary struct {
	ScheduleFrequency *wireFrequency `json:"ScheduleFrequency"`
	ScheduleId        *string        `json:"ScheduleId"`
	StartTime         *epochSeconds  `json:"StartTime"`
	State             string         `json:"State"`
}

func (w *wireKnowledgeBase) toType() *types.KnowledgeBase {
	if w == nil {
		return nil
	}
	kb := &types.KnowledgeBase{
		KnowledgeBaseArn: w.KnowledgeBaseArn, KnowledgeBaseId: w.KnowledgeBaseId, Name: w.Name,
		Status: types.DataSetStatus(w.Status), DataSourceArn: w.DataSourceArn, Type: w.Type,
		CreatedAt: fromEpoch(w.CreatedAt), UpdatedAt: fromEpoch(w.UpdatedAt), Description: w.Description,
		IsEmailNotificationOptedForIngestionFailures: w.IsEmailNotificationOptedForIngestionFailures,
		FirstCompletedIngestionSummary:               w.FirstCompletedIngestionSummary.toType(),
		FirstIncompleteIngestionSummary:              w.FirstIncompleteIngestionSummary.toType(),
		LatestIngestionSummary:                       w.LatestIngestionSummary.toType(),
		KnowledgeBaseSizeBytes:                       w.KnowledgeBaseSizeBytes, DocumentCount: w.DocumentCount,
		PrimaryOwnerArn: w.PrimaryOwnerArn, PrimaryOwnerUsername: w.PrimaryOwnerUsername,
	}
	if w.AccessControlConfiguration != nil {
		kb.AccessControlConfiguration = &types.AccessControlConfiguration{IsACLEnabled: w.AccessControlConfiguration.IsACLEnabled}
	}
	return kb
}

func (w *wireIngestionSummary) toType() *types.KnowledgeBaseIngestionSummary {
	if w == nil {
		return nil
	}
	return &types.KnowledgeBaseIngestionSummary{
		IngestionId: w.IngestionId, IngestionStatus: types.KbIngestionStatus(w.IngestionStatus),
		StartTime: fromEpoch(w.StartTime), EndTime: fromEpoch(w.EndTime),
	}
}

func frequencyToWire(f *types.KnowledgeBaseRefreshFrequency) *wireFrequency {
	if f == nil {
		return nil
	}
	w := &wireFrequency{Interval: string(f.Interval)}
	if f.RefreshOnDay != nil {
		w.RefreshOnDay = &wireRefreshOn{DayOfMonth: f.RefreshOnDay.DayOfMonth, DayOfWeek: string(f.RefreshOnDay.DayOfWeek)}
	}
	return w
}

func (w *wireFrequency) toType() *types.KnowledgeBaseRefreshFrequency {
	if w == nil {
		return nil
	}
	f := &types.KnowledgeBaseRefreshFrequency{Interval: types.KbRefreshInterval(w.Interval)}
	if w.RefreshOnDay != nil {
		f.RefreshOnDay = &types.KnowledgeBaseScheduleRefreshOnEntity{
			DayOfMonth: w.RefreshOnDay.DayOfMonth, DayOfWeek: types.KbDayOfWeek(w.RefreshOnDay.DayOfWeek),
		}
	}
	return f
}

func (w *wireScheduleSummary) toType() *types.KnowledgeBaseRefreshScheduleSummary {
	if w == nil {
		return nil
	}
	return &types.KnowledgeBaseRefreshScheduleSummary{
		ScheduleFrequency: w.ScheduleFrequency.toType(), ScheduleId: w.ScheduleId,
		StartTime: fromEpoch(w.StartTime), State: types.ScheduleState(w.State),
	}
}

// decodeJSON unmarshals a response body; an empty body leaves v zero.
func decodeJSON(body []byte, v any) error {
	if len(bytes.TrimSpace(body)) == 0 {
		return nil
	}
	if err := json.Unmarshal(body, v); err != nil {
		return fmt.Errorf("decoding the response: %w", err)
	}
	return nil
}

// kbPath is the path of a knowledge base, labels escaped.
func kbPath(account, kb *string) string {
	return "/v1/accounts/" + url.PathEscape(deref(account)) + "/knowledge-bases/" + url.PathEscape(deref(kb))
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
