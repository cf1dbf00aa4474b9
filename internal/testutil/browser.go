package testutil

import (
	"bytes"
	"os"
	"sync"
	"testing"

	"cyra/internal/webdriver"
)

// BrowserTestEnv, when set to 1 (as CI does), turns a missing browser into
// a test failure instead of a skip, so browser tests cannot silently vanish.
const BrowserTestEnv = "CYRA_BROWSER_TEST"

// RequireBrowser skips the test when chromedriver or Chromium is missing,
// unless CYRA_BROWSER_TEST=1 demands that browser tests run.
func RequireBrowser(t *testing.T) {
	t.Helper()
	ok, why := webdriver.Available(webdriver.Options{})
	if ok {
		return
	}
	if os.Getenv(BrowserTestEnv) == "1" {
		t.Fatalf("%s=1 but the browser is unavailable: %s", BrowserTestEnv, why)
	}
	t.Skipf("skipping browser test: %s (install the Debian packages chromium and chromium-driver, or set %s=1 to make this a failure)", why, BrowserTestEnv)
}

// SyncBuffer is a bytes.Buffer safe for concurrent writes, for capturing
// the output of something running in another goroutine or process.
type SyncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

// Write appends p.
func (b *SyncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

// String returns what was written so far.
func (b *SyncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}
