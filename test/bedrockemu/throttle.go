package bedrockemu

import "time"

// tokenBucket is the StartIngestionJob quota: capacity burst tokens,
// refilled at one token per interval. It reads time only through the
// caller's now, so a ManualClock drives it deterministically.
type tokenBucket struct {
	interval time.Duration // <= 0: unlimited
	burst    float64
	tokens   float64
	last     time.Time
}

func newTokenBucket(interval time.Duration, burst int, now time.Time) tokenBucket {
	return tokenBucket{interval: interval, burst: float64(burst), tokens: float64(burst), last: now}
}

// take consumes one token if there is one.
func (b *tokenBucket) take(now time.Time) bool {
	if b.interval <= 0 {
		return true
	}
	if elapsed := now.Sub(b.last); elapsed > 0 {
		b.tokens += float64(elapsed) / float64(b.interval)
		if b.tokens > b.burst {
			b.tokens = b.burst
		}
		b.last = now
	}
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}
