package quickemu

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
)

// Operation names, as CallCount counts them and as the SDK names them.
const (
	OpDescribeKnowledgeBase                = "DescribeKnowledgeBase"
	OpCreateKnowledgeBaseRefreshSchedule   = "CreateKnowledgeBaseRefreshSchedule"
	OpUpdateKnowledgeBaseRefreshSchedule   = "UpdateKnowledgeBaseRefreshSchedule"
	OpDescribeKnowledgeBaseRefreshSchedule = "DescribeKnowledgeBaseRefreshSchedule"
	OpDeleteKnowledgeBaseRefreshSchedule   = "DeleteKnowledgeBaseRefreshSchedule"
	OpListKnowledgeBaseRefreshSchedules    = "ListKnowledgeBaseRefreshSchedules"
	// OpUnknown counts requests that matched no operation.
	OpUnknown = "Unknown"
)

// Server is the emulated Amazon Quick endpoint. It is an http.Handler;
// Start also serves it on a loopback listener.
type Server struct {
	cfg   Config
	clock interface{ Now() time.Time }
	s3    *s3.Client
	mux   *http.ServeMux

	mu       sync.Mutex
	kbs      map[kbKey]*kbState
	starts   map[string]*tokenBucket // per account: the StartIngestion quota
	requests map[string]*tokenBucket // per account: the API rate
	calls    map[string]int
	faults   map[string][]*apiError // per operation: errors to return next

	ctx    context.Context // canceled by Close: cuts short an ingestion's S3 reads
	cancel context.CancelFunc

	httpSrv  *http.Server
	listener net.Listener
	served   chan error
}

type kbKey struct{ account, id string }

// New builds a Server. It makes no network call, so it works before the
// documents bucket exists.
func New(cfg Config) (*Server, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	awsCfg, err := awsConfig(cfg)
	if err != nil {
		return nil, fmt.Errorf("quickemu: loading the S3 configuration: %w", err)
	}
	s := &Server{
		cfg:   cfg,
		clock: cfg.Clock,
		s3: s3.NewFromConfig(awsCfg, func(o *s3.Options) {
			o.UsePathStyle = true
			// moto sends no checksums; saying so on every read is noise.
			o.DisableLogOutputChecksumValidationSkipped = true
			if cfg.S3Endpoint != "" {
				o.BaseEndpoint = aws.String(cfg.S3Endpoint)
			}
		}),
		kbs:      map[kbKey]*kbState{},
		starts:   map[string]*tokenBucket{},
		requests: map[string]*tokenBucket{},
		calls:    map[string]int{},
		faults:   map[string][]*apiError{},
	}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	s.routes()
	return s, nil
}

// awsConfig loads the SDK configuration through LoadDefaultConfig rather
// than by hand, which keeps the SDK's HTTP client and AWS_CA_BUNDLE.
func awsConfig(cfg Config) (aws.Config, error) {
	if cfg.AWS != nil {
		return cfg.AWS.Copy(), nil
	}
	return config.LoadDefaultConfig(context.Background(), config.WithRegion(cfg.Region),
		config.WithCredentialsProvider(credentials.NewStaticCredentialsProvider("testing", "testing", "")))
}

func (s *Server) routes() {
	s.mux = http.NewServeMux()
	const kb = "/v1/accounts/{account}/knowledge-bases/{kb}"
	const sched = kb + "/kb-refresh-schedules"
	s.handle("GET "+kb, OpDescribeKnowledgeBase, s.describeKnowledgeBase)
	s.handle("POST "+sched, OpCreateKnowledgeBaseRefreshSchedule, s.createSchedule)
	s.handle("GET "+sched, OpListKnowledgeBaseRefreshSchedules, s.listSchedules)
	s.handle("GET "+sched+"/{schedule}", OpDescribeKnowledgeBaseRefreshSchedule, s.describeSchedule)
	s.handle("PUT "+sched+"/{schedule}", OpUpdateKnowledgeBaseRefreshSchedule, s.updateSchedule)
	s.handle("DELETE "+sched+"/{schedule}", OpDeleteKnowledgeBaseRefreshSchedule, s.deleteSchedule)
	s.adminRoutes()
	s.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		s.count(OpUnknown)
		w.Header().Set("X-Amzn-Requestid", newRequestID())
		writeError(w, &apiError{status: http.StatusNotFound, code: "UnknownOperationException",
			message: fmt.Sprintf("no quicksight operation for %s %s", r.Method, r.URL.Path)})
	})
}

// handle registers an API operation behind the checks every call passes:
// a SigV4 signature for quicksight, a well-formed account, the account's
// API rate, and any injected fault. Schedules due by now fire first, so a
// response always reflects the clock.
func (s *Server) handle(pattern, op string, h func(http.ResponseWriter, *http.Request, *kbState) *apiError) {
	s.mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
		s.count(op)
		w.Header().Set("X-Amzn-Requestid", newRequestID())
		status := http.StatusOK
		if e := s.serve(w, r, op, h); e != nil {
			status = e.status
			writeError(w, e)
		}
		s.logf("%s %s %s -> %d", op, r.Method, r.URL.Path, status)
	})
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request, op string, h func(http.ResponseWriter, *http.Request, *kbState) *apiError) *apiError {
	if e := s.checkSignature(r); e != nil {
		return e
	}
	account := r.PathValue("account")
	if !accountPattern.MatchString(account) {
		return errInvalid("AwsAccountId %q must be 12 digits", account)
	}
	now := s.clock.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	if e := s.takeFault(op); e != nil {
		return e
	}
	if !s.bucket(s.requests, account, s.cfg.RequestInterval, s.cfg.RequestBurst, now).take(now) {
		return errThrottled("API request rate of account " + account)
	}
	s.advance(now)
	kb, ok := s.kbs[kbKey{account, r.PathValue("kb")}]
	if !ok {
		return errNotFound("KNOWLEDGE_BASE", "Knowledge base %s not found in account %s", r.PathValue("kb"), account)
	}
	return h(w, r, kb)
}

func (s *Server) count(op string) {
	s.mu.Lock()
	s.calls[op]++
	s.mu.Unlock()
}

// bucket returns the account's token bucket in m, created full.
func (s *Server) bucket(m map[string]*tokenBucket, account string, interval time.Duration, burst int, now time.Time) *tokenBucket {
	b, ok := m[account]
	if !ok {
		b = newTokenBucket(interval, burst, now)
		m[account] = b
	}
	return b
}

// ServeHTTP serves the API, so a Server can be mounted in an httptest.Server.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.mux.ServeHTTP(w, r) }

// Start serves on addr (for example "127.0.0.1:0") in the background. Only
// loopback use is intended: the emulator checks signatures' shape, not
// their value.
func (s *Server) Start(addr string) error {
	if s.listener != nil {
		return errors.New("quickemu: already started")
	}
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("quickemu: %w", err)
	}
	s.listener = l
	s.httpSrv = &http.Server{Handler: s, ReadHeaderTimeout: 10 * time.Second}
	s.served = make(chan error, 1)
	go func() { s.served <- s.httpSrv.Serve(l) }()
	return nil
}

// URL is the base URL to give the SDK (BaseEndpoint or
// AWS_ENDPOINT_URL_QUICKSIGHT) or the CLI (--endpoint-url); empty before Start.
func (s *Server) URL() string {
	if s.listener == nil {
		return ""
	}
	return "http://" + s.listener.Addr().String()
}

// Close stops serving and waits for in-flight requests. It is safe to call
// twice.
func (s *Server) Close() error {
	s.cancel()
	if s.httpSrv == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err := s.httpSrv.Shutdown(ctx)
	if serveErr := <-s.served; serveErr != nil && !errors.Is(serveErr, http.ErrServerClosed) && err == nil {
		err = serveErr
	}
	s.httpSrv = nil
	return err
}

// CallCount is how many requests the operation (an Op constant) received,
// whatever their outcome.
func (s *Server) CallCount(op string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls[op]
}

// faultStatus is the HTTP status of each exception FailNext can inject,
// from the quicksight model.
var faultStatus = map[string]int{
	"ThrottlingException":            http.StatusTooManyRequests,
	"InternalFailureException":       http.StatusInternalServerError,
	"AccessDeniedException":          http.StatusUnauthorized,
	"ConflictException":              http.StatusConflict,
	"ResourceNotFoundException":      http.StatusNotFound,
	"InvalidParameterValueException": http.StatusBadRequest,
	"LimitExceededException":         http.StatusConflict,
	"PreconditionNotMetException":    http.StatusBadRequest,
	"ResourceUnavailableException":   http.StatusServiceUnavailable,
}

// FailNext makes the next n requests of op fail with the exception code
// (one of the quicksight model's, for example ThrottlingException), after
// the signature check: faults the real service produces but the emulator
// would not on its own, such as throttling of a read or a 5xx.
func (s *Server) FailNext(op string, n int, code string) error {
	status, ok := faultStatus[code]
	if !ok {
		return fmt.Errorf("quickemu: FailNext: unknown exception %q", code)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for range n {
		s.faults[op] = append(s.faults[op], &apiError{status: status, code: code, message: "injected by the test"})
	}
	return nil
}

func (s *Server) takeFault(op string) *apiError {
	q := s.faults[op]
	if len(q) == 0 {
		return nil
	}
	s.faults[op] = q[1:]
	return q[0]
}

func (s *Server) logf(format string, args ...any) {
	if s.cfg.Logf != nil {
		s.cfg.Logf(format, args...)
	}
}

func (s *Server) kbArn(k kbKey) string {
	return fmt.Sprintf("arn:aws:quicksight:%s:%s:knowledgebase/%s", s.cfg.Region, k.account, k.id)
}
