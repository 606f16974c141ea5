package bedrockemu

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3vectors"
)

// Operation names, as counted by CallCount and as the SDK names them.
const (
	OpGetKnowledgeBase   = "GetKnowledgeBase"
	OpListKnowledgeBases = "ListKnowledgeBases"
	OpGetDataSource      = "GetDataSource"
	OpListDataSources    = "ListDataSources"
	OpStartIngestionJob  = "StartIngestionJob"
	OpGetIngestionJob    = "GetIngestionJob"
	OpListIngestionJobs  = "ListIngestionJobs"
	OpStopIngestionJob   = "StopIngestionJob"
	// OpUnknown counts requests that matched no operation.
	OpUnknown = "Unknown"
)

// Server is the emulated bedrock-agent endpoint. It is an http.Handler;
// Start also serves it on a loopback listener.
type Server struct {
	cfg     Config
	clock   Clock
	s3      *s3.Client
	vectors *s3vectors.Client
	mux     *http.ServeMux

	mu       sync.Mutex
	kbs      map[string]*kbState
	kbOrder  []string
	jobs     map[string]*job
	tokens   map[string]*tokenUse
	throttle tokenBucket
	calls    map[string]int
	seq      int64
	closed   bool // set by Close: no new job may start

	ctx    context.Context // canceled by Close: cuts short any job's work
	cancel context.CancelFunc
	work   sync.WaitGroup // jobs whose work is under way

	httpSrv  *http.Server
	listener net.Listener
	served   chan error
}

type kbState struct {
	seed    KnowledgeBase
	created time.Time
	dss     map[string]*dsState
	dsOrder []string
}

type dsState struct {
	seed    DataSource
	kb      *kbState
	created time.Time
	// index is what the last COMPLETE job left indexed: document key to
	// ETags, the baseline for "new", "modified" and "deleted".
	index map[string]indexedDoc
	jobs  []*job
}

// New builds a Server from cfg. It builds the S3 clients but makes no
// network call, so it works before moto has any bucket.
func New(cfg Config) (*Server, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	awsCfg, err := awsConfig(cfg)
	if err != nil {
		return nil, err
	}
	s := &Server{
		cfg:   cfg,
		clock: cfg.Clock,
		s3: s3.NewFromConfig(awsCfg, func(o *s3.Options) {
			o.UsePathStyle = true
			o.DisableLogOutputChecksumValidationSkipped = true
			if cfg.S3Endpoint != "" {
				o.BaseEndpoint = aws.String(cfg.S3Endpoint)
			}
		}),
		vectors: s3vectors.NewFromConfig(awsCfg, func(o *s3vectors.Options) {
			if cfg.S3Endpoint != "" {
				o.BaseEndpoint = aws.String(cfg.S3Endpoint)
			}
		}),
		kbs:    map[string]*kbState{},
		jobs:   map[string]*job{},
		tokens: map[string]*tokenUse{},
		calls:  map[string]int{},
	}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	s.throttle = newTokenBucket(cfg.StartInterval, cfg.StartBurst, s.clock.Now())
	for _, kb := range cfg.KnowledgeBases {
		s.addKnowledgeBase(kb)
	}
	s.routes()
	return s, nil
}

// AddKnowledgeBase seeds one more knowledge base while the server runs, so
// tests running in parallel each get their own. An ID already known is an
// error.
func (s *Server) AddKnowledgeBase(kb KnowledgeBase) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.kbs[kb.ID]; ok {
		return fmt.Errorf("knowledge base %s already exists", kb.ID)
	}
	s.addKnowledgeBase(kb)
	return nil
}

func (s *Server) addKnowledgeBase(kb KnowledgeBase) {
	now := s.clock.Now()
	st := &kbState{seed: kb, created: now, dss: map[string]*dsState{}}
	for _, ds := range kb.DataSources {
		st.dss[ds.ID] = &dsState{seed: ds, kb: st, created: now, index: map[string]indexedDoc{}}
		st.dsOrder = append(st.dsOrder, ds.ID)
	}
	s.kbs[kb.ID] = st
	s.kbOrder = append(s.kbOrder, kb.ID)
}

// awsConfig loads the SDK configuration through LoadDefaultConfig rather
// than assembling one by hand: that keeps the SDK's default HTTP client,
// to which the SDK applies AWS_CA_BUNDLE.
func awsConfig(cfg Config) (aws.Config, error) {
	if cfg.AWS != nil {
		return cfg.AWS.Copy(), nil
	}
	return config.LoadDefaultConfig(context.Background(),
		config.WithRegion(cfg.Region),
		config.WithCredentialsProvider(credentials.NewStaticCredentialsProvider("testing", "testing", "")))
}

func (s *Server) routes() {
	s.mux = http.NewServeMux()
	const kb = "/knowledgebases/{kb}"
	const ds = kb + "/datasources/{ds}"
	s.handle("POST /knowledgebases/{$}", OpListKnowledgeBases, s.listKnowledgeBases)
	s.handle("GET "+kb, OpGetKnowledgeBase, s.getKnowledgeBase)
	s.handle("POST "+kb+"/datasources/{$}", OpListDataSources, s.listDataSources)
	s.handle("GET "+ds, OpGetDataSource, s.getDataSource)
	s.handle("PUT "+ds+"/ingestionjobs/{$}", OpStartIngestionJob, s.startIngestionJob)
	s.handle("POST "+ds+"/ingestionjobs/{$}", OpListIngestionJobs, s.listIngestionJobs)
	s.handle("GET "+ds+"/ingestionjobs/{job}", OpGetIngestionJob, s.getIngestionJob)
	s.handle("POST "+ds+"/ingestionjobs/{job}/stop", OpStopIngestionJob, s.stopIngestionJob)
	// Anything else gets a JSON error the SDK can read, not ServeMux's
	// plain-text 404 or 405.
	s.handle("/", OpUnknown, func(w http.ResponseWriter, r *http.Request) {
		writeError(w, &apiError{status: http.StatusNotFound, code: "UnknownOperationException",
			message: fmt.Sprintf("no bedrock-agent operation for %s %s", r.Method, r.URL.Path)})
	})
}

func (s *Server) handle(pattern, op string, h http.HandlerFunc) {
	s.mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.calls[op]++
		s.mu.Unlock()
		w.Header().Set("X-Amzn-Requestid", newRequestID())
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		h(rec, r)
		s.logf("%s %s %s -> %d", op, r.Method, r.URL.Path, rec.status)
	})
}

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (r *statusRecorder) WriteHeader(code int) {
	r.status = code
	r.ResponseWriter.WriteHeader(code)
}

// ServeHTTP serves the bedrock-agent API, so a Server can be mounted in an
// httptest.Server or any mux.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.mux.ServeHTTP(w, r) }

// Start serves on addr (for example "127.0.0.1:0") in the background.
// Only loopback use is intended: the emulator has no authentication.
func (s *Server) Start(addr string) error {
	if s.listener != nil {
		return errors.New("bedrockemu: already started")
	}
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	s.listener = l
	s.httpSrv = &http.Server{Handler: s, ReadHeaderTimeout: 10 * time.Second}
	s.served = make(chan error, 1)
	go func() { s.served <- s.httpSrv.Serve(l) }()
	return nil
}

// URL is the base URL to give the SDK (BaseEndpoint) or the CLI
// (--endpoint-url); empty before Start.
func (s *Server) URL() string {
	if s.listener == nil {
		return ""
	}
	return "http://" + s.listener.Addr().String()
}

// Close cuts short any job's work, stops serving and waits for in-flight
// requests, so nothing outlives the Server. It is safe to call twice.
func (s *Server) Close() error {
	s.mu.Lock()
	s.closed = true
	s.mu.Unlock()
	s.cancel()
	var err error
	if s.httpSrv != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		err = s.httpSrv.Shutdown(ctx)
		cancel()
		if serveErr := <-s.served; serveErr != nil && !errors.Is(serveErr, http.ErrServerClosed) && err == nil {
			err = serveErr
		}
		s.httpSrv = nil
	}
	s.work.Wait()
	return err
}

// CallCount is how many requests the named operation (an Op constant)
// received, whatever their outcome; tests use it to check that a
// controller does not poll or start jobs more than it should.
func (s *Server) CallCount(op string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls[op]
}

// CallCounts returns a copy of every operation's request count.
func (s *Server) CallCounts() map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string]int, len(s.calls))
	for k, v := range s.calls {
		out[k] = v
	}
	return out
}

var errServerClosed = errors.New("bedrockemu: server closed")

func (s *Server) logf(format string, args ...any) {
	if s.cfg.Logf != nil {
		s.cfg.Logf(format, args...)
	}
}

func (s *Server) kbArn(kbID string) string {
	return fmt.Sprintf("arn:aws:bedrock:%s:%s:knowledge-base/%s", s.cfg.Region, s.cfg.AccountID, kbID)
}
