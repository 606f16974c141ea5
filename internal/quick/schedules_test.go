package quick_test

import (
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/kbwarden/kbwarden/internal/quick"
	"github.com/kbwarden/kbwarden/internal/quick/types"
	"github.com/kbwarden/kbwarden/test/quickemu"
)

// TestRefreshScheduleLifecycle drives every schedule operation through the
// real client and checks what each returns.
func TestRefreshScheduleLifecycle(t *testing.T) {
	srv, _ := emulator(t, "docs")
	c := client(t, srv)
	kb := func() (*string, *string) { return aws.String(acct), aws.String("kb") }
	a, k := kb()

	list, err := c.ListKnowledgeBaseRefreshSchedules(ctx(t), &quick.ListKnowledgeBaseRefreshSchedulesInput{AwsAccountId: a, KnowledgeBaseId: k, MaxResults: aws.Int32(10)})
	if err != nil || len(list.ScheduleSummaries) != 0 || list.Status != 200 {
		t.Fatalf("list before create: %+v, %v", list, err)
	}
	start := time.Date(2025, 11, 1, 6, 0, 0, 0, time.UTC)
	created, err := c.CreateKnowledgeBaseRefreshSchedule(ctx(t), &quick.CreateKnowledgeBaseRefreshScheduleInput{
		AwsAccountId: a, KnowledgeBaseId: k, ScheduleId: aws.String("kbwarden"),
		ScheduleFrequency: &types.KnowledgeBaseRefreshFrequency{Interval: types.KbRefreshIntervalDaily},
		StartTime:         &start, State: types.ScheduleStateEnabled,
	})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(created.ScheduleId) != "kbwarden" || aws.ToString(created.KnowledgeBaseArn) != "arn:aws:quicksight:us-east-1:"+acct+":knowledgebase/kb" || aws.ToString(created.RequestId) == "" {
		t.Errorf("create returned %+v", created)
	}

	got, err := c.DescribeKnowledgeBaseRefreshSchedule(ctx(t), &quick.DescribeKnowledgeBaseRefreshScheduleInput{AwsAccountId: a, KnowledgeBaseId: k, ScheduleId: aws.String("kbwarden")})
	if err != nil {
		t.Fatal(err)
	}
	if s := got.Schedule; s == nil || s.ScheduleFrequency.Interval != types.KbRefreshIntervalDaily || !s.StartTime.Equal(start) || s.State != types.ScheduleStateEnabled {
		t.Errorf("describe returned %+v", got.Schedule)
	}

	_, err = c.UpdateKnowledgeBaseRefreshSchedule(ctx(t), &quick.UpdateKnowledgeBaseRefreshScheduleInput{
		AwsAccountId: a, KnowledgeBaseId: k, ScheduleId: aws.String("kbwarden"),
		ScheduleFrequency: &types.KnowledgeBaseRefreshFrequency{Interval: types.KbRefreshIntervalWeekly,
			RefreshOnDay: &types.KnowledgeBaseScheduleRefreshOnEntity{DayOfWeek: types.KbDayOfWeekMonday}},
		State: types.ScheduleStateDisabled,
	})
	if err != nil {
		t.Fatal(err)
	}
	list, err = c.ListKnowledgeBaseRefreshSchedules(ctx(t), &quick.ListKnowledgeBaseRefreshSchedulesInput{AwsAccountId: a, KnowledgeBaseId: k})
	if err != nil || len(list.ScheduleSummaries) != 1 {
		t.Fatalf("list after update: %+v, %v", list, err)
	}
	s := list.ScheduleSummaries[0]
	if s.ScheduleFrequency.Interval != types.KbRefreshIntervalWeekly || s.ScheduleFrequency.RefreshOnDay.DayOfWeek != types.KbDayOfWeekMonday ||
		s.State != types.ScheduleStateDisabled || !s.StartTime.Equal(start) {
		t.Errorf("an update changes only what it sets: got %+v %+v", s, s.ScheduleFrequency)
	}

	del, err := c.DeleteKnowledgeBaseRefreshSchedule(ctx(t), &quick.DeleteKnowledgeBaseRefreshScheduleInput{AwsAccountId: a, KnowledgeBaseId: k, ScheduleId: aws.String("kbwarden")})
	if err != nil || aws.ToString(del.ScheduleId) != "kbwarden" {
		t.Fatalf("delete: %+v, %v", del, err)
	}
	if _, ok := srv.NextScheduledRefresh(acct, "kb"); ok {
		t.Error("the emulator still has a schedule after the delete")
	}
	for op, n := range map[string]int{quickemu.OpCreateKnowledgeBaseRefreshSchedule: 1, quickemu.OpListKnowledgeBaseRefreshSchedules: 2, quickemu.OpDeleteKnowledgeBaseRefreshSchedule: 1} {
		if got := srv.CallCount(op); got != n {
			t.Errorf("%s called %d times, want %d", op, got, n)
		}
	}
}
