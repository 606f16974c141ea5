package main

import (
	"fmt"
	"io"
	"sort"
	"time"
)

// report is what the benchmark prints at the end.
type report struct {
	cfg     config
	phases  []phase
	steady  window
	peakRSS []int64  // per manager process
	load    []string // the machine's load average at the start and the end
}

func (r *report) print(out io.Writer) {
	p := func(format string, args ...any) { fmt.Fprintf(out, format+"\n", args...) }
	c := r.cfg
	p("")
	p("== benchscale: %d KnowledgeBases, start interval %s, jobs of %s, %d concurrent jobs, KnowledgeBase interval %s",
		c.n, c.startInterval, c.jobTime, c.concurrentJobs, c.kbInterval)
	ideal := c.ideal().Round(100 * time.Millisecond)
	for _, ph := range r.phases {
		if ph.timedOut {
			p("%s: NO: %d of %d done when the timeout of %s passed (ideal %s)", ph.name, ph.doneAtTimeout, c.n, c.timeout, ideal)
		} else {
			p("%s: %s (ideal %s: %.2f×)", ph.name, ph.took.Round(100*time.Millisecond), ideal, ph.took.Seconds()/c.ideal().Seconds())
		}
		if len(ph.milestones) > 0 {
			p("  milestones: %v", ph.milestones)
		}
		if ph.whole.length > 0 {
			r.printPhaseCost(p, ph.whole)
		}
		if !ph.timedOut {
			continue
		}
		p("  not done, by Ready condition:")
		for i, w := range ph.waitingReasons {
			if i == 5 {
				p("       ... %d more reasons", len(ph.waitingReasons)-5)
				break
			}
			p("  %s", w)
		}
		p("  cost while waiting (the last %s):", ph.whileWaiting.length.Round(time.Second))
		r.printWindow(p, ph.whileWaiting)
	}
	if r.steady.length > 0 {
		p("steady state (%s after %s of settling):", r.steady.length.Round(time.Second), c.settle)
		r.printWindow(p, r.steady)
	}
	for i, rss := range r.peakRSS {
		p("peak RSS, manager %d: %.1f MiB", i+1, float64(rss)/(1<<20))
	}
	p("load average: %v (start, end; 2 cores are shared)", r.load)
}

// printWindow prints requests per KnowledgeBase per interval, by where
// they went and by operation, and CPU seconds per interval.
func (r *report) printWindow(p func(string, ...any), w window) {
	if w.length <= 0 {
		p("  (no window measured)")
		return
	}
	intervals := w.length.Seconds() / r.cfg.kbInterval.Seconds()
	per := func(n int) float64 { return float64(n) / float64(r.cfg.n) / intervals }
	p("  AWS requests / KnowledgeBase / interval: %.2f (moto %.2f, bedrock-agent emulator %.2f)",
		per(w.motoTotal+w.emuTotal), per(w.motoTotal), per(w.emuTotal))
	for _, kv := range sorted(w.moto) {
		p("      %-40s %.3f", "S3 "+kv.k, per(kv.v))
	}
	for _, kv := range sorted(w.emu) {
		p("      %-40s %.3f", "bedrock-agent "+kv.k, per(kv.v))
	}
	p("  manager CPU / interval: %.2f s (%.0f%% of one core)", w.cpu.Seconds()/intervals, 100*w.cpu.Seconds()/w.length.Seconds())
}

// printPhaseCost prints what a phase cost per KnowledgeBase, by operation:
// where the requests of getting a thousand KnowledgeBases Ready go.
func (r *report) printPhaseCost(p func(string, ...any), w window) {
	per := func(n int) float64 { return float64(n) / float64(r.cfg.n) }
	p("  AWS requests / KnowledgeBase over the phase: %.2f (moto %.2f, bedrock-agent emulator %.2f); manager CPU %.1f s",
		per(w.motoTotal+w.emuTotal), per(w.motoTotal), per(w.emuTotal), w.cpu.Seconds())
	for _, kv := range sorted(w.moto) {
		p("      %-40s %.3f", "S3 "+kv.k, per(kv.v))
	}
	for _, kv := range sorted(w.emu) {
		p("      %-40s %.3f", "bedrock-agent "+kv.k, per(kv.v))
	}
}

type kv struct {
	k string
	v int
}

// sorted lists m by count, largest first.
func sorted(m map[string]int) []kv {
	out := make([]kv, 0, len(m))
	for k, v := range m {
		out = append(out, kv{k, v})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].v != out[j].v {
			return out[i].v > out[j].v
		}
		return out[i].k < out[j].k
	})
	return out
}
