package main

import (
	"context"
	"errors"
	"log"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"sort"
	"strings"
	"sync"
)

// countingProxy stands between the manager and moto and counts every
// request by operation, so the benchmark sees what the manager costs AWS
// (the emulator reads moto directly and is not counted).
type countingProxy struct {
	URL    string
	server *httptest.Server

	mu     sync.Mutex
	counts map[string]int
}

func newCountingProxy(target string) (*countingProxy, error) {
	u, err := url.Parse(target)
	if err != nil {
		return nil, err
	}
	rp := httputil.NewSingleHostReverseProxy(u)
	// Enough idle connections that a burst of requests reuses them instead
	// of running out of loopback ports.
	rp.Transport = &http.Transport{MaxIdleConns: 256, MaxIdleConnsPerHost: 256}
	// A request cut off because the manager stopped is not news; the rest
	// are the proxy's default 502.
	rp.ErrorHandler = func(w http.ResponseWriter, r *http.Request, err error) {
		if !errors.Is(err, context.Canceled) {
			log.Printf("benchscale: proxy: %s %s: %v", r.Method, r.URL.Path, err)
		}
		w.WriteHeader(http.StatusBadGateway)
	}
	p := &countingProxy{counts: map[string]int{}}
	p.server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		op := operation(r)
		p.mu.Lock()
		p.counts[op]++
		p.mu.Unlock()
		rp.ServeHTTP(w, r)
	}))
	p.URL = p.server.URL
	return p, nil
}

func (p *countingProxy) Close() { p.server.Close() }

// snapshot copies the counts so far.
func (p *countingProxy) snapshot() map[string]int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return maps.Clone(p.counts)
}

// operation names a path-style S3 request by method, bucket or object, and
// subresource ("GET bucket?policy", "PUT object"), and any other request
// (STS, S3 Vectors) by method and path.
func operation(r *http.Request) string {
	path := strings.TrimPrefix(r.URL.Path, "/")
	if r.Header.Get("Content-Type") == "application/x-www-form-urlencoded" || strings.HasPrefix(path, "moto-api") {
		return r.Method + " /" + path
	}
	what := "bucket"
	if _, key, ok := strings.Cut(path, "/"); ok && key != "" {
		what = "object"
	}
	var sub []string
	for k := range r.URL.Query() {
		if k != "x-id" && !strings.HasPrefix(k, "X-Amz-") {
			sub = append(sub, k)
		}
	}
	sort.Strings(sub)
	if len(sub) > 0 {
		what += "?" + strings.Join(sub, "&")
	}
	return r.Method + " " + what
}

// delta returns after minus before, per key, and their total.
func delta(before, after map[string]int) (map[string]int, int) {
	out := map[string]int{}
	total := 0
	for k, v := range after {
		if d := v - before[k]; d > 0 {
			out[k] = d
			total += d
		}
	}
	return out, total
}
