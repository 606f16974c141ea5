package main

import (
	"context"
	"fmt"
	"regexp"
	"sort"
	"time"

	apimeta "k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/utils/clock"
	"sigs.k8s.io/controller-runtime/pkg/client"

	kbv1 "github.com/kbwarden/kbwarden/api/v1alpha1"
	"github.com/kbwarden/kbwarden/internal/testenv"
	"github.com/kbwarden/kbwarden/test/bedrockemu"
)

// watcher follows the run: the KnowledgeBases' readiness, the requests
// counted at moto's proxy and at the emulator, and the manager's CPU time.
type watcher struct {
	cfg   config
	clk   clock.Clock
	env   *testenv.Env
	proxy *countingProxy
	emu   *bedrockemu.Server
	mgr   *manager
	t0    time.Time // when the apply began
}

// counters are the cumulative counts at one moment.
type counters struct {
	at        time.Time
	moto, emu map[string]int
	cpu       time.Duration
}

func (w *watcher) counters() counters {
	cpu, _ := cpuTime(w.mgr.pid())
	return counters{at: w.clk.Now(), moto: w.proxy.snapshot(), emu: w.emu.CallCounts(), cpu: cpu}
}

// window is what happened between two counters.
type window struct {
	length    time.Duration
	moto, emu map[string]int
	motoTotal int
	emuTotal  int
	cpu       time.Duration
}

func between(a, b counters) window {
	w := window{length: b.at.Sub(a.at), cpu: b.cpu - a.cpu}
	w.moto, w.motoTotal = delta(a.moto, b.moto)
	w.emu, w.emuTotal = delta(a.emu, b.emu)
	return w
}

// untilReady lists the KnowledgeBases every poll until all are Ready (true)
// or the timeout passes (false), printing progress, and records the
// milestones and, on a timeout, what the waiting ones cost meanwhile.
func (w *watcher) untilReady(ctx context.Context, r *report) (bool, error) {
	deadline := w.t0.Add(w.cfg.timeout)
	lastProgress := w.t0
	var history []counters
	milestones := []struct {
		frac float64
		name string
	}{{0, "first"}, {0.5, "50%"}, {0.9, "90%"}, {1, "100%"}}
	next := 0
	for {
		ready, waiting, err := w.readiness(ctx)
		if err != nil {
			return false, err
		}
		now := w.clk.Now()
		for next < len(milestones) && ready > 0 && float64(ready) >= milestones[next].frac*float64(w.cfg.n) {
			r.milestones = append(r.milestones, fmt.Sprintf("%s %s", milestones[next].name, now.Sub(w.t0).Round(100*time.Millisecond)))
			next++
		}
		c := w.counters()
		history = append(history, c)
		if ready == w.cfg.n {
			r.allReady = now.Sub(w.t0)
			return true, nil
		}
		if w.mgr.exited() {
			return false, fmt.Errorf("the manager exited with %d of %d Ready", ready, w.cfg.n)
		}
		if now.After(deadline) {
			r.timedOut, r.readyAtTimeout, r.waitingReasons = true, ready, waiting
			// What waiting costs: the last minute (or what there is of it).
			first := history[0]
			for _, h := range history {
				if now.Sub(h.at) <= time.Minute {
					first = h
					break
				}
			}
			r.whileWaiting = between(first, c)
			return false, nil
		}
		if now.Sub(lastProgress) >= w.cfg.progressStep {
			lastProgress = now
			rss, _ := peakRSS(w.mgr.pid())
			say("t=%-6s Ready %d/%d; StartIngestionJob calls %d; moto requests %d; manager CPU %.1fs, peak RSS %.0f MiB",
				now.Sub(w.t0).Round(time.Second), ready, w.cfg.n, c.emu[bedrockemu.OpStartIngestionJob], sum(c.moto), c.cpu.Seconds(), float64(rss)/(1<<20))
		}
		if err := w.sleep(ctx, w.cfg.poll); err != nil {
			return false, err
		}
	}
}

// digits hides the numbers of a message (durations, counts, IDs) so that
// KnowledgeBases waiting for the same reason are counted together.
var digits = regexp.MustCompile(`[0-9]+(\.[0-9]+)?`)

// readiness counts the Ready KnowledgeBases, and groups the others by their
// Ready reason and message, most frequent first.
func (w *watcher) readiness(ctx context.Context) (int, []string, error) {
	var list kbv1.KnowledgeBaseList
	if err := w.env.Client.List(ctx, &list, client.InNamespace(namespace)); err != nil {
		return 0, nil, fmt.Errorf("listing KnowledgeBases: %w", err)
	}
	ready := 0
	why := map[string]int{}
	for i := range list.Items {
		c := apimeta.FindStatusCondition(list.Items[i].Status.Conditions, kbv1.ReadyCondition)
		switch {
		case c != nil && c.Status == "True":
			ready++
		case c == nil:
			why["(no Ready condition yet)"]++
		default:
			msg := digits.ReplaceAllString(c.Message, "#")
			if len(msg) > 110 {
				msg = msg[:110] + "..."
			}
			why[c.Reason+": "+msg]++
		}
	}
	var out []string
	for k, n := range why {
		out = append(out, fmt.Sprintf("%5d  %s", n, k))
	}
	sort.Sort(sort.Reverse(sort.StringSlice(out)))
	return ready, out, nil
}

// measure counts what the manager costs during d.
func (w *watcher) measure(ctx context.Context, d time.Duration, into *window) error {
	a := w.counters()
	if err := w.sleep(ctx, d); err != nil {
		return err
	}
	*into = between(a, w.counters())
	return nil
}

func (w *watcher) sleep(ctx context.Context, d time.Duration) error {
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-w.clk.After(d):
		return nil
	}
}

func sum(m map[string]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}
