package testenv

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
)

// Fault is an AWS error response the FaultProxy returns instead of
// forwarding a request: the real wire format, so the SDK parses it as it
// would parse AWS's own.
type Fault struct {
	Status int
	Code   string
}

// FaultProxy stands between the SDK and moto. It forwards every request
// unchanged, except those matching a fault rule, which get an S3-style XML
// error (403 AccessDenied, 503 SlowDown, 500 InternalError...). Tests use it
// for failures moto cannot produce: kbwarden's own access denied,
// throttling, 5xx.
type FaultProxy struct {
	URL    string
	server *httptest.Server

	mu    sync.Mutex
	rules map[string]Fault // key: "bucket" or "bucket?query-key"
}

// NewFaultProxy starts a proxy in front of target (moto's endpoint).
func NewFaultProxy(target string) (*FaultProxy, error) {
	u, err := url.Parse(target)
	if err != nil {
		return nil, err
	}
	p := &FaultProxy{rules: map[string]Fault{}}
	proxy := httputil.NewSingleHostReverseProxy(u)
	p.server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if f, ok := p.match(r); ok {
			w.Header().Set("Content-Type", "application/xml")
			w.WriteHeader(f.Status)
			fmt.Fprintf(w, `<?xml version="1.0" encoding="UTF-8"?><Error><Code>%s</Code><Message>injected by the test: %s</Message><RequestId>TEST</RequestId></Error>`, f.Code, f.Code)
			return
		}
		proxy.ServeHTTP(w, r)
	}))
	p.URL = p.server.URL
	return p, nil
}

// Inject makes requests on bucket fail with f. With a subresource (the
// query key S3 uses: "policy", "versioning", "encryption",
// "publicAccessBlock"), only those requests fail.
func (p *FaultProxy) Inject(bucket, subresource string, f Fault) {
	p.mu.Lock()
	defer p.mu.Unlock()
	key := bucket
	if subresource != "" {
		key += "?" + subresource
	}
	p.rules[key] = f
}

// InjectMethod is Inject for requests of one HTTP method only (PUT of a
// policy, say, while GETs of it still work).
func (p *FaultProxy) InjectMethod(bucket, subresource, method string, f Fault) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.rules[method+" "+bucket+"?"+subresource] = f
}

// Remove takes away the faults of Inject and InjectMethod on bucket and
// subresource.
func (p *FaultProxy) Remove(bucket, subresource string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for key := range p.rules {
		if key == bucket+"?"+subresource || strings.HasSuffix(key, " "+bucket+"?"+subresource) {
			delete(p.rules, key)
		}
	}
}

// Clear removes every fault.
func (p *FaultProxy) Clear() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.rules = map[string]Fault{}
}

// Close stops the proxy.
func (p *FaultProxy) Close() { p.server.Close() }

// match finds a rule for a path-style S3 request (/bucket/key?sub).
func (p *FaultProxy) match(r *http.Request) (Fault, bool) {
	bucket, _, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, "/"), "/")
	p.mu.Lock()
	defer p.mu.Unlock()
	for q := range r.URL.Query() {
		if f, ok := p.rules[r.Method+" "+bucket+"?"+q]; ok {
			return f, true
		}
		if f, ok := p.rules[bucket+"?"+q]; ok {
			return f, true
		}
	}
	f, ok := p.rules[bucket]
	return f, ok
}
