package cvss_test

import (
	"testing"

	"cyra/internal/cvss"
)

func TestParse(t *testing.T) {
	t.Parallel()
	cases := []struct {
		vector  string
		version string
		base    float64
		rating  string
	}{
		// Log4Shell, CVE-2021-44228 as NVD scores it.
		{"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H", "3.1", 10.0, "CRITICAL"},
		{"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", "3.1", 9.8, "CRITICAL"},
		{"CVSS:3.0/AV:N/AC:H/PR:N/UI:R/S:U/C:L/I:N/A:N", "3.0", 3.1, "LOW"},
		{"CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:N/I:N/A:H", "3.1", 5.5, "MEDIUM"},
		{"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:N", "3.1", 0, "NONE"},
		// The CVSS v4.0 specification's example scores.
		{"CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N", "4.0", 9.3, "CRITICAL"},
		{"CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:N/VA:N/SC:N/SI:N/SA:N", "4.0", 0, "NONE"},
		// v2.0 vectors have no prefix; NVD writes them bare.
		{"AV:N/AC:L/Au:N/C:P/I:P/A:P", "2.0", 7.5, "HIGH"},
		{"(AV:N/AC:M/Au:N/C:N/I:P/A:N)", "2.0", 4.3, "MEDIUM"},
	}
	for _, c := range cases {
		got, err := cvss.Parse(c.vector)
		if err != nil {
			t.Errorf("Parse(%q): %v", c.vector, err)
			continue
		}
		if got.Version != c.version || got.Base != c.base || got.Rating != c.rating {
			t.Errorf("Parse(%q) = %+v, want %s %.1f %s", c.vector, got, c.version, c.base, c.rating)
		}
	}
}

func TestParseRejects(t *testing.T) {
	t.Parallel()
	for _, v := range []string{"", "CVSS:3.1/AV:N", "CVSS:5.0/AV:N", "garbage", "CVSS:4.0/AV:X/AC:L"} {
		if _, err := cvss.Parse(v); err == nil {
			t.Errorf("Parse(%q) accepted", v)
		}
	}
	sev, err := cvss.Severity("CVSS:3.1/AV:N", "nvd")
	if err == nil || sev.Vector != "CVSS:3.1/AV:N" || sev.Type != "CVSS_V3" || sev.Score != 0 {
		t.Errorf("Severity of a bad vector = %+v, %v; want the vector kept with score 0 and an error", sev, err)
	}
}

func FuzzParse(f *testing.F) {
	f.Add("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H")
	f.Add("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N")
	f.Add("AV:N/AC:L/Au:N/C:P/I:P/A:P")
	f.Fuzz(func(t *testing.T, v string) {
		s, err := cvss.Parse(v)
		if err == nil && (s.Base < 0 || s.Base > 10) {
			t.Fatalf("score %v out of range for %q", s.Base, v)
		}
	})
}
