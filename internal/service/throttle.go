package service

import (
	"sync"
	"time"
)

// Sign-in throttling limits. An account is locked after accountLimit
// failures within window; an address after ipLimit failures (which catches
// one client trying many accounts).
const (
	throttleWindow = 15 * time.Minute
	accountLimit   = 5
	ipLimit        = 20
	maxTracked     = 100000 // bound memory under a flood of distinct keys
)

// throttle counts failed sign-ins per key in a sliding window. It is kept
// in memory: a restart forgets it, and each replica counts on its own,
// which still bounds guessing to a few attempts per minute per replica.
type throttle struct {
	mu       sync.Mutex
	failures map[string][]time.Time
}

func newThrottle() *throttle {
	return &throttle{failures: map[string][]time.Time{}}
}

// recent drops failures older than the window and returns the rest.
func (t *throttle) recent(key string, now time.Time) []time.Time {
	fs := t.failures[key]
	i := 0
	for i < len(fs) && now.Sub(fs[i]) >= throttleWindow {
		i++
	}
	fs = fs[i:]
	if len(fs) == 0 {
		delete(t.failures, key)
	} else {
		t.failures[key] = fs
	}
	return fs
}

// blocked returns how long key must wait, or 0 when it may try.
func (t *throttle) blocked(key string, limit int, now time.Time) time.Duration {
	t.mu.Lock()
	defer t.mu.Unlock()
	fs := t.recent(key, now)
	if len(fs) < limit {
		return 0
	}
	return fs[len(fs)-limit].Add(throttleWindow).Sub(now)
}

// fail records a failure for key.
func (t *throttle) fail(key string, now time.Time) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if len(t.failures) >= maxTracked {
		for k := range t.failures {
			t.recent(k, now)
		}
		if len(t.failures) >= maxTracked {
			return
		}
	}
	t.failures[key] = append(t.recent(key, now), now)
}

// reset forgets key's failures after a successful sign-in.
func (t *throttle) reset(key string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.failures, key)
}
