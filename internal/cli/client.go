package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"cyra/internal/cra"
)

// client talks to a running cyra's REST API with an API token. Commands
// that change products go through the API, not the database, so they act
// as the token's user, with its role, and are audited as such.
type client struct {
	base  *url.URL
	token string
	http  *http.Client
}

// clientFlags are the flags of commands that use the API.
type clientFlags struct {
	server, token *string
}

func addClientFlags(f *flags) clientFlags {
	return clientFlags{
		server: f.string("server", "http://127.0.0.1:8080", "URL of the cyra server"),
		token:  f.string("token", "", "API token (prefer the CYRA_TOKEN variable: arguments show up in process lists)"),
	}
}

func (c clientFlags) client() (*client, error) {
	u, err := url.Parse(strings.TrimRight(*c.server, "/"))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, usagef("--server must be an http(s) URL such as https://cyra.example.com, not %q", *c.server)
	}
	if *c.token == "" {
		return nil, usagef("an API token is needed: set CYRA_TOKEN (create one with 'cyra token create' or in the web UI)")
	}
	return &client{base: u, token: *c.token, http: &http.Client{Timeout: 2 * time.Minute}}, nil
}

// download streams a successful response body to w; errors are decoded
// as for do.
func (c *client) download(ctx context.Context, path string, w io.Writer) error {
	return c.send(ctx, "GET", path, "", nil, func(body io.Reader) error {
		_, err := io.Copy(w, body)
		return err
	})
}

// do sends a request and decodes a JSON response into out (if not nil).
// API errors come back as *cra.Error with the server's code, message and
// field problems.
func (c *client) do(ctx context.Context, method, path, contentType string, body io.Reader, out any) error {
	return c.send(ctx, method, path, contentType, body, func(r io.Reader) error {
		if out == nil {
			return nil
		}
		data, err := io.ReadAll(io.LimitReader(r, 64<<20))
		if err != nil {
			return err
		}
		if err := json.Unmarshal(data, out); err != nil {
			return fmt.Errorf("%s %s: unexpected response: %w", method, path, err)
		}
		return nil
	})
}

// send sends a request; a successful response's body goes to ok, an
// error response becomes a *cra.Error with the server's code, message and
// field problems.
func (c *client) send(ctx context.Context, method, path, contentType string, body io.Reader, ok func(io.Reader) error) error {
	req, err := http.NewRequestWithContext(ctx, method, c.base.String()+path, body)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	req.Header.Set("User-Agent", "cyra-cli/"+Version())
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return fmt.Errorf("cannot reach cyra at %s: %w", c.base, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode < 400 {
		return ok(resp.Body)
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return err
	}
	var e struct {
		Error struct {
			Code    string            `json:"code"`
			Message string            `json:"message"`
			Fields  map[string]string `json:"fields"`
		} `json:"error"`
	}
	if json.Unmarshal(data, &e) != nil || e.Error.Message == "" {
		return fmt.Errorf("%s %s: HTTP %d from %s", method, path, resp.StatusCode, c.base)
	}
	return &cra.Error{Code: e.Error.Code, Message: e.Error.Message, Fields: e.Error.Fields}
}

// json sends v as JSON.
func (c *client) json(ctx context.Context, method, path string, v, out any) error {
	var body io.Reader
	ct := ""
	if v != nil {
		b, err := json.Marshal(v)
		if err != nil {
			return err
		}
		body, ct = bytes.NewReader(b), "application/json"
	}
	return c.do(ctx, method, path, ct, body, out)
}
