package webdriver

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// chromeFlags are the Chromium flags every session uses. The network is
// closed on test machines, so everything that phones home is switched off.
var chromeFlags = []string{
	"--headless",
	"--no-sandbox", // tests run as root
	"--disable-gpu",
	"--disable-background-networking",
	"--disable-component-update",
	"--disable-sync",
	"--no-first-run",
	"--disable-quic",
	"--window-size=1280,900",
}

const (
	// readyTimeout bounds how long Start waits for chromedriver's /status.
	readyTimeout = 30 * time.Second
	// launchAttempts is how often Start tries a new port when chromedriver
	// exits before becoming ready (most likely because the port was taken
	// between choosing it and chromedriver binding it).
	launchAttempts = 3
	// closeTimeout bounds the DELETE session request made by Close.
	closeTimeout = 10 * time.Second
	// drainTimeout bounds how long Close waits for killed processes to go.
	drainTimeout = 5 * time.Second
)

// Available reports whether chromedriver and chromium can be found, and if
// not, why (for t.Skip messages). It applies the same defaults as Start.
func Available(opts Options) (ok bool, why string) {
	if _, _, err := resolve(opts); err != nil {
		return false, err.Error()
	}
	return true, ""
}

// resolve finds the chromedriver and Chromium executables.
func resolve(opts Options) (driver, chrome string, err error) {
	driver, err = findExecutable("chromedriver", opts.ChromeDriver, "chromedriver", "/usr/bin/chromedriver")
	if err != nil {
		return "", "", err
	}
	chrome, err = findExecutable("chromium", opts.Chrome, "/usr/bin/chromium", "chromium")
	if err != nil {
		return "", "", err
	}
	return driver, chrome, nil
}

// findExecutable returns explicit resolved through PATH when it is set, and
// otherwise the first of candidates that resolves.
func findExecutable(what, explicit string, candidates ...string) (string, error) {
	if explicit != "" {
		p, err := exec.LookPath(explicit)
		if err != nil {
			return "", fmt.Errorf("%s not usable: %w", what, err)
		}
		return p, nil
	}
	for _, c := range candidates {
		if p, err := exec.LookPath(c); err == nil {
			return p, nil
		}
	}
	return "", fmt.Errorf("%s not found (tried %s)", what, strings.Join(candidates, ", "))
}

// Start launches chromedriver on a free localhost port, waits until /status
// reports ready, and creates a session running headless Chromium.
//
// Chromium gets a fresh profile in a temporary directory, which Close
// removes. ctx governs start-up and every later command of the session;
// cancelling it also kills chromedriver and Chromium, although Close must
// still be called to remove the temporary directory.
func Start(ctx context.Context, opts Options) (*Session, error) {
	driver, chrome, err := resolve(opts)
	if err != nil {
		return nil, fmt.Errorf("webdriver: %w", err)
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("webdriver: Start: %w", err)
	}
	tmp, err := os.MkdirTemp("", "cyra-webdriver-")
	if err != nil {
		return nil, fmt.Errorf("webdriver: %w", err)
	}
	s := &Session{ctx: ctx, client: newHTTPClient(), tmpDir: tmp}
	if err := s.start(ctx, driver, chrome, opts); err != nil {
		if cerr := s.Close(); cerr != nil {
			err = fmt.Errorf("%w (cleaning up: %v)", err, cerr)
		}
		return nil, err
	}
	return s, nil
}

// start does the work of Start for a Session holding only its context,
// HTTP client and temporary directory. On error the caller closes s.
func (s *Session) start(ctx context.Context, driver, chrome string, opts Options) error {
	tmp := s.tmpDir
	profile := filepath.Join(tmp, "profile")
	config := filepath.Join(tmp, "config")
	for _, d := range []string{profile, config} {
		if err := os.Mkdir(d, 0o700); err != nil {
			return fmt.Errorf("webdriver: %w", err)
		}
	}
	// Chromium keeps its crash-report database under CHROME_CONFIG_HOME (by
	// default ~/.config/chromium), independently of --user-data-dir. Point
	// it into the temporary directory so that tests leave $HOME alone.
	env := append(os.Environ(), "CHROME_CONFIG_HOME="+config)

	for attempt := 1; ; attempt++ {
		port, err := freePort()
		if err != nil {
			return fmt.Errorf("webdriver: choosing a port: %w", err)
		}
		s.proc, err = launch(driver, port, env, opts.Log)
		if err != nil {
			return err
		}
		s.base = "http://127.0.0.1:" + strconv.Itoa(port)
		err = s.waitReady(ctx)
		if err == nil {
			break
		}
		if s.proc.exited() && attempt < launchAttempts && ctx.Err() == nil {
			s.proc.stop()
			continue
		}
		return s.proc.withOutput(err)
	}
	s.stopAfterFunc = context.AfterFunc(ctx, s.proc.kill)

	args := append(append(append([]string(nil), chromeFlags...), "--user-data-dir="+profile), opts.Args...)
	caps := map[string]any{"capabilities": map[string]any{
		"alwaysMatch": map[string]any{
			"browserName": "chrome",
			"goog:chromeOptions": map[string]any{
				"binary": chrome,
				"args":   args,
			},
		},
	}}
	var created struct {
		SessionID string `json:"sessionId"`
	}
	if err := doRequest(ctx, s.client, "NewSession", http.MethodPost, s.base+"/session", caps, &created); err != nil {
		return s.proc.withOutput(err)
	}
	if created.SessionID == "" {
		return s.proc.withOutput(errors.New("webdriver: NewSession: response holds no session id"))
	}
	s.id = created.SessionID

	timeouts := map[string]int64{
		"implicit": defaultImplicitWait.Milliseconds(),
		"pageLoad": pageLoadTimeout.Milliseconds(),
		"script":   scriptTimeout.Milliseconds(),
	}
	if err := s.call("SetTimeouts", http.MethodPost, "/timeouts", timeouts, nil); err != nil {
		return err
	}
	return nil
}

// freePort asks the kernel for an unused loopback port. Another process may
// take it before chromedriver binds it; Start retries in that case.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	port := l.Addr().(*net.TCPAddr).Port
	if err := l.Close(); err != nil {
		return 0, err
	}
	return port, nil
}

// waitReady polls chromedriver's /status until it reports ready.
func (s *Session) waitReady(ctx context.Context) error {
	deadline := time.Now().Add(readyTimeout)
	var last error
	for {
		var st struct {
			Ready   bool   `json:"ready"`
			Message string `json:"message"`
		}
		rctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		err := doRequest(rctx, s.client, "Status", http.MethodGet, s.base+"/status", nil, &st)
		cancel()
		switch {
		case err == nil && st.Ready:
			return nil
		case err == nil:
			last = fmt.Errorf("not ready: %s", st.Message)
		default:
			last = err
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("webdriver: chromedriver not ready after %v: %v", readyTimeout, last)
		}
		select {
		case <-s.proc.done:
			return fmt.Errorf("webdriver: chromedriver exited before becoming ready: %v", s.proc.waitErr)
		case <-ctx.Done():
			return fmt.Errorf("webdriver: waiting for chromedriver: %w", context.Cause(ctx))
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// Close deletes the session, stops chromedriver by killing its process group
// and waiting for it, and removes the temporary --user-data-dir.
//
// Because the whole process group is killed, no Chromium process outlives
// Close; it waits for them all to exit before removing the temporary
// directory. It is safe to call more than once; later calls return the
// result of the first.
func (s *Session) Close() error {
	s.closeOnce.Do(func() { s.closeErr = s.close() })
	return s.closeErr
}

func (s *Session) close() error {
	var errs []error
	if s.stopAfterFunc != nil {
		s.stopAfterFunc()
	}
	if s.proc != nil {
		// Ask chromedriver to quit Chromium cleanly first; the process group
		// is killed below whether or not that works.
		if s.id != "" && s.ctx.Err() == nil && !s.proc.exited() {
			ctx, cancel := context.WithTimeout(context.WithoutCancel(s.ctx), closeTimeout)
			if err := s.callCtx(ctx, "DeleteSession", http.MethodDelete, "", nil, nil); err != nil {
				errs = append(errs, err)
			}
			cancel()
		}
		if err := s.proc.stop(); err != nil {
			errs = append(errs, err)
		}
	}
	s.client.CloseIdleConnections()
	if err := removeAll(s.tmpDir); err != nil {
		errs = append(errs, fmt.Errorf("webdriver: removing temporary profile: %w", err))
	}
	return errors.Join(errs...)
}

// removeAll removes dir, retrying briefly in case a dying process was still
// writing into it.
func removeAll(dir string) error {
	var err error
	for range 20 {
		if err = os.RemoveAll(dir); err == nil {
			return nil
		}
		time.Sleep(50 * time.Millisecond)
	}
	return err
}

// driverProc is a running chromedriver, the leader of its own process group;
// every Chromium process it starts joins that group (apart from the crashpad
// handlers, which start their own sessions and exit with their clients).
type driverProc struct {
	cmd     *exec.Cmd
	pgid    int
	done    chan struct{} // closed once cmd.Wait has returned
	waitErr error         // cmd.Wait's result; read after done is closed
	out     *tailBuffer
}

func launch(driver string, port int, env []string, log io.Writer) (*driverProc, error) {
	out := &tailBuffer{max: 8 << 10}
	w := &logWriter{tail: out, log: log}
	// --enable-chrome-logs passes Chromium's stderr through, which is often
	// the only clue when the browser fails to start.
	cmd := exec.Command(driver, "--port="+strconv.Itoa(port), "--enable-chrome-logs")
	cmd.Env = env
	cmd.Stdout = w
	cmd.Stderr = w
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	// Chromium processes inherit chromedriver's output pipe; do not let one
	// that lingers keep Wait from returning.
	cmd.WaitDelay = 2 * time.Second
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("webdriver: starting chromedriver: %w", err)
	}
	p := &driverProc{cmd: cmd, pgid: cmd.Process.Pid, done: make(chan struct{}), out: out}
	go func() {
		p.waitErr = cmd.Wait()
		close(p.done)
	}()
	return p, nil
}

func (p *driverProc) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// kill sends SIGKILL to the whole process group without waiting.
func (p *driverProc) kill() {
	_ = syscall.Kill(-p.pgid, syscall.SIGKILL)
}

// stop kills the process group, reaps chromedriver and waits until no other
// member of the group is left running.
func (p *driverProc) stop() error {
	p.kill()
	<-p.done
	deadline := time.Now().Add(drainTimeout)
	for groupAlive(p.pgid) {
		if time.Now().After(deadline) {
			return fmt.Errorf("webdriver: processes in group %d still running %v after SIGKILL", p.pgid, drainTimeout)
		}
		p.kill()
		time.Sleep(20 * time.Millisecond)
	}
	return nil
}

// groupAlive reports whether any process of group pgid is still running.
// On Linux it reads /proc so that zombies, which only wait for their new
// parent to reap them, do not count.
func groupAlive(pgid int) bool {
	ents, err := os.ReadDir("/proc")
	if err != nil {
		return syscall.Kill(-pgid, 0) == nil
	}
	for _, ent := range ents {
		if _, err := strconv.Atoi(ent.Name()); err != nil {
			continue
		}
		stat, err := os.ReadFile("/proc/" + ent.Name() + "/stat")
		if err != nil {
			continue // exited meanwhile
		}
		// Format: pid (comm) state ppid pgrp ...; comm may contain spaces
		// and parentheses, so split after the last ')'.
		i := bytes.LastIndexByte(stat, ')')
		if i < 0 {
			continue
		}
		f := strings.Fields(string(stat[i+1:]))
		if len(f) < 3 || f[0] == "Z" || f[0] == "X" {
			continue
		}
		if g, err := strconv.Atoi(f[2]); err == nil && g == pgid {
			return true
		}
	}
	return false
}

// withOutput appends the tail of chromedriver's output to a start-up error.
func (p *driverProc) withOutput(err error) error {
	tail := strings.TrimSpace(p.out.String())
	if tail == "" {
		return err
	}
	return fmt.Errorf("%w\nchromedriver output (tail):\n%s", err, tail)
}

// logWriter copies chromedriver's output to the tail buffer and to the
// user's writer. It never fails, so that a broken user writer cannot stall
// chromedriver on a full pipe.
type logWriter struct {
	tail *tailBuffer
	log  io.Writer
}

func (w *logWriter) Write(b []byte) (int, error) {
	w.tail.Write(b)
	if w.log != nil {
		_, _ = w.log.Write(b)
	}
	return len(b), nil
}

// tailBuffer keeps the last max bytes written to it.
type tailBuffer struct {
	mu  sync.Mutex
	max int
	buf []byte
}

func (t *tailBuffer) Write(b []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf = append(t.buf, b...)
	if over := len(t.buf) - t.max; over > 0 {
		t.buf = append(t.buf[:0], t.buf[over:]...)
	}
	return len(b), nil
}

func (t *tailBuffer) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return string(t.buf)
}
