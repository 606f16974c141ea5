package quickemu

import (
	"testing"
	"time"
)

// TestJumpClockSkipsToTheNextRefresh: an emulator on a JumpClock starts the
// scheduled refresh when asked to skip the wait for it, and everything it
// reports is ahead of the wall clock.
func TestJumpClockSkipsToTheNextRefresh(t *testing.T) {
	clk := &JumpClock{}
	e := newEnv(t, func(c *Config) { c.Clock, c.QueuedFor, c.RunningFor = clk, 0, time.Hour })
	e.put("hr/a.txt", "a")
	e.put("hr/a.txt.metadata.json", sidecar(entry("HR", "GROUP", "ALLOW")))
	e.addKB("kb", ACLPerDocument, func(kb *KnowledgeBase) { kb.Schedule = &Schedule{Interval: "DAILY"} })
	if _, _, err := e.srv.SkipToNextRefresh(acct, "nope"); err == nil {
		t.Fatal("skipped for an unknown knowledge base")
	}
	before := time.Now()
	at, jumped, err := e.srv.SkipToNextRefresh(acct, "kb")
	if err != nil {
		t.Fatal(err)
	}
	if jumped < 23*time.Hour || !at.After(before.Add(23*time.Hour)) {
		t.Fatalf("jumped %s to %s, want about a day", jumped, at)
	}
	list := e.srv.Ingestions(acct, "kb")
	if len(list) != 1 || list[0].Trigger != "schedule" || list[0].Status != statusRunning {
		t.Fatalf("ingestions after the skip: %+v", list)
	}
	if !list[0].StartTime.After(time.Now()) {
		t.Fatalf("the refresh started at %s, not ahead of the wall clock", list[0].StartTime)
	}
	if clk.JumpTo(time.Now()) != 0 {
		t.Fatal("a jump into the past moved the clock")
	}
}
