package metrics_test

import (
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	clocktesting "k8s.io/utils/clock/testing"
	ctrlmetrics "sigs.k8s.io/controller-runtime/pkg/metrics"

	"github.com/kbwarden/kbwarden/internal/ingestion"
	"github.com/kbwarden/kbwarden/internal/metrics"
)

// TestStartQueueMetrics: a scrape reads the queue's lanes as they are now,
// through the manager's registry; lanes gone and a nil source report nothing.
func TestStartQueueMetrics(t *testing.T) {
	clk := clocktesting.NewFakeClock(time.Date(2025, 10, 20, 12, 0, 0, 0, time.UTC))
	q := ingestion.NewQueue(10*time.Second, clk)
	metrics.ObserveStartQueue(q.Stats)
	defer metrics.ObserveStartQueue(nil)
	q.Ask("111111111111/us-east-1", "a") // served at once
	q.Ask("111111111111/us-east-1", "b")
	q.Ask("111111111111/us-east-1", "c")
	q.Ask("222222222222/eu-west-1", "d")
	clk.Step(4 * time.Second)

	tests := []struct {
		name string
		step func()
		want string
	}{
		{"two lanes", func() {}, lines(
			"kbwarden_start_queue_head_wait_seconds{111111111111/us-east-1} 4",
			"kbwarden_start_queue_head_wait_seconds{222222222222/eu-west-1} 0",
			"kbwarden_start_queue_waiting{111111111111/us-east-1} 2",
			"kbwarden_start_queue_waiting{222222222222/eu-west-1} 0")},
		{"the head waits on while nothing moves", func() { clk.Step(20 * time.Second) }, lines(
			"kbwarden_start_queue_head_wait_seconds{111111111111/us-east-1} 24",
			"kbwarden_start_queue_head_wait_seconds{222222222222/eu-west-1} 0",
			"kbwarden_start_queue_waiting{111111111111/us-east-1} 2",
			"kbwarden_start_queue_waiting{222222222222/eu-west-1} 0")},
		{"no source", func() { metrics.ObserveStartQueue(nil) }, ""},
	}
	for _, tc := range tests {
		tc.step()
		if got := scrape(t); got != tc.want {
			t.Errorf("%s: scraped\n%s\nwant\n%s", tc.name, got, tc.want)
		}
	}
}

// scrape gathers the manager's registry and prints the start queue series
// as "name{lane} value" lines, sorted.
func scrape(t *testing.T) string {
	t.Helper()
	families, err := ctrlmetrics.Registry.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	for _, f := range families {
		if !strings.HasPrefix(f.GetName(), "kbwarden_start_queue_") {
			continue
		}
		for _, m := range f.GetMetric() {
			lines = append(lines, fmt.Sprintf("%s{%s} %g", f.GetName(), m.GetLabel()[0].GetValue(), m.GetGauge().GetValue()))
		}
	}
	sort.Strings(lines)
	return strings.Join(lines, "\n")
}

func lines(l ...string) string { return strings.Join(l, "\n") }
