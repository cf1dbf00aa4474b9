package epss

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"cyra/internal/cra"
	"cyra/internal/feeds/fetch"
)

// apiResponse is the API's envelope.
type apiResponse struct {
	Status     string    `json:"status"`
	StatusCode *int      `json:"status-code"`
	Message    string    `json:"message"`
	Total      *int      `json:"total"`
	Data       *[]apiRow `json:"data"`
}

type apiRow struct {
	CVE        string     `json:"cve"`
	EPSS       numText    `json:"epss"`
	Percentile numText    `json:"percentile"`
	Date       string     `json:"date"`
	Series     []apiPoint `json:"time-series"`
}

type apiPoint struct {
	EPSS       numText `json:"epss"`
	Percentile numText `json:"percentile"`
	Date       string  `json:"date"`
}

// numText holds a number the API writes as a string ("0.944570000") or,
// tolerated, as a JSON number.
type numText string

// UnmarshalJSON implements json.Unmarshaler.
func (n *numText) UnmarshalJSON(b []byte) error {
	var s string
	if json.Unmarshal(b, &s) == nil {
		*n = numText(s)
		return nil
	}
	var f json.Number
	if err := json.Unmarshal(b, &f); err != nil {
		return err
	}
	*n = numText(f)
	return nil
}

// decodeAPI reads one response: its scores (the rows and their time
// series), the number of rows (for offset paging) and the total. A row
// that is not a valid score makes the whole response invalid.
func decodeAPI(body []byte) (scores []cra.EPSSScore, rows, total int, err error) {
	var r apiResponse
	if err := json.Unmarshal(body, &r); err != nil {
		return nil, 0, 0, err
	}
	if r.StatusCode != nil && *r.StatusCode != 200 {
		return nil, 0, 0, fmt.Errorf("API status-code %d: %s", *r.StatusCode, cut(r.Message, 200))
	}
	if r.Data == nil {
		return nil, 0, 0, errors.New(`response has no "data" array`)
	}
	for i, row := range *r.Data {
		s, err := score(row.CVE, row.EPSS, row.Percentile, row.Date)
		if err != nil {
			return nil, 0, 0, fmt.Errorf("data[%d]: %w", i, err)
		}
		scores = append(scores, s)
		for j, p := range row.Series {
			s, err := score(row.CVE, p.EPSS, p.Percentile, p.Date)
			if err != nil {
				return nil, 0, 0, fmt.Errorf("data[%d].time-series[%d]: %w", i, j, err)
			}
			scores = append(scores, s)
		}
	}
	rows = len(*r.Data)
	total = rows
	if r.Total != nil {
		total = *r.Total
	}
	return scores, rows, total, nil
}

// score validates one score: a CVE id, two numbers in 0–1 and a date.
func score(cve string, epss, pct numText, date string) (cra.EPSSScore, error) {
	id := cra.NormalizeVulnID(cve)
	if !cra.IsCVE(id) {
		return cra.EPSSScore{}, fmt.Errorf("%q is not a CVE id", cut(cve, 40))
	}
	e, err := probability(string(epss))
	if err != nil {
		return cra.EPSSScore{}, fmt.Errorf("%s: epss %w", id, err)
	}
	p, err := probability(string(pct))
	if err != nil {
		return cra.EPSSScore{}, fmt.Errorf("%s: percentile %w", id, err)
	}
	d, err := cra.ParseDate(date)
	if err != nil {
		return cra.EPSSScore{}, fmt.Errorf("%s: date %q is not YYYY-MM-DD", id, cut(date, 40))
	}
	return cra.EPSSScore{CVE: id, Score: e, Percentile: p, Date: d}, nil
}

// probability parses a decimal in 0–1.
func probability(s string) (float64, error) {
	v, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil || !(v >= 0 && v <= 1) {
		return 0, fmt.Errorf("%q is not a number from 0 to 1", cut(s, 40))
	}
	return v, nil
}

func cut(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return strings.ToValidUTF8(s[:n], "") + "…"
}

// describe names the URL of a bad response and, for JSON errors, the
// line, column and byte offset where decoding failed.
func describe(u string, body []byte, err error) error { return fetch.DescribeJSON(u, body, err) }
