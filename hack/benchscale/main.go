// Command benchscale measures one manager with many KnowledgeBases (issue
// 12): a real kube-apiserver and etcd (envtest), moto behind a counting
// proxy, the bedrock-agent emulator, and the real manager binary. It seeds
// N KnowledgeBases, each with its own vector bucket and a PerDocument data
// source of 5 documents on its own prefix of a shared documents bucket, with
// Bedrock's quotas scaled down 200× (one StartIngestionJob per 50 ms, jobs
// of 1.5 s, 5 running jobs per account), then prints:
//   - the time until all are Ready, against the ideal: the larger of
//     N × start interval and N × job time / concurrent jobs, plus one job;
//   - AWS requests (moto and the emulator) per KnowledgeBase per drift-check
//     interval in the steady state, by operation;
//   - the manager's CPU seconds per interval, and its peak RSS (VmHWM);
//   - with -restart, the time until a new manager has run a job for every
//     KnowledgeBase, all made due while it was down.
//
// It is a benchmark, not a test: make bench-scale N=1000. It stops at
// -timeout and says so.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/aws/smithy-go/logging"
	"github.com/go-logr/logr"
	"k8s.io/utils/clock"
	ctrllog "sigs.k8s.io/controller-runtime/pkg/log"

	"github.com/kbwarden/kbwarden/internal/testenv"
	"github.com/kbwarden/kbwarden/test/bedrockemu"
	"github.com/kbwarden/kbwarden/test/scenario"
)

// config is the benchmark's flags.
type config struct {
	n                  int
	managerBin         string
	managerArgs        string
	startInterval      time.Duration
	jobTime            time.Duration
	concurrentJobs     int
	kbInterval         time.Duration
	debounce           time.Duration
	settle, steady     time.Duration
	timeout            time.Duration
	poll, progressStep time.Duration
	keepLog            bool
	restart            bool
}

func parseFlags() config {
	var c config
	flag.IntVar(&c.n, "n", 200, "KnowledgeBases to seed")
	flag.StringVar(&c.managerBin, "manager", "bin/kbwarden", "the manager binary (make build)")
	flag.StringVar(&c.managerArgs, "manager-args", "", "extra manager flags, space-separated")
	flag.DurationVar(&c.startInterval, "start-interval", 50*time.Millisecond, "StartIngestionJob quota (emulator) and --ingestion-start-interval (manager)")
	flag.DurationVar(&c.jobTime, "job-time", 1500*time.Millisecond, "how long an ingestion job runs")
	flag.IntVar(&c.concurrentJobs, "concurrent-jobs", 5, "running ingestion jobs allowed per account")
	flag.DurationVar(&c.kbInterval, "kb-interval", time.Minute, "spec.interval (drift check) of every KnowledgeBase")
	flag.DurationVar(&c.debounce, "debounce", 300*time.Millisecond, "spec.ingestion.debounce (1m scaled 200×)")
	flag.DurationVar(&c.settle, "settle", 0, "wait after all are Ready before measuring the steady state (default: one -kb-interval)")
	flag.DurationVar(&c.steady, "steady", 0, "steady-state measurement window (default: two -kb-interval)")
	flag.DurationVar(&c.timeout, "timeout", 15*time.Minute, "give up waiting for all to be Ready after this long")
	flag.DurationVar(&c.poll, "poll", 2*time.Second, "how often to list the KnowledgeBases")
	flag.DurationVar(&c.progressStep, "progress", 10*time.Second, "how often to print progress")
	flag.BoolVar(&c.restart, "restart", false, "after the steady state, restart the manager with every KnowledgeBase due (a manual trigger on each) and time it again")
	flag.BoolVar(&c.keepLog, "keep-log", false, "keep the manager's log even when every KnowledgeBase got Ready")
	flag.Parse()
	if c.settle <= 0 {
		c.settle = c.kbInterval
	}
	if c.steady <= 0 {
		c.steady = 2 * c.kbInterval
	}
	return c
}

func main() {
	cfg := parseFlags()
	// The benchmark's own informer and envtest log nothing: its story is
	// what say prints, and the manager's logs go to their own file.
	ctrllog.SetLogger(logr.Discard())
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, cfg, clock.RealClock{}); err != nil {
		fmt.Fprintln(os.Stderr, "benchscale:", err)
		os.Exit(1)
	}
}

// ideal is the time all KnowledgeBases could be Ready in: the larger of
// the start quota and the concurrency quota, plus the last job.
func (c config) ideal() time.Duration {
	byStarts := time.Duration(c.n) * c.startInterval
	byJobs := time.Duration(c.n) * c.jobTime / time.Duration(c.concurrentJobs)
	return max(byStarts, byJobs) + c.jobTime
}

func run(ctx context.Context, cfg config, clk clock.Clock) error {
	root := testenv.RepoRoot()
	bin := cfg.managerBin
	if !filepath.IsAbs(bin) {
		bin = filepath.Join(root, bin)
	}
	say("N=%d, start interval %s, jobs of %s, %d concurrent jobs per account, KnowledgeBase interval %s, debounce %s; ideal %s",
		cfg.n, cfg.startInterval, cfg.jobTime, cfg.concurrentJobs, cfg.kbInterval, cfg.debounce, cfg.ideal().Round(100*time.Millisecond))
	say("starting envtest and moto")
	env, err := testenv.Start(ctx)
	if err != nil {
		return err
	}
	defer env.Stop()
	kubeconfig, err := env.Kubeconfig()
	if err != nil {
		return err
	}
	defer os.Remove(kubeconfig)
	proxy, err := newCountingProxy(env.Moto.Endpoint)
	if err != nil {
		return err
	}
	defer proxy.Close()
	// The emulator reads moto directly (its requests are not the manager's),
	// without the SDK's debug line for every object read.
	emuAWS := env.AWS.Copy()
	emuAWS.Logger = logging.Nop{}
	emu, err := bedrockemu.New(bedrockemu.Config{AccountID: testenv.AccountID, Region: testenv.Region, AWS: &emuAWS,
		RunningFor: cfg.jobTime, StartInterval: cfg.startInterval, MaxConcurrentJobs: cfg.concurrentJobs,
		KnowledgeBases: emulatorSeed(cfg.n)})
	if err != nil {
		return err
	}
	if err := emu.Start("127.0.0.1:0"); err != nil {
		return err
	}
	defer emu.Close()

	began := clk.Now()
	if err := seedBuckets(ctx, env, cfg.n); err != nil {
		return err
	}
	say("seeded %d vector buckets and %d documents in %s", cfg.n, cfg.n*docsPerKB, clk.Since(began).Round(100*time.Millisecond))

	env2 := scenario.ProcessEnv(proxy.URL, emu.URL(), kubeconfig)
	args := append([]string{"--ingestion-start-interval=" + cfg.startInterval.String()}, strings.Fields(cfg.managerArgs)...)
	logBase := filepath.Join(os.TempDir(), fmt.Sprintf("kbwarden-benchscale-%d", os.Getpid()))
	logs := []string{logBase + ".log"}
	mgr, err := startManager(bin, logs[0], env2, args)
	if err != nil {
		return err
	}
	defer func() { mgr.stop() }()
	say("manager %s (pid %d) %s logs to %s", bin, mgr.pid(), strings.Join(args, " "), logs[0])

	kbs, err := newKnowledgeBaseCache(ctx, env)
	if err != nil {
		return err
	}
	w := &watcher{cfg: cfg, clk: clk, env: env, proxy: proxy, emu: emu, mgr: mgr, kbs: kbs}
	r := &report{cfg: cfg, load: []string{loadAverage()}}
	w.t0 = clk.Now()
	if err := applyBinding(ctx, env.Client); err != nil {
		return err
	}
	if err := applyAll(ctx, env.Client, cfg.n, cfg.kbInterval, cfg.debounce); err != nil {
		return err
	}
	say("applied %d KnowledgeBases in %s", cfg.n, clk.Since(w.t0).Round(100*time.Millisecond))

	first := phase{name: "all Ready after apply"}
	ok, err := w.until(ctx, &first, isReady)
	r.phases = append(r.phases, first)
	if err != nil {
		return err
	}
	if ok {
		say("all Ready; settling for %s, then measuring the steady state for %s", cfg.settle, cfg.steady)
		if err := w.sleep(ctx, cfg.settle); err != nil {
			return err
		}
		if err := w.measure(ctx, cfg.steady, &r.steady); err != nil {
			return err
		}
	}
	r.peakRSS = append(r.peakRSS, mustPeakRSS(mgr))

	if ok && cfg.restart {
		// A restart with every KnowledgeBase due: stop the manager, ask for
		// a job on each (the manual trigger), start a new manager.
		mgr.stop()
		token := fmt.Sprintf("bench-restart-%d", clk.Now().Unix())
		if err := requestAll(ctx, env.Client, cfg.n, token); err != nil {
			return err
		}
		logs = append(logs, logBase+"-restart.log")
		if mgr, err = startManager(bin, logs[1], env2, args); err != nil {
			return err
		}
		say("restarted the manager (pid %d) with all %d KnowledgeBases due; logs to %s", mgr.pid(), cfg.n, logs[1])
		w.mgr, w.t0 = mgr, clk.Now()
		restart := phase{name: "all Ready after a restart, all due"}
		ok, err = w.until(ctx, &restart, handled(token))
		r.phases = append(r.phases, restart)
		if err != nil {
			return err
		}
		r.peakRSS = append(r.peakRSS, mustPeakRSS(mgr))
	}
	r.load = append(r.load, loadAverage())
	r.print(os.Stdout)
	mgr.stop()
	if ok && !cfg.keepLog {
		for _, l := range logs {
			_ = os.Remove(l)
		}
	} else {
		say("the manager's logs are kept: %s", strings.Join(logs, " "))
	}
	return nil
}

// mustPeakRSS is the manager's VmHWM, or 0 when /proc cannot tell.
func mustPeakRSS(m *manager) int64 {
	rss, _ := peakRSS(m.pid())
	return rss
}

func say(format string, args ...any) {
	fmt.Printf("benchscale: "+format+"\n", args...)
}
