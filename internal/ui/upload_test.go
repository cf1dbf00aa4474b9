package ui

import (
	"bytes"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// multipartRequest builds a form with a token field and a file.
func multipartRequest(t *testing.T, file []byte) *http.Request {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	mw.WriteField("csrf_token", "tok")
	fw, err := mw.CreateFormFile("file", "bom.json")
	if err != nil {
		t.Fatal(err)
	}
	fw.Write(file)
	mw.WriteField("format", "cyclonedx-json")
	mw.Close()
	r := httptest.NewRequest("POST", "/releases/1/sbom", &buf)
	r.Header.Set("Content-Type", mw.FormDataContentType())
	return r
}

func TestReadMultipartLimit(t *testing.T) {
	const limit = 100 << 10
	// A file at the limit is read whole, with the fields around it.
	data := bytes.Repeat([]byte("x"), limit)
	up, values := readMultipart(httptest.NewRecorder(), multipartRequest(t, data), limit)
	if up.Problem != "" || !bytes.Equal(up.Data, data) || up.Name != "bom.json" || values.Get("csrf_token") != "tok" || values.Get("format") != "cyclonedx-json" {
		t.Fatalf("file at the limit: problem %q, %d bytes, values %v", up.Problem, len(up.Data), values)
	}
	// One byte more is refused as too large; the token read before it
	// stays usable for the CSRF check.
	up, values = readMultipart(httptest.NewRecorder(), multipartRequest(t, append(data, 'x')), limit)
	if !up.TooLarge || up.Data != nil || !strings.Contains(up.Problem, "larger than 100.0 KiB") || values.Get("csrf_token") != "tok" {
		t.Fatalf("file over the limit: %+v %v", up, values)
	}
	// A body far past limit plus overhead stops at the body limit.
	up, _ = readMultipart(httptest.NewRecorder(), multipartRequest(t, bytes.Repeat([]byte("x"), limit+uploadOverhead+1)), limit)
	if !up.TooLarge {
		t.Fatalf("oversized body: %+v", up)
	}
}

func TestSizeLabelAndFileSlug(t *testing.T) {
	for n, want := range map[int64]string{20 << 20: "20 MiB", 50 << 20: "50 MiB", 1536: "1.5 KiB"} {
		if got := sizeLabel(n); got != want {
			t.Errorf("sizeLabel(%d) = %q, want %q", n, got, want)
		}
	}
	for in, want := range map[string]string{"Juice Shop-11.1.2": "Juice-Shop-11.1.2", "Nordlicht Größe/../1.0": "Nordlicht-Gr-e-..-1.0", "///": "sbom"} {
		if got := fileSlug(in); got != want {
			t.Errorf("fileSlug(%q) = %q, want %q", in, got, want)
		}
	}
}
