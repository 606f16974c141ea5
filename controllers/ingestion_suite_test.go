package controllers

import (
	"time"

	"github.com/kbwarden/kbwarden/internal/testenv"
	"github.com/kbwarden/kbwarden/test/bedrockemu"
)

// Emulated jobs are short, and the start quota and kbwarden's start queue
// are spaced a few hundred milliseconds apart instead of 10s.
const (
	emuStartingFor   = 300 * time.Millisecond
	emuRunningFor    = 700 * time.Millisecond
	emuStartInterval = 100 * time.Millisecond
)

// testIngestionOptions are the manager's ingestion settings in these tests.
var testIngestionOptions = IngestionOptions{StartInterval: 200 * time.Millisecond, PollMin: 200 * time.Millisecond, PollMax: time.Second}

// ingestionKB names one seeded knowledge base and its buckets; each test
// has its own, so jobs of one never conflict with another's.
type ingestionKB struct{ kbID, dsID, vectors, docs string }

var (
	// legacyKB is the knowledge base of the tests written before ingestion
	// existed (KB12345678 on the runbook's bucket).
	legacyKB     = ingestionKB{"KB12345678", "DS12345678", "sidekick-kb-vectors-dev-275666109134", "acme-corp-docs"}
	runbookIngKB = ingestionKB{"KBINGRUN01", "DSINGRUN01", "kbw-ing-runbook-vectors", "kbw-ing-runbook-docs"}
	observeIngKB = ingestionKB{"KBINGOBS01", "DSINGOBS01", "kbw-ing-observe-vectors", "kbw-ing-observe-docs"}
	manualIngKB  = ingestionKB{"KBINGMAN01", "DSINGMAN01", "kbw-ing-manual-vectors", "kbw-ing-manual-docs"}
	quietIngKB   = ingestionKB{"KBINGQUI01", "DSINGQUI01", "kbw-ing-quiet-vectors", "kbw-ing-quiet-docs"}
	extIngKB     = ingestionKB{"KBINGEXT01", "DSINGEXT01", "kbw-ing-external-vectors", "kbw-ing-external-docs"}
	restartIngKB = ingestionKB{"KBINGRST01", "DSINGRST01", "kbw-ing-restart-vectors", "kbw-ing-restart-docs"}
	burstIngKB   = ingestionKB{"KBINGBUR01", "DSINGBUR01", "kbw-ing-burst-vectors", "kbw-ing-burst-docs"}
	ruleIngKB    = ingestionKB{"KBINGACL01", "DSINGACL01", "kbw-ing-rules-vectors", "kbw-ing-rules-docs"}
	// burstACLIngKB is the burst in PerDocument mode.
	burstACLIngKB = ingestionKB{"KBINGBUR02", "DSINGBUR02", "kbw-ing-burstacl-vectors", "kbw-ing-burstacl-docs"}
	lifecycleKB   = ingestionKB{"KBLIFECY01", "DSLIFECY01", "kbw-lifecycle", "kbw-lifecycle-docs"}
	// waitIngKB waits on a running job.
	waitIngKB = ingestionKB{"KBINGWAI01", "DSINGWAI01", "kbw-ing-wait-vectors", "kbw-ing-wait-docs"}
)

// startEmulator serves the bedrock-agent emulator on loopback, seeded with
// every knowledge base the tests use, in moto's default account and region.
func startEmulator() (*bedrockemu.Server, error) {
	var kbs []bedrockemu.KnowledgeBase
	for _, k := range []ingestionKB{legacyKB, runbookIngKB, observeIngKB, manualIngKB, quietIngKB, extIngKB, restartIngKB, burstIngKB, lifecycleKB, waitIngKB} {
		kbs = append(kbs, bedrockemu.KnowledgeBase{ID: k.kbID, VectorStore: bedrockemu.VectorStore{Bucket: k.vectors},
			DataSources: []bedrockemu.DataSource{{ID: k.dsID, Bucket: k.docs, Prefix: "docs/"}}})
	}
	for _, k := range []ingestionKB{ruleIngKB, burstACLIngKB} {
		kbs = append(kbs, bedrockemu.KnowledgeBase{ID: k.kbID, VectorStore: bedrockemu.VectorStore{Bucket: k.vectors},
			DataSources: []bedrockemu.DataSource{{ID: k.dsID, Bucket: k.docs, Prefix: "docs/", AccessControl: true}}})
	}
	awsCfg := env.AWS
	srv, err := bedrockemu.New(bedrockemu.Config{Region: testenv.Region, AccountID: testenv.AccountID,
		S3Endpoint: env.Moto.Endpoint, AWS: &awsCfg, KnowledgeBases: kbs,
		StartingFor: emuStartingFor, RunningFor: emuRunningFor, StartInterval: emuStartInterval, StartBurst: 1})
	if err != nil {
		return nil, err
	}
	return srv, srv.Start("127.0.0.1:0")
}
