package awsclient

import (
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds"
)

const (
	// SessionDuration is how long assumed-role credentials last. An hour is
	// the most STS grants when the manager's own credentials are themselves
	// a role session (IRSA, EKS Pod Identity: role chaining).
	SessionDuration = time.Hour
	// RefreshBefore is how long before they expire credentials are renewed
	// (with jitter, so sessions created together do not renew together).
	RefreshBefore = 5 * time.Minute
	// SessionIdleTimeout drops a session nobody asked for in that long (a
	// KnowledgeBase deleted or moved to another binding).
	SessionIdleTimeout = 2 * time.Hour
)

// session is the credentials of one Identity and the clients built on them,
// one per region.
type session struct {
	creds    aws.CredentialsProvider
	caller   *callerCache
	clients  map[string]*Clients
	lastUsed time.Time
}

// ForIdentity returns the clients of region ("" means the default region)
// acting as id, built once per (identity, region) and cached. For an
// identity with a RoleARN, the credentials come from sts:AssumeRole, called
// with the manager's own credentials on its first AWS call and again shortly
// before the credentials expire, never per reconcile; session name, session
// tags and external ID come from id. Nothing is called here: a role that
// cannot be assumed fails the first call made with the clients (and
// CallerIdentity says so as a *CredentialsError).
func (f *Factory) ForIdentity(id Identity, region string) (*Clients, error) {
	region, err := f.resolveRegion(region)
	if err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	now := f.clock.Now()
	f.sweep(now)
	s := f.sessionOf(id, region)
	s.lastUsed = now
	if c, ok := s.clients[region]; ok {
		return c, nil
	}
	if !id.assumes() {
		id = Base
	}
	c := f.newClients(id, s, region)
	s.clients[region] = c
	return c, nil
}

// sessionOf returns id's session, creating it. The caller holds f.mu.
func (f *Factory) sessionOf(id Identity, region string) *session {
	if !id.assumes() {
		return f.baseSession
	}
	if s, ok := f.sessions[id]; ok {
		return s
	}
	provider := stscreds.NewAssumeRoleProvider(f.assumeRoleClient(region), id.RoleARN, func(o *stscreds.AssumeRoleOptions) {
		o.RoleSessionName = id.SessionName()
		o.Duration = SessionDuration
		o.Tags = id.Tags()
		if id.ExternalID != "" {
			o.ExternalID = aws.String(id.ExternalID)
		}
	})
	creds := aws.NewCredentialsCache(provider, func(o *aws.CredentialsCacheOptions) {
		o.ExpiryWindow = RefreshBefore
		o.ExpiryWindowJitterFrac = 0.5
	})
	s := &session{creds: creds, caller: &callerCache{creds: creds}, clients: map[string]*Clients{}}
	f.sessions[id] = s
	return s
}

// assumeRoleClient is the STS client AssumeRole is called with: the
// manager's own, in the default region (or in region when there is none).
// The caller holds f.mu.
func (f *Factory) assumeRoleClient(region string) stscreds.AssumeRoleAPIClient {
	if f.base.Region != "" {
		region = f.base.Region
	}
	c, ok := f.byRegion[region]
	if !ok {
		c = f.newClients(Base, f.baseSession, region)
		f.byRegion[region] = c
	}
	return c.STS
}

// sweep drops sessions idle for SessionIdleTimeout, at most every half of
// it. The caller holds f.mu.
func (f *Factory) sweep(now time.Time) {
	if now.Sub(f.lastSweep) < SessionIdleTimeout/2 {
		return
	}
	f.lastSweep = now
	for id, s := range f.sessions {
		if now.Sub(s.lastUsed) >= SessionIdleTimeout {
			delete(f.sessions, id)
		}
	}
}

// ForgetKnowledgeBase drops the sessions of a deleted KnowledgeBase.
func (f *Factory) ForgetKnowledgeBase(namespace, name string) {
	f.forget(func(id Identity) bool { return id.Namespace == namespace && id.KnowledgeBase == name })
}

// ForgetBinding drops every session of an AccountBinding, for example when
// it is deleted or its role changes.
func (f *Factory) ForgetBinding(name string) {
	f.forget(func(id Identity) bool { return id.Binding == name })
}

func (f *Factory) forget(match func(Identity) bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for id := range f.sessions {
		if match(id) {
			delete(f.sessions, id)
		}
	}
}

// Sessions is the number of assumed-role sessions cached.
func (f *Factory) Sessions() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.sessions)
}

// SessionsOf is the number of sessions cached for one KnowledgeBase.
func (f *Factory) SessionsOf(namespace, name string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 0
	for id := range f.sessions {
		if id.Namespace == namespace && id.KnowledgeBase == name {
			n++
		}
	}
	return n
}
