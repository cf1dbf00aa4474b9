package api

import (
	"context"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"cyra/internal/cra"
	"cyra/internal/httpx"
	"cyra/internal/manifest"
)

// Route is one endpoint of the API.
type Route struct {
	Method  string // "" for the catch-all
	Path    string // a ServeMux path pattern
	Summary string
	// Public endpoints need no credentials.
	Public bool
	// MaxBody bounds the request body (default httpx.MaxJSONBody).
	MaxBody int64
	Handler http.Handler
}

// Pattern is the route's ServeMux pattern, e.g. "GET /api/v1/users".
func (r Route) Pattern() string {
	if r.Method == "" {
		return r.Path
	}
	return r.Method + " " + r.Path
}

// Deps are what the API needs.
type Deps struct {
	Services cra.Services
	Logger   *slog.Logger
	Now      func() time.Time
	// SBOMMaxSize bounds SBOM uploads (default 50 MB).
	SBOMMaxSize int64
	// FeedFileMaxSize bounds feed file and bundle uploads (default 512 MB).
	FeedFileMaxSize int64
	// SessionCookie, when set, lets a signed-in browser read (GET) the API
	// with its session. Writes always need an API token, so the API has no
	// CSRF surface.
	SessionCookie string
}

// Routes returns every endpoint, each wrapped with authentication. This is
// the whole API surface; the OpenAPI document is checked against it.
func Routes(d Deps) []Route {
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.SBOMMaxSize <= 0 {
		d.SBOMMaxSize = 50 << 20
	}
	if d.FeedFileMaxSize <= 0 {
		d.FeedFileMaxSize = 512 << 20
	}
	s := d.Services
	routes := []Route{
		{Method: "GET", Path: Prefix + "/openapi.json", Summary: "This API's OpenAPI 3.1 description", Public: true, Handler: openAPIHandler()},
		{Method: "GET", Path: Prefix + "/me", Summary: "The caller's account", Handler: serve(d.Logger, handleMe(s.Users))},
		{Method: "GET", Path: Prefix + "/organisation", Summary: "The organisation", Handler: serve(d.Logger, handleGetOrganisation(s.Organisation))},
		{Method: "PUT", Path: Prefix + "/organisation", Summary: "Replace the organisation's details", Handler: serve(d.Logger, handlePutOrganisation(s.Organisation))},
		{Method: "GET", Path: Prefix + "/users", Summary: "List users", Handler: serve(d.Logger, handleListUsers(s.Users))},
		{Method: "POST", Path: Prefix + "/users", Summary: "Create a user or service account", Handler: serve(d.Logger, handleCreateUser(s.Users))},
		{Method: "GET", Path: Prefix + "/users/{id}", Summary: "One user", Handler: serve(d.Logger, handleGetUser(s.Users))},
		{Method: "PATCH", Path: Prefix + "/users/{id}", Summary: "Change a user's name, role or disabled state", Handler: serve(d.Logger, handleUpdateUser(s.Users))},
		{Method: "PUT", Path: Prefix + "/users/{id}/password", Summary: "Set a person's password (administrator reset)", Handler: serve(d.Logger, handleSetPassword(s.Users))},
		{Method: "GET", Path: Prefix + "/tokens", Summary: "List API tokens", Handler: serve(d.Logger, handleListTokens(s.Tokens, d.Now))},
		{Method: "POST", Path: Prefix + "/tokens", Summary: "Create an API token", Handler: serve(d.Logger, handleCreateToken(s.Tokens, d.Now))},
		{Method: "DELETE", Path: Prefix + "/tokens/{id}", Summary: "Revoke an API token", Handler: serve(d.Logger, handleRevokeToken(s.Tokens))},
		{Method: "GET", Path: Prefix + "/products", Summary: "List products with readiness and warnings", Handler: serve(d.Logger, handleListProducts(s.Products, d.Now))},
		{Method: "POST", Path: Prefix + "/products", Summary: "Create a product", Handler: serve(d.Logger, handleCreateProduct(s.Products))},
		{Method: "GET", Path: Prefix + "/products/{id}", Summary: "One product with its classification, releases and readiness", Handler: serve(d.Logger, handleGetProduct(s.Products, d.Now))},
		{Method: "PUT", Path: Prefix + "/products/{id}", Summary: "Replace a product's description", Handler: serve(d.Logger, handleUpdateProduct(s.Products))},
		{Method: "PUT", Path: Prefix + "/products/{id}/scope", Summary: "Record the scope check's answers", Handler: serve(d.Logger, handleDecideScope(s.Products))},
		{Method: "PUT", Path: Prefix + "/products/{id}/classification", Summary: "Record the product's category and conformity inputs", Handler: serve(d.Logger, handleClassify(s.Products))},
		{Method: "GET", Path: Prefix + "/products/{id}/releases", Summary: "List a product's releases", Handler: serve(d.Logger, handleListReleases(s.Products, d.Now))},
		{Method: "POST", Path: Prefix + "/products/{id}/releases", Summary: "Add a release to a product", Handler: serve(d.Logger, handleCreateRelease(s.Products, d.Now))},
		{Method: "GET", Path: Prefix + "/products/{id}/requirements", Summary: "A product's Annex I requirement matrix", Handler: serve(d.Logger, handleMatrix(s.Products, s.Compliance, false))},
		{Method: "PUT", Path: Prefix + "/products/{id}/requirements/{requirement}", Summary: "Set a product's state of one Annex I requirement", Handler: serve(d.Logger, handleSetRequirement(s.Products, s.Compliance, false))},
		{Method: "POST", Path: Prefix + "/products/{id}/evidence", Summary: "Attach evidence (a link or a file) to a requirement", MaxBody: maxEvidenceBody, Handler: serve(d.Logger, handleAddEvidence(s.Compliance))},
		{Method: "GET", Path: Prefix + "/products/{id}/risk-assessments", Summary: "A product's risk-assessment versions", Handler: serve(d.Logger, handleListRisk(s.Compliance, d.Now))},
		{Method: "POST", Path: Prefix + "/products/{id}/risk-assessments", Summary: "Save a new risk-assessment version", Handler: serve(d.Logger, handleCreateRisk(s.Compliance, d.Now))},
		{Method: "GET", Path: Prefix + "/releases/{id}", Summary: "One release", Handler: serve(d.Logger, handleGetRelease(s.Products, d.Now))},
		{Method: "PUT", Path: Prefix + "/releases/{id}", Summary: "Replace a release", Handler: serve(d.Logger, handleUpdateRelease(s.Products, d.Now))},
		{Method: "GET", Path: Prefix + "/releases/{id}/requirements", Summary: "A release's effective Annex I matrix", Handler: serve(d.Logger, handleMatrix(s.Products, s.Compliance, true))},
		{Method: "PUT", Path: Prefix + "/releases/{id}/requirements/{requirement}", Summary: "Override one requirement for a release", Handler: serve(d.Logger, handleSetRequirement(s.Products, s.Compliance, true))},
		{Method: "DELETE", Path: Prefix + "/releases/{id}/requirements/{requirement}", Summary: "Make a release follow the product's requirement state again", Handler: serve(d.Logger, handleClearOverride(s.Compliance))},
		// The upload limit leaves room for a multipart form's overhead; the
		// service applies the SBOM limit to the document itself.
		{Method: "POST", Path: Prefix + "/releases/{id}/sbom", Summary: "Upload the release's SBOM (CycloneDX or SPDX)", MaxBody: d.SBOMMaxSize + 1<<20, Handler: serve(d.Logger, handleUploadSBOM(s.SBOMs))},
		{Method: "GET", Path: Prefix + "/releases/{id}/sbom", Summary: "Export the release's components as CycloneDX 1.6 or SPDX 2.3 JSON", Handler: serve(d.Logger, handleExportSBOM(s.SBOMs))},
		{Method: "GET", Path: Prefix + "/releases/{id}/sboms", Summary: "The release's SBOM uploads, newest first", Handler: serve(d.Logger, handleListSBOMs(s.SBOMs))},
		{Method: "GET", Path: Prefix + "/releases/{id}/components", Summary: "The release's components", Handler: serve(d.Logger, handleComponents(s.SBOMs))},
		{Method: "GET", Path: Prefix + "/sboms/{id}/document", Summary: "Download an SBOM as it was uploaded", Handler: serve(d.Logger, handleSBOMDocument(s.SBOMs))},
		{Method: "GET", Path: Prefix + "/diff", Summary: "Components added, removed and changed between two releases", Handler: serve(d.Logger, handleDiff(s.SBOMs, d.Now))},
		{Method: "GET", Path: Prefix + "/components/search", Summary: "Releases containing a package", Handler: serve(d.Logger, handleSearchComponents(s.SBOMs, d.Now))},
		{Method: "GET", Path: Prefix + "/evidence/{id}", Summary: "One piece of evidence", Handler: serve(d.Logger, handleGetEvidence(s.Compliance))},
		{Method: "GET", Path: Prefix + "/evidence/{id}/file", Summary: "Download an evidence file", Handler: serve(d.Logger, handleEvidenceFile(s.Compliance))},
		{Method: "DELETE", Path: Prefix + "/evidence/{id}", Summary: "Remove evidence added by mistake", Handler: serve(d.Logger, handleDeleteEvidence(s.Compliance))},
		{Method: "POST", Path: Prefix + "/apply", Summary: "Apply a product manifest (YAML or JSON)", MaxBody: manifest.MaxSize, Handler: serve(d.Logger, handleApply(s.Products))},
		{Method: "GET", Path: Prefix + "/calendar", Summary: "The obligations calendar", Handler: serve(d.Logger, handleCalendar(s.Products))},
		{Method: "GET", Path: Prefix + "/scope-questions", Summary: "The scope check's questions", Public: true, Handler: serve(d.Logger, handleScopeQuestions())},
		{Method: "GET", Path: Prefix + "/categories", Summary: "The product categories of Annex III and IV", Public: true, Handler: serve(d.Logger, handleCategories())},
		{Method: "GET", Path: Prefix + "/vulnerabilities", Summary: "Search vulnerabilities by any alias, text, package or exploitation", Handler: serve(d.Logger, handleSearchVulnerabilities(s.Vulns))},
		{Method: "GET", Path: Prefix + "/vulnerabilities/{id}", Summary: "One vulnerability by any of its ids, with every source's record", Handler: serve(d.Logger, handleGetVulnerability(s.Vulns))},
		{Method: "GET", Path: Prefix + "/feeds", Summary: "The vulnerability feeds' status", Handler: serve(d.Logger, handleListFeeds(s.Vulns))},
		{Method: "POST", Path: Prefix + "/feeds/sync", Summary: "Start syncing feeds now", Handler: serve(d.Logger, handleSyncFeeds(s.Vulns))},
		{Method: "POST", Path: Prefix + "/feeds/import", Summary: "Import an OSV record or zip, or a KEV catalog", MaxBody: d.FeedFileMaxSize, Handler: serve(d.Logger, handleImportFeedFile(s.Vulns))},
		{Method: "GET", Path: Prefix + "/findings", Summary: "List findings: vulnerabilities affecting components of releases", Handler: serve(d.Logger, handleListFindings(s.Findings, d.Now))},
		{Method: "GET", Path: Prefix + "/findings/{id}", Summary: "One finding with its triage history", Handler: serve(d.Logger, handleGetFinding(s.Findings))},
		{Method: "POST", Path: Prefix + "/findings/{id}/triage", Summary: "Record a triage (VEX) decision on a finding", Handler: serve(d.Logger, handleTriageFinding(s.Findings))},
		{Method: "POST", Path: Prefix + "/findings/rematch", Summary: "Match releases against the advisories again", Handler: serve(d.Logger, handleRematch(s.Findings))},
		{Method: "GET", Path: Prefix + "/exposure", Summary: "The portfolio's exposure: releases on the market and their actionable findings", Handler: serve(d.Logger, handleExposure(s.Findings))},
		// As for an SBOM upload, the limit leaves room for a form's overhead.
		{Method: "POST", Path: Prefix + "/scan", Summary: "Scan an SBOM for vulnerabilities without storing it", MaxBody: d.SBOMMaxSize + 1<<20, Handler: serve(d.Logger, handleScan(s.Findings))},
		{Method: "GET", Path: Prefix + "/reviews", Summary: "List reportability reviews of exploited vulnerabilities", Handler: serve(d.Logger, handleListReviews(s.Cases))},
		{Method: "GET", Path: Prefix + "/reviews/{id}", Summary: "One reportability review", Handler: serve(d.Logger, handleGetReview(s.Cases))},
		{Method: "POST", Path: Prefix + "/reviews/{id}/decision", Summary: "Decide a review: open a case or not reportable", Handler: serve(d.Logger, handleDecideReview(s.Cases, d.Now))},
		{Method: "GET", Path: Prefix + "/cases", Summary: "List Art. 14 cases with their deadlines", Handler: serve(d.Logger, handleListCases(s.Cases, d.Now))},
		{Method: "POST", Path: Prefix + "/cases", Summary: "Open an Art. 14 case", Handler: serve(d.Logger, handleOpenCase(s.Cases, d.Now))},
		{Method: "GET", Path: Prefix + "/cases/{id}", Summary: "One case with its deadlines, stages, routing and revisions", Handler: serve(d.Logger, handleGetCase(s.Cases, d.Now))},
		{Method: "POST", Path: Prefix + "/cases/{id}/awareness", Summary: "Correct when the manufacturer became aware", Handler: serve(d.Logger, handleSetAwareness(s.Cases, d.Now))},
		{Method: "POST", Path: Prefix + "/cases/{id}/fix", Summary: "Record when a fix or mitigation became available", Handler: serve(d.Logger, handleSetFix(s.Cases, d.Now))},
		{Method: "POST", Path: Prefix + "/cases/{id}/intermediate-due", Summary: "Record when the CSIRT asked for an intermediate report", Handler: serve(d.Logger, handleSetRequestedDue(s.Cases, d.Now))},
		{Method: "GET", Path: Prefix + "/cases/{id}/stages/{stage}/draft", Summary: "The SRP fields a stage holds or starts from", Handler: serve(d.Logger, handleStageDraft(s.Cases))},
		{Method: "PUT", Path: Prefix + "/cases/{id}/stages/{stage}", Summary: "Save a stage's draft SRP fields", Handler: serve(d.Logger, handleSaveStage(s.Cases, d.Now))},
		{Method: "POST", Path: Prefix + "/cases/{id}/stages/{stage}/ready", Summary: "Mark a stage's draft complete", Handler: serve(d.Logger, handleMarkReady(s.Cases, d.Now))},
		// The limit leaves room for the form's other fields.
		{Method: "POST", Path: Prefix + "/cases/{id}/stages/{stage}/submit", Summary: "Record a stage's submission on the SRP, with its receipt", MaxBody: maxReceiptBody, Handler: serve(d.Logger, handleSubmitStage(s.Cases, d.Now))},
		{Method: "POST", Path: Prefix + "/cases/{id}/close", Summary: "Close a case", Handler: serve(d.Logger, handleCloseCase(s.Cases, d.Now))},
		{Method: "GET", Path: Prefix + "/cases/{id}/export", Summary: "Export a case with its SRP fields in SRP order", Handler: serve(d.Logger, handleExportCase(s.Cases, d.Now))},
		{Method: "GET", Path: Prefix + "/cases/{id}/notice", Summary: "A case's notice to impacted users", Handler: serve(d.Logger, handleGetNotice(s.Cases))},
		{Method: "PUT", Path: Prefix + "/cases/{id}/notice", Summary: "Draft a case's notice to impacted users", Handler: serve(d.Logger, handlePutNotice(s.Cases))},
		{Method: "POST", Path: Prefix + "/cases/{id}/notice/sent", Summary: "Record that the notice reached users", Handler: serve(d.Logger, handleNoticeSent(s.Cases))},
		{Method: "GET", Path: Prefix + "/cases/{id}/notice.txt", Summary: "The notice to users as plain text", Handler: serve(d.Logger, handleNoticeExport(s.Cases, false))},
		{Method: "GET", Path: Prefix + "/cases/{id}/notice.html", Summary: "The notice to users as an HTML document", Handler: serve(d.Logger, handleNoticeExport(s.Cases, true))},
		{Method: "GET", Path: Prefix + "/receipts/{sha}", Summary: "Download an SRP receipt by its SHA-256", Handler: serve(d.Logger, handleReceipt(s.Cases))},
		{Method: "GET", Path: Prefix + "/reporting-profile", Summary: "The reporting profile and the coordinator CSIRT it routes to", Handler: serve(d.Logger, handleGetProfile(s.Cases))},
		{Method: "PUT", Path: Prefix + "/reporting-profile", Summary: "Replace the reporting profile: size and routing facts", Handler: serve(d.Logger, handlePutProfile(s.Cases))},
		{Method: "GET", Path: Prefix + "/audit", Summary: "Audit log entries, newest first", Handler: serve(d.Logger, handleListAudit(s.Audit))},
		{Method: "GET", Path: Prefix + "/audit/verify", Summary: "Verify the audit log's hash chain", Handler: serve(d.Logger, handleVerifyAudit(s.Audit))},
	}
	routes = append(routes, Route{Path: Prefix + "/", Summary: "Unknown endpoints", Public: true, Handler: notFoundOrMethod(d.Logger, routes)})
	for i := range routes {
		if !routes[i].Public {
			routes[i].Handler = authenticate(d, routes[i].Handler)
		}
		routes[i].Handler = limitBody(routes[i].MaxBody, routes[i].Handler)
	}
	return routes
}

// Register adds the routes to a mux.
func Register(mux *http.ServeMux, routes []Route) {
	for _, r := range routes {
		mux.Handle(r.Pattern(), r.Handler)
	}
}

// authenticate resolves the caller: an API token from the Authorization
// header, or for GET requests a browser session. Requests without valid
// credentials are refused here; the services then check permissions.
func authenticate(d Deps, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		var actor *cra.Actor
		var err error
		if h := r.Header.Get("Authorization"); h != "" {
			scheme, tok, ok := strings.Cut(h, " ")
			if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(tok) == "" {
				httpx.Error(w, r, d.Logger, cra.Errorf(cra.EUNAUTHORIZED, "Send the API token as Authorization: Bearer <token>."))
				return
			}
			actor, err = d.Services.Auth.AuthenticateToken(ctx, strings.TrimSpace(tok))
		} else if c, cerr := r.Cookie(d.SessionCookie); d.SessionCookie != "" && cerr == nil {
			if r.Method != http.MethodGet && r.Method != http.MethodHead {
				httpx.Error(w, r, d.Logger, cra.Errorf(cra.EUNAUTHORIZED, "API writes need an API token (Authorization: Bearer <token>); a browser session can only read."))
				return
			}
			actor, err = d.Services.Auth.AuthenticateSession(ctx, c.Value)
		}
		if err != nil {
			httpx.Error(w, r, d.Logger, err)
			return
		}
		if actor == nil {
			httpx.Error(w, r, d.Logger, cra.Errorf(cra.EUNAUTHORIZED, "Sign in or send an API token (Authorization: Bearer <token>)."))
			return
		}
		next.ServeHTTP(w, r.WithContext(cra.WithActor(ctx, actor)))
	})
}

// limitBody bounds every API request body.
func limitBody(limit int64, next http.Handler) http.Handler {
	if limit <= 0 {
		limit = httpx.MaxJSONBody
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.Body = http.MaxBytesReader(w, r.Body, limit)
		next.ServeHTTP(w, r)
	})
}

// notFoundOrMethod answers requests no route matched: 405 with Allow when
// the path exists under other methods, 404 otherwise, both as JSON.
func notFoundOrMethod(logger *slog.Logger, routes []Route) http.Handler {
	paths := http.NewServeMux()
	allow := map[string][]string{}
	for _, rt := range routes {
		if _, ok := allow[rt.Path]; !ok {
			path := rt.Path
			paths.HandleFunc(path, func(w http.ResponseWriter, r *http.Request) {
				*r.Context().Value(allowKey{}).(*string) = path
			})
		}
		allow[rt.Path] = append(allow[rt.Path], rt.Method)
	}
	return serve(logger, func(w http.ResponseWriter, r *http.Request) error {
		var matched string
		probe := r.Clone(context.WithValue(r.Context(), allowKey{}, &matched))
		paths.ServeHTTP(discard{}, probe)
		if methods := allow[matched]; matched != "" {
			w.Header().Set("Allow", strings.Join(methods, ", "))
			httpx.JSON(w, http.StatusMethodNotAllowed, httpx.ErrorBody{Error: httpx.ErrorDetail{Code: "method_not_allowed",
				Message: "Method " + r.Method + " is not allowed on " + r.URL.Path + "; use " + strings.Join(methods, " or ") + "."}})
			return nil
		}
		return handleNotFound()(w, r)
	})
}

type allowKey struct{}

// discard is a ResponseWriter for the probe mux.
type discard struct{}

func (discard) Header() http.Header         { return http.Header{} }
func (discard) Write(b []byte) (int, error) { return len(b), nil }
func (discard) WriteHeader(int)             {}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
