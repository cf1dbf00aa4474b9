package ui

import (
	"context"
	"errors"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strconv"

	"cyra/internal/cra"
)

// upload is the file of a multipart form (evidence, an SBOM).
type upload struct {
	Name        string
	ContentType string
	Data        []byte // nil when no file was sent
	// Problem says why the file could not be read (too large, broken
	// form); the form shows it next to the file field.
	Problem string
	// TooLarge is set when the problem is the file's size.
	TooLarge bool
}

type uploadKey struct{}

const (
	// uploadOverhead is what a multipart form may carry besides its file:
	// the other fields and the part headers.
	uploadOverhead = 1 << 20
	// maxUploadFields bounds the form's text fields together.
	maxUploadFields = 64 << 10
)

// readUploads reads multipart upload forms before the CSRF check.
//
// httpx.ProtectForms reads the form token from a body it bounds to
// MaxFormBody (64 KiB), which refuses any file larger than that. So for a
// signed-in, same-origin POST by someone who may change products, this
// reads the multipart body here, bounded to maxFile plus 1 MiB of form
// overhead (evidence: 20 MiB, SBOMs: the configured SBOM limit), and fills
// r.PostForm with the text fields; ProtectForms then finds the token in
// r.PostForm and checks it exactly as for any form (PostFormValue does not
// read the body again once PostForm is set). The file travels in the
// request context. Every other request passes through unchanged, so a
// request that is anonymous, cross-origin or from a read-only role gets
// ProtectForms' refusal without cyra buffering its body.
func (u *UI) readUploads(maxFile int64, next http.Handler) http.Handler {
	cop := http.NewCrossOriginProtection()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
		a := cra.ActorFrom(r.Context())
		if r.Method != http.MethodPost || mt != "multipart/form-data" || a == nil || a.Kind != cra.ActorSession ||
			!a.Can(cra.PermProductsWrite) || cop.Check(r) != nil {
			next.ServeHTTP(w, r)
			return
		}
		up, values := readMultipart(w, r, maxFile)
		r.PostForm = values
		r.Form = url.Values{}
		for k, v := range r.URL.Query() {
			r.Form[k] = append(r.Form[k], v...)
		}
		for k, v := range values {
			r.Form[k] = append(r.Form[k], v...)
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), uploadKey{}, up)))
	})
}

// readMultipart streams the form: text fields into values, the part named
// "file" into the upload. It stops at the first problem; the fields read
// until then (the CSRF token comes first in cyra's forms) stay usable.
func readMultipart(w http.ResponseWriter, r *http.Request, maxFile int64) (*upload, url.Values) {
	up, values := &upload{}, url.Values{}
	r.Body = http.MaxBytesReader(w, r.Body, maxFile+uploadOverhead)
	mr, err := r.MultipartReader()
	if err != nil {
		up.Problem = "The form could not be read; choose the file again and resend."
		return up, values
	}
	fieldBytes := 0
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			return up, values
		}
		if err != nil {
			up.uploadProblem(err, maxFile)
			return up, values
		}
		name := p.FormName()
		if p.FileName() == "" {
			b, err := io.ReadAll(io.LimitReader(p, int64(maxUploadFields-fieldBytes+1)))
			if err != nil {
				up.uploadProblem(err, maxFile)
				return up, values
			}
			if fieldBytes += len(b); fieldBytes > maxUploadFields {
				up.Problem = "The form's text fields are too long."
				return up, values
			}
			values.Add(name, string(b))
			continue
		}
		if name != "file" || up.Data != nil {
			continue // NextPart skips what is left of this part
		}
		data, err := io.ReadAll(io.LimitReader(p, maxFile+1))
		if err != nil {
			up.uploadProblem(err, maxFile)
			return up, values
		}
		if int64(len(data)) > maxFile {
			up.Problem, up.TooLarge = "The file is larger than "+sizeLabel(maxFile)+".", true
			return up, values
		}
		up.Name, up.ContentType, up.Data = p.FileName(), p.Header.Get("Content-Type"), data
	}
}

func (up *upload) uploadProblem(err error, maxFile int64) {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		up.Problem, up.TooLarge = "The upload is larger than "+sizeLabel(maxFile)+".", true
		return
	}
	up.Problem = "The form could not be read; choose the file again and resend."
}

// sizeLabel writes a size limit for people: "20 MiB", else as fmtSize.
func sizeLabel(n int64) string {
	if n >= 1<<20 && n%(1<<20) == 0 {
		return strconv.FormatInt(n>>20, 10) + " MiB"
	}
	return fmtSize(n)
}
