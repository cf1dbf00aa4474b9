// Package server assembles cyra's HTTP handler: health and metrics
// endpoints, the JSON API and the web UI on one ServeMux, behind the
// middleware every response passes through (panic recovery, logging,
// metrics, security headers).
package server

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"runtime/debug"
	"strconv"
	"time"

	"cyra/internal/api"
	"cyra/internal/cra"
	"cyra/internal/httpx"
	"cyra/internal/metrics"
	"cyra/internal/ui"
)

// Config configures the handler.
type Config struct {
	Logger *slog.Logger
	// Secure is true when cyra is served over https (its base URL): cookies
	// get the Secure flag and the __Host- prefix, and HSTS is sent.
	Secure bool
	// ProxyHeader names a header set by a trusted reverse proxy with the
	// client's address (e.g. X-Forwarded-For); empty trusts the peer.
	ProxyHeader string
	Now         func() time.Time
	// SessionMaxAge is the session cookie's lifetime.
	SessionMaxAge time.Duration
	// SBOMMaxSize bounds SBOM uploads.
	SBOMMaxSize int64
}

// New returns cyra's HTTP handler.
func New(cfg Config, svcs cra.Services, ready cra.ReadinessChecker, reg *metrics.Registry) (http.Handler, error) {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.SessionMaxAge <= 0 {
		cfg.SessionMaxAge = cra.DefaultSessionPolicy.Absolute
	}
	cookies := httpx.NewCookies(cfg.Secure)
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Write([]byte("ok\n"))
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 5*time.Second)
		defer cancel()
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		if err := ready.Ready(ctx); err != nil {
			w.WriteHeader(http.StatusServiceUnavailable)
			w.Write([]byte("not ready: " + err.Error() + "\n"))
			return
		}
		w.Write([]byte("ready\n"))
	})
	mux.Handle("GET /metrics", reg.Handler())
	api.Register(mux, api.Routes(api.Deps{Services: svcs, Logger: cfg.Logger, Now: cfg.Now, SessionCookie: cookies.Session, SBOMMaxSize: cfg.SBOMMaxSize}))
	web, err := ui.New(ui.Deps{Services: svcs, Logger: cfg.Logger, Now: cfg.Now, Cookies: cookies, ProxyHeader: cfg.ProxyHeader, SessionMaxAge: cfg.SessionMaxAge, SBOMMaxSize: cfg.SBOMMaxSize})
	if err != nil {
		return nil, err
	}
	ui.Register(mux, web.Routes())

	requests := reg.NewCounterVec("cyra_http_requests_total", "HTTP requests by method, route and status code.", "method", "route", "code")
	latency := reg.NewHistogramVec("cyra_http_request_duration_seconds", "HTTP request latency by route.", metrics.DefaultLatencyBuckets, "method", "route")
	var h http.Handler = httpx.SecurityHeaders(cfg.Secure, mux)
	h = observe(cfg.Logger, requests, latency, h)
	h = recoverPanics(cfg.Logger, h)
	return h, nil
}

// statusWriter records the status code a handler wrote.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// observe logs each request and records its metrics, labelled with the
// route pattern the mux matched (bounded cardinality), not the raw path.
func observe(logger *slog.Logger, requests *metrics.CounterVec, latency *metrics.HistogramVec, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w}
		next.ServeHTTP(sw, r)
		if sw.status == 0 {
			sw.status = http.StatusOK
		}
		d := time.Since(start)
		route := r.Pattern
		if route == "" {
			route = "unmatched"
		}
		method := metricMethod(r.Method)
		requests.Add(1, method, route, strconv.Itoa(sw.status))
		latency.Observe(d.Seconds(), method, route)
		level := slog.LevelInfo
		if r.URL.Path == "/healthz" || r.URL.Path == "/readyz" || r.URL.Path == "/metrics" {
			level = slog.LevelDebug
		}
		logger.Log(r.Context(), level, "request", "method", r.Method, "path", r.URL.Path, "route", route,
			"status", sw.status, "duration_ms", float64(d.Microseconds())/1000, "remote", r.RemoteAddr)
	})
}

// metricMethod keeps the method label bounded: any method a client makes
// up is counted as OTHER.
func metricMethod(m string) string {
	switch m {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete, http.MethodOptions:
		return m
	}
	return "OTHER"
}

// recoverPanics turns a handler panic into a logged 500.
func recoverPanics(logger *slog.Logger, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if p := recover(); p != nil {
				if p == http.ErrAbortHandler {
					panic(p)
				}
				logger.Error("panic", "method", r.Method, "path", r.URL.Path, "panic", p, "stack", string(debug.Stack()))
				http.Error(w, "Internal error.", http.StatusInternalServerError)
			}
		}()
		next.ServeHTTP(w, r)
	})
}

// Serve runs the handler on ln until ctx is cancelled, then shuts down
// gracefully, giving in-flight requests up to grace to finish.
func Serve(ctx context.Context, ln net.Listener, h http.Handler, logger *slog.Logger, grace time.Duration) error {
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       60 * time.Second,
		WriteTimeout:      120 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
		BaseContext:       func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	logger.Info("shutting down", "grace", grace)
	sctx, cancel := context.WithTimeout(context.Background(), grace)
	defer cancel()
	err := srv.Shutdown(sctx)
	if serr := <-errc; serr != nil && !errors.Is(serr, http.ErrServerClosed) {
		return serr
	}
	return err
}
