package quickemu

import (
	"fmt"
	"testing"
)

// BenchmarkIngestPerDocument measures one ingestion of 200 documents with
// sidecars on moto (one LIST page, one GET per sidecar): how long a test
// or the demo waits, in wall time, for the emulator's work.
func BenchmarkIngestPerDocument(b *testing.B) {
	e := newEnv(b)
	for i := range 200 {
		key := fmt.Sprintf("docs/%03d.txt", i)
		e.put(key, "text")
		e.put(key+sidecarSuffix, sidecar(entry("HR", "GROUP", "ALLOW")))
	}
	e.addKB("kb", ACLPerDocument)
	b.ResetTimer()
	for b.Loop() {
		if _, err := e.srv.StartIngestion(acct, "kb"); err != nil {
			b.Fatal(err)
		}
		e.clock.Step(ingestTime)
	}
	if got := len(e.srv.Retrievable(acct, "kb", "", []string{"HR"})); got != 200 {
		b.Fatalf("%d retrievable, want 200", got)
	}
}
