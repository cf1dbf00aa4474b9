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

// reserve checks key and, in the same step, counts this attempt as a
// failure, so that attempts sent in parallel cannot all pass the check
// while the first ones are still being verified. It returns how long key
// must wait (0 when the attempt may go ahead) and a function that takes
// the reservation back when the attempt succeeds.
func (t *throttle) reserve(key string, limit int, now time.Time) (time.Duration, func()) {
	t.mu.Lock()
	defer t.mu.Unlock()
	fs := t.recent(key, now)
	if len(fs) >= limit {
		return fs[len(fs)-limit].Add(throttleWindow).Sub(now), func() {}
	}
	if len(t.failures) >= maxTracked {
		for k := range t.failures {
			t.recent(k, now)
		}
		if len(t.failures) >= maxTracked {
			// Under a flood of distinct keys, refuse rather than forget.
			return throttleWindow, func() {}
		}
	}
	t.failures[key] = append(fs, now)
	return 0, func() { t.release(key, now) }
}

// release removes one failure recorded at `at` for key.
func (t *throttle) release(key string, at time.Time) {
	t.mu.Lock()
	defer t.mu.Unlock()
	fs := t.failures[key]
	for i := len(fs) - 1; i >= 0; i-- {
		if fs[i].Equal(at) {
			t.failures[key] = append(fs[:i:i], fs[i+1:]...)
			if len(t.failures[key]) == 0 {
				delete(t.failures, key)
			}
			return
		}
	}
}

// reset forgets key's failures after a successful sign-in.
func (t *throttle) reset(key string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.failures, key)
}
