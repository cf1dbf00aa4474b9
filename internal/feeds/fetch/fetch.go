// Package fetch is the HTTP client every feed uses: conditional requests
// (ETag, If-Modified-Since), retries with exponential backoff that honour
// Retry-After on 429 and 503, a User-Agent that names cyra, body size
// limits and detection of truncated bodies. It holds no state between
// calls; the validators a feed wants to reuse live in the feed's cursor.
package fetch

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"strconv"
	"time"
)

// DefaultMaxBody bounds a response body read into memory.
const DefaultMaxBody = 64 << 20

// Client fetches feed documents.
type Client struct {
	HTTP      *http.Client // nil: a client with a 5-minute timeout
	UserAgent string       // "cyra/<version> (+https://github.com/…)"
	// Attempts is how many times a request is tried (default 4).
	Attempts int
	// Backoff is the first retry's delay, doubled on each retry with
	// jitter (default 1 s); MaxBackoff caps it and any Retry-After
	// (default 2 min).
	Backoff, MaxBackoff time.Duration
	// Sleep waits between attempts; tests replace it to avoid real waits.
	Sleep func(ctx context.Context, d time.Duration) error
}

// Request is one GET.
type Request struct {
	URL string
	// ETag and LastModified are the validators of the copy the caller
	// holds; when the server says it is unchanged, Response.NotModified is
	// set and no body is read.
	ETag, LastModified string
	Header             http.Header
	// MaxBody bounds the body (default DefaultMaxBody); a larger body is
	// an error, never silently cut.
	MaxBody int64
}

// Response is a successful (2xx or 304) response.
type Response struct {
	Status       int
	NotModified  bool
	Body         []byte // nil for NotModified and for GetFile
	ETag         string
	LastModified string
	Header       http.Header
}

// StatusError is a non-success HTTP status after all retries.
type StatusError struct {
	URL    string
	Status int
	Body   string // the first bytes of the body, for the error message
}

func (e *StatusError) Error() string {
	msg := fmt.Sprintf("GET %s: HTTP %d", e.URL, e.Status)
	if e.Body != "" {
		msg += ": " + e.Body
	}
	return msg
}

// Get fetches req.URL into memory.
func (c *Client) Get(ctx context.Context, req Request) (*Response, error) {
	var body []byte
	resp, err := c.do(ctx, req, func(r io.Reader) error {
		b, err := readAll(r, maxBody(req))
		body = b
		return err
	})
	if err != nil {
		return nil, err
	}
	resp.Body = body
	return resp, nil
}

// GetFile fetches req.URL into f (truncated first on every attempt), for
// bodies too large for memory such as OSV's all.zip exports.
func (c *Client) GetFile(ctx context.Context, req Request, f *os.File) (*Response, error) {
	return c.do(ctx, req, func(r io.Reader) error {
		if err := f.Truncate(0); err != nil {
			return err
		}
		if _, err := f.Seek(0, io.SeekStart); err != nil {
			return err
		}
		n, err := io.Copy(f, io.LimitReader(r, maxBody(req)+1))
		if err != nil {
			return err
		}
		if n > maxBody(req) {
			return fmt.Errorf("%w: body exceeds %d bytes", errTooLarge, maxBody(req))
		}
		return nil
	})
}

var errTooLarge = errors.New("response too large")

func maxBody(req Request) int64 {
	if req.MaxBody > 0 {
		return req.MaxBody
	}
	return DefaultMaxBody
}

func readAll(r io.Reader, limit int64) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > limit {
		return nil, fmt.Errorf("%w: body exceeds %d bytes", errTooLarge, limit)
	}
	return b, nil
}

func (c *Client) do(ctx context.Context, req Request, read func(io.Reader) error) (*Response, error) {
	attempts := c.Attempts
	if attempts <= 0 {
		attempts = 4
	}
	var lastErr error
	for attempt := 1; ; attempt++ {
		resp, retryAfter, err := c.once(ctx, req, read)
		if err == nil {
			return resp, nil
		}
		lastErr = err
		if !retryable(err) || attempt >= attempts || ctx.Err() != nil {
			return nil, lastErr
		}
		if err := c.sleep(ctx, c.delay(attempt, retryAfter)); err != nil {
			return nil, fmt.Errorf("%w (while retrying after: %v)", err, lastErr)
		}
	}
}

// retryableError marks failures worth another attempt: network errors,
// truncated bodies, 429 and 5xx.
type retryableError struct{ error }

func (e retryableError) Unwrap() error { return e.error }

func retryable(err error) bool {
	var r retryableError
	return errors.As(err, &r)
}

func (c *Client) once(ctx context.Context, req Request, read func(io.Reader) error) (*Response, time.Duration, error) {
	hreq, err := http.NewRequestWithContext(ctx, http.MethodGet, req.URL, nil)
	if err != nil {
		return nil, 0, fmt.Errorf("GET %s: %w", req.URL, err)
	}
	for k, vs := range req.Header {
		for _, v := range vs {
			hreq.Header.Add(k, v)
		}
	}
	ua := c.UserAgent
	if ua == "" {
		ua = "cyra"
	}
	hreq.Header.Set("User-Agent", ua)
	if req.ETag != "" {
		hreq.Header.Set("If-None-Match", req.ETag)
	}
	if req.LastModified != "" {
		hreq.Header.Set("If-Modified-Since", req.LastModified)
	}
	hc := c.HTTP
	if hc == nil {
		hc = &http.Client{Timeout: 5 * time.Minute}
	}
	hresp, err := hc.Do(hreq)
	if err != nil {
		if ctx.Err() != nil {
			return nil, 0, ctx.Err()
		}
		return nil, 0, retryableError{fmt.Errorf("GET %s: %w", req.URL, err)}
	}
	defer hresp.Body.Close()
	resp := &Response{
		Status:       hresp.StatusCode,
		ETag:         hresp.Header.Get("ETag"),
		LastModified: hresp.Header.Get("Last-Modified"),
		Header:       hresp.Header,
	}
	switch {
	case hresp.StatusCode == http.StatusNotModified:
		resp.NotModified = true
		resp.ETag = firstNonEmpty(resp.ETag, req.ETag)
		resp.LastModified = firstNonEmpty(resp.LastModified, req.LastModified)
		return resp, 0, nil
	case hresp.StatusCode >= 200 && hresp.StatusCode < 300:
		if err := read(hresp.Body); err != nil {
			if errors.Is(err, errTooLarge) {
				return nil, 0, fmt.Errorf("GET %s: %w", req.URL, err)
			}
			// A body shorter than its Content-Length surfaces here as
			// io.ErrUnexpectedEOF: the transfer broke, so try again.
			return nil, 0, retryableError{fmt.Errorf("GET %s: reading body: %w", req.URL, err)}
		}
		return resp, 0, nil
	}
	snippet, _ := io.ReadAll(io.LimitReader(hresp.Body, 512))
	serr := &StatusError{URL: req.URL, Status: hresp.StatusCode, Body: string(snippet)}
	if hresp.StatusCode == http.StatusTooManyRequests || hresp.StatusCode >= 500 {
		return nil, retryAfter(hresp.Header.Get("Retry-After"), time.Now()), retryableError{serr}
	}
	return nil, 0, serr
}

func firstNonEmpty(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// retryAfter reads a Retry-After header: seconds or an HTTP date.
func retryAfter(h string, now time.Time) time.Duration {
	if h == "" {
		return 0
	}
	if s, err := strconv.Atoi(h); err == nil && s >= 0 {
		return time.Duration(s) * time.Second
	}
	if t, err := http.ParseTime(h); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}

func (c *Client) delay(attempt int, retryAfter time.Duration) time.Duration {
	base := c.Backoff
	if base <= 0 {
		base = time.Second
	}
	limit := c.MaxBackoff
	if limit <= 0 {
		limit = 2 * time.Minute
	}
	d := base << (attempt - 1)
	d += time.Duration(rand.Int64N(int64(d)/2 + 1)) // jitter spreads replicas apart
	if retryAfter > d {
		d = retryAfter
	}
	return min(d, limit)
}

func (c *Client) sleep(ctx context.Context, d time.Duration) error {
	if c.Sleep != nil {
		return c.Sleep(ctx, d)
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
