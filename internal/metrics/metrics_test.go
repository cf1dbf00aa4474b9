package metrics_test

import (
	"strings"
	"testing"

	"cyra/internal/metrics"
)

func TestExposition(t *testing.T) {
	r := metrics.NewRegistry()
	c := r.NewCounterVec("cyra_http_requests_total", "HTTP requests.", "method", "route", "code")
	c.Add(1, "GET", "GET /healthz", "200")
	c.Add(2, "GET", "GET /healthz", "200")
	c.Add(1, "POST", `POST /say "hi"`, "400")
	h := r.NewHistogramVec("cyra_http_request_duration_seconds", "Latency.", []float64{0.1, 1}, "route")
	h.Observe(0.05, "x")
	h.Observe(0.5, "x")
	h.Observe(5, "x")
	r.NewGaugeFunc("cyra_db_open_connections", "Open connections.", "gauge", []string{"pool"}, func() []metrics.Sample {
		return []metrics.Sample{{Labels: []string{"write"}, Value: 1}}
	})
	var b strings.Builder
	r.Write(&b)
	want := `# HELP cyra_http_requests_total HTTP requests.
# TYPE cyra_http_requests_total counter
cyra_http_requests_total{method="GET",route="GET /healthz",code="200"} 3
cyra_http_requests_total{method="POST",route="POST /say \"hi\"",code="400"} 1
# HELP cyra_http_request_duration_seconds Latency.
# TYPE cyra_http_request_duration_seconds histogram
cyra_http_request_duration_seconds_bucket{route="x",le="0.1"} 1
cyra_http_request_duration_seconds_bucket{route="x",le="1"} 2
cyra_http_request_duration_seconds_bucket{route="x",le="+Inf"} 3
cyra_http_request_duration_seconds_sum{route="x"} 5.55
cyra_http_request_duration_seconds_count{route="x"} 3
# HELP cyra_db_open_connections Open connections.
# TYPE cyra_db_open_connections gauge
cyra_db_open_connections{pool="write"} 1
`
	if got := b.String(); got != want {
		t.Fatalf("got\n%s\nwant\n%s", got, want)
	}
}
