package quickemu

import "time"

// tokenBucket is a quota: burst tokens, refilled one per interval. It reads
// time only through the caller's now, so a fake clock drives it.
type tokenBucket struct {
	interval time.Duration // zero: unlimited
	burst    float64
	tokens   float64
	last     time.Time
}

func newTokenBucket(interval time.Duration, burst int, now time.Time) *tokenBucket {
	return &tokenBucket{interval: interval, burst: float64(burst), tokens: float64(burst), last: now}
}

// take consumes a token if there is one.
func (b *tokenBucket) take(now time.Time) bool {
	if b.interval <= 0 {
		return true
	}
	if elapsed := now.Sub(b.last); elapsed > 0 {
		b.tokens = min(b.burst, b.tokens+float64(elapsed)/float64(b.interval))
		b.last = now
	}
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}
