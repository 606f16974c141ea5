package quickemu

import (
	"errors"
	"fmt"
	"sync"
	"time"
)

// JumpClock is the wall clock moved forward by the jumps asked of it: a
// Config.Clock for an emulator that other processes (the real manager, the
// demo's kubectl) talk to in real time. Ingestions still take real time to
// run (QueuedFor, RunningFor), and every timestamp the emulator reports
// stays ahead of the wall clock, so a refresh that runs after a jump is
// seen, by anyone comparing with the wall clock, as starting after
// everything that happened before the jump. What a jump skips is only the
// wait for a scheduled refresh: an hour of HOURLY schedule in a test.
//
// The flip side: after a jump the emulator's timestamps are ahead of the
// client's clock, so a refresh that starts after a jump looks, to a client
// comparing with its own clock, as if it started after anything the client
// did up to the jump's size later. A test that checks "started after the
// write" must make sure no refresh starts between the jump and the write
// (Ingestions lists them), as test/e2e does.
type JumpClock struct {
	mu     sync.Mutex
	offset time.Duration
}

// Now is the wall clock plus the jumps so far.
func (c *JumpClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return time.Now().Add(c.offset)
}

// Since is Now minus t.
func (c *JumpClock) Since(t time.Time) time.Duration { return c.Now().Sub(t) }

// JumpTo moves the clock forward to t; a time already passed is a no-op.
// It returns how far the clock jumped.
func (c *JumpClock) JumpTo(t time.Time) time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	d := time.Until(t) - c.offset
	if d <= 0 {
		return 0
	}
	c.offset += d
	return d
}

// Offset is how far ahead of the wall clock the clock runs.
func (c *JumpClock) Offset() time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.offset
}

// SkipToNextRefresh jumps the emulator's clock, which must be a
// *JumpClock, to the knowledge base's next scheduled refresh, which then
// starts. It returns that time and how far the clock jumped.
func (s *Server) SkipToNextRefresh(accountID, kbID string) (time.Time, time.Duration, error) {
	jc, ok := s.clock.(*JumpClock)
	if !ok {
		return time.Time{}, 0, errors.New("quickemu: the clock is not a *quickemu.JumpClock; move it yourself")
	}
	next, ok := s.NextScheduledRefresh(accountID, kbID)
	if !ok {
		return time.Time{}, 0, fmt.Errorf("quickemu: knowledge base %s of account %s has no enabled refresh schedule", kbID, accountID)
	}
	d := jc.JumpTo(next)
	s.mu.Lock()
	s.advance(s.clock.Now())
	s.mu.Unlock()
	return next, d, nil
}
