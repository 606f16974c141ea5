package quickemu

import (
	"encoding/json"
	"net/http"
	"slices"
	"testing"
)

// TestAdminEndpoints drives the hooks over HTTP, as the demo does against
// the standalone command: a manual refresh, a second one refused with
// Quick's error shape, then what a group can retrieve.
func TestAdminEndpoints(t *testing.T) {
	e := newEnv(t)
	e.put("hr/a.txt", "a")
	e.put("hr/a.txt.metadata.json", sidecar(entry("HR", "GROUP", "ALLOW"), entry("Contractors", "GROUP", "DENY")))
	e.addKB("kb", ACLPerDocument)
	base := e.srv.URL() + AdminPrefix + "/accounts/" + acct + "/knowledge-bases/kb"

	call := func(method, url string, wantStatus int) map[string]any {
		t.Helper()
		req, _ := http.NewRequest(method, url, nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var body map[string]any
		if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
			t.Fatal(err)
		}
		if resp.StatusCode != wantStatus {
			t.Fatalf("%s %s: %d %v, want %d", method, url, resp.StatusCode, body, wantStatus)
		}
		return body
	}
	if id := call(http.MethodPost, base+"/refresh", 200)["IngestionId"]; id == "" {
		t.Fatal("no IngestionId")
	}
	call(http.MethodPost, base+"/refresh", http.StatusConflict)
	e.clock.Step(ingestTime)
	keys := func(body map[string]any) []string {
		var out []string
		for _, k := range body["Keys"].([]any) {
			out = append(out, k.(string))
		}
		return out
	}
	if got := keys(call(http.MethodGet, base+"/retrievable?group=HR", 200)); !slices.Equal(got, []string{"hr/a.txt"}) {
		t.Errorf("HR retrieves %q", got)
	}
	if got := keys(call(http.MethodGet, base+"/retrievable?group=HR&group=Contractors", 200)); len(got) != 0 {
		t.Errorf("a contractor in HR retrieves %q", got)
	}
	list := call(http.MethodGet, base+"/ingestions", 200)["Ingestions"].([]any)
	if len(list) != 1 || list[0].(map[string]any)["IngestionStatus"] != statusCompleted {
		t.Errorf("ingestions %v", list)
	}
}
