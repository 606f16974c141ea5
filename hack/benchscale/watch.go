package main

import (
	"context"
	"fmt"
	"regexp"
	"sort"
	"time"

	apimeta "k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/utils/clock"
	"sigs.k8s.io/controller-runtime/pkg/cache"
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
	// kbs reads the KnowledgeBases from an informer's cache: listing a
	// thousand of them from the API server every poll cost the machine as
	// much CPU as the manager (kube-apiserver at 60% of a core), which the
	// manager and moto then lacked.
	kbs client.Reader
}

// newKnowledgeBaseCache starts an informer over the benchmark's namespace
// and waits until it has synced.
func newKnowledgeBaseCache(ctx context.Context, env *testenv.Env) (client.Reader, error) {
	c, err := cache.New(env.Config, cache.Options{Scheme: env.Scheme, DefaultNamespaces: map[string]cache.Config{namespace: {}}})
	if err != nil {
		return nil, err
	}
	if _, err := c.GetInformer(ctx, &kbv1.KnowledgeBase{}); err != nil {
		return nil, err
	}
	go func() { _ = c.Start(ctx) }()
	if !c.WaitForCacheSync(ctx) {
		return nil, fmt.Errorf("the KnowledgeBase cache did not sync")
	}
	return c, nil
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

// phase is one wait for every KnowledgeBase to reach a state.
type phase struct {
	name       string
	took       time.Duration
	milestones []string

	timedOut       bool
	doneAtTimeout  int
	waitingReasons []string
	whileWaiting   window // the last minute before the timeout
	whole          window // from the start of the phase to its end
}

// isReady: the KnowledgeBase's Ready condition is True.
func isReady(kb *kbv1.KnowledgeBase) bool {
	return apimeta.IsStatusConditionTrue(kb.Status.Conditions, kbv1.ReadyCondition)
}

// handled: the manual trigger token was handled, its job completed, and
// the KnowledgeBase is Ready.
func handled(token string) func(*kbv1.KnowledgeBase) bool {
	return func(kb *kbv1.KnowledgeBase) bool {
		st := kb.Status.Ingestion
		return kb.Status.LastHandledRequestedAt == token && st != nil && st.LastJob != nil &&
			st.LastJob.Status == bedrockemu.StatusComplete && isReady(kb)
	}
}

// until lists the KnowledgeBases every poll until done holds for all
// (true) or the timeout passes (false), printing progress, and records the
// milestones and, on a timeout, what the waiting ones cost meanwhile.
func (w *watcher) until(ctx context.Context, ph *phase, done func(*kbv1.KnowledgeBase) bool) (bool, error) {
	deadline := w.t0.Add(w.cfg.timeout)
	lastProgress := w.t0
	var history []counters
	milestones := []struct {
		frac float64
		name string
	}{{0, "first"}, {0.5, "50%"}, {0.9, "90%"}, {1, "100%"}}
	next := 0
	for {
		n, waiting, err := w.count(ctx, done)
		if err != nil {
			return false, err
		}
		now := w.clk.Now()
		for next < len(milestones) && n > 0 && float64(n) >= milestones[next].frac*float64(w.cfg.n) {
			ph.milestones = append(ph.milestones, fmt.Sprintf("%s %s", milestones[next].name, now.Sub(w.t0).Round(100*time.Millisecond)))
			next++
		}
		c := w.counters()
		history = append(history, c)
		if n == w.cfg.n {
			ph.took, ph.whole = now.Sub(w.t0), between(history[0], c)
			return true, nil
		}
		if w.mgr.exited() {
			return false, fmt.Errorf("the manager exited with %d of %d done (%s)", n, w.cfg.n, ph.name)
		}
		if now.After(deadline) {
			ph.timedOut, ph.doneAtTimeout, ph.waitingReasons = true, n, waiting
			// What waiting costs: the last minute (or what there is of it).
			first := history[0]
			for _, h := range history {
				if now.Sub(h.at) <= time.Minute {
					first = h
					break
				}
			}
			ph.whileWaiting = between(first, c)
			return false, nil
		}
		if now.Sub(lastProgress) >= w.cfg.progressStep {
			lastProgress = now
			rss, _ := peakRSS(w.mgr.pid())
			say("t=%-6s done %d/%d; StartIngestionJob calls %d; moto requests %d; manager CPU %.1fs, peak RSS %.0f MiB",
				now.Sub(w.t0).Round(time.Second), n, w.cfg.n, c.emu[bedrockemu.OpStartIngestionJob], sum(c.moto), c.cpu.Seconds(), float64(rss)/(1<<20))
		}
		if err := w.sleep(ctx, w.cfg.poll); err != nil {
			return false, err
		}
	}
}

// digits hides the numbers of a message (durations, counts, IDs) so that
// KnowledgeBases waiting for the same reason are counted together.
var digits = regexp.MustCompile(`[0-9]+(\.[0-9]+)?`)

// count counts the KnowledgeBases done holds for, and groups the others by
// their Ready reason and message, most frequent first.
func (w *watcher) count(ctx context.Context, done func(*kbv1.KnowledgeBase) bool) (int, []string, error) {
	var list kbv1.KnowledgeBaseList
	if err := w.kbs.List(ctx, &list, client.InNamespace(namespace), client.UnsafeDisableDeepCopy); err != nil {
		return 0, nil, fmt.Errorf("listing KnowledgeBases: %w", err)
	}
	n := 0
	why := map[string]int{}
	for i := range list.Items {
		kb := &list.Items[i]
		if done(kb) {
			n++
			continue
		}
		c := apimeta.FindStatusCondition(kb.Status.Conditions, kbv1.ReadyCondition)
		if c == nil {
			why["(no Ready condition yet)"]++
			continue
		}
		msg := digits.ReplaceAllString(c.Message, "#")
		if len(msg) > 110 {
			msg = msg[:110] + "..."
		}
		why[string(c.Status)+" "+c.Reason+": "+msg]++
	}
	var out []string
	for k, c := range why {
		out = append(out, fmt.Sprintf("%5d  %s", c, k))
	}
	sort.Sort(sort.Reverse(sort.StringSlice(out)))
	return n, out, nil
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
