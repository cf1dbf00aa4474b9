package api_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"mime"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	"cyra/internal/api"
	"cyra/internal/cra"
)

// openAPIMethods are the path item keys that hold operations.
var openAPIMethods = []string{"get", "put", "post", "delete", "options", "head", "patch", "trace"}

// openAPIDoc parses the embedded document into generic JSON values.
func openAPIDoc(t *testing.T) map[string]any {
	t.Helper()
	var doc map[string]any
	if err := json.Unmarshal(api.OpenAPIDocument(), &doc); err != nil {
		t.Fatalf("openapi.json is not valid JSON: %v", err)
	}
	return doc
}

// openAPIOperation is one operation of the document.
type openAPIOperation struct {
	method, path string
	pathItem     map[string]any
	op           map[string]any
}

func (o openAPIOperation) String() string { return o.method + " " + o.path }

// openAPIOperations lists the document's operations, sorted by path and
// method.
func openAPIOperations(t *testing.T, doc map[string]any) []openAPIOperation {
	t.Helper()
	paths, ok := doc["paths"].(map[string]any)
	if !ok {
		t.Fatalf("openapi.json has no paths object")
	}
	var ops []openAPIOperation
	for path, v := range paths {
		item, ok := v.(map[string]any)
		if !ok {
			t.Errorf("path %s is not an object", path)
			continue
		}
		for _, m := range openAPIMethods {
			if v, ok := item[m]; ok {
				op, ok := v.(map[string]any)
				if !ok {
					t.Errorf("%s %s is not an object", strings.ToUpper(m), path)
					continue
				}
				ops = append(ops, openAPIOperation{method: strings.ToUpper(m), path: path, pathItem: item, op: op})
			}
		}
	}
	sort.Slice(ops, func(i, j int) bool {
		if ops[i].path != ops[j].path {
			return ops[i].path < ops[j].path
		}
		return ops[i].method < ops[j].method
	})
	return ops
}

// resolvePointer follows a local reference ("#/components/...") in doc.
func resolvePointer(doc map[string]any, ref string) (any, error) {
	if !strings.HasPrefix(ref, "#/components/") {
		return nil, fmt.Errorf("reference %q does not point into #/components/", ref)
	}
	var cur any = doc
	for _, seg := range strings.Split(strings.TrimPrefix(ref, "#/"), "/") {
		seg = strings.ReplaceAll(strings.ReplaceAll(seg, "~1", "/"), "~0", "~")
		m, ok := cur.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("reference %q: %q is inside a non-object", ref, seg)
		}
		if cur, ok = m[seg]; !ok {
			return nil, fmt.Errorf("reference %q: no %q", ref, seg)
		}
	}
	return cur, nil
}

// deref follows $ref chains until it reaches an object without one.
func deref(t *testing.T, doc map[string]any, v any) map[string]any {
	t.Helper()
	for range 10 {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		ref, ok := m["$ref"].(string)
		if !ok {
			return m
		}
		if v, _ = resolvePointer(doc, ref); v == nil {
			t.Errorf("unresolvable reference %q", ref)
			return nil
		}
	}
	t.Errorf("reference chain too long")
	return nil
}

// openRequestObjects returns where, below the request schema s (at), an
// object schema admits unknown properties: a schema with properties or of
// type object whose additionalProperties is neither false nor a schema (an
// explicit map, whose keys are data). It follows $ref (each reference
// once), properties, items, prefixItems, allOf, anyOf, oneOf and map value
// schemas; not, if, then and else only constrain a shape described
// elsewhere, so they are not followed. s itself is the caller's to check.
func openRequestObjects(t *testing.T, doc map[string]any, s map[string]any, at string, seen map[string]bool) []string {
	t.Helper()
	var open []string
	visit := func(where string, v any) {
		m, ok := v.(map[string]any)
		if !ok {
			return
		}
		if ref, ok := m["$ref"].(string); ok {
			if seen[ref] {
				return
			}
			seen[ref] = true
			if m = deref(t, doc, m); m == nil {
				return
			}
			where = ref
		}
		isObject := m["properties"] != nil
		switch typ := m["type"].(type) {
		case string:
			isObject = isObject || typ == "object"
		case []any:
			isObject = isObject || slices.Contains(typ, any("object"))
		}
		if isObject {
			switch ap := m["additionalProperties"].(type) {
			case bool:
				if ap {
					open = append(open, where)
				}
			case map[string]any:
			default:
				open = append(open, where)
			}
		}
		open = append(open, openRequestObjects(t, doc, m, where, seen)...)
	}
	if props, ok := s["properties"].(map[string]any); ok {
		names := slices.Sorted(maps.Keys(props))
		for _, name := range names {
			visit(at+"/properties/"+name, props[name])
		}
	}
	visit(at+"/items", s["items"])
	if ap, ok := s["additionalProperties"].(map[string]any); ok {
		visit(at+"/additionalProperties", ap)
	}
	for _, k := range []string{"prefixItems", "allOf", "anyOf", "oneOf"} {
		list, _ := s[k].([]any)
		for i, v := range list {
			visit(at+"/"+k+"/"+strconv.Itoa(i), v)
		}
	}
	return open
}

// rawBodySchema reports whether a request body schema describes raw bytes
// (type "string", format "binary") rather than an object of fields.
func rawBodySchema(s map[string]any) bool {
	return s["type"] == "string" && s["format"] == "binary"
}

func TestOpenAPIMatchesRoutes(t *testing.T) {
	doc := openAPIDoc(t)
	documented := map[string]openAPIOperation{}
	for _, o := range openAPIOperations(t, doc) {
		documented[o.String()] = o
	}
	routes := map[string]api.Route{}
	for _, r := range api.Routes(api.Deps{}) {
		if r.Method == "" {
			continue
		}
		routes[r.Method+" "+r.Path] = r
	}
	if len(routes) == 0 {
		t.Fatal("api.Routes returned no routes")
	}

	var missing, extra []string
	for k := range routes {
		if _, ok := documented[k]; !ok {
			missing = append(missing, k)
		}
	}
	for k := range documented {
		if _, ok := routes[k]; !ok {
			extra = append(extra, k)
		}
	}
	sort.Strings(missing)
	sort.Strings(extra)
	for _, k := range missing {
		t.Errorf("route %s is not documented in openapi.json", k)
	}
	for _, k := range extra {
		t.Errorf("openapi.json documents %s, which has no route", k)
	}

	// The documented summary and public/authenticated state follow the route.
	for k, r := range routes {
		o, ok := documented[k]
		if !ok {
			continue
		}
		if s, _ := o.op["summary"].(string); s != r.Summary {
			t.Errorf("%s: summary %q, route says %q", k, s, r.Summary)
		}
		sec, hasSec := o.op["security"].([]any)
		public := hasSec && len(sec) == 0
		if public != r.Public {
			t.Errorf("%s: documented as public=%v (security: []), route has Public=%v", k, public, r.Public)
		}
	}
}

var (
	pathTemplateParam = regexp.MustCompile(`\{([^{}]+)\}`)
	statusRange       = regexp.MustCompile(`^[1-5]XX$`)
)

func TestOpenAPIDocumentIsWellFormed(t *testing.T) {
	doc := openAPIDoc(t)
	if v := doc["openapi"]; v != "3.1.0" {
		t.Errorf("openapi = %v, want 3.1.0", v)
	}
	if info, _ := doc["info"].(map[string]any); info == nil || info["title"] == nil || info["version"] == nil {
		t.Errorf("info needs a title and a version")
	}

	// The file is pretty-printed with two-space indentation, as encoding/json
	// would write it, so diffs stay readable.
	var compact, indented bytes.Buffer
	if err := json.Compact(&compact, api.OpenAPIDocument()); err != nil {
		t.Fatal(err)
	}
	if err := json.Indent(&indented, compact.Bytes(), "", "  "); err != nil {
		t.Fatal(err)
	}
	indented.WriteByte('\n')
	if !bytes.Equal(indented.Bytes(), api.OpenAPIDocument()) {
		t.Errorf("openapi.json is not pretty-printed with two-space indentation and a final newline")
	}

	globalSecurity, hasGlobal := doc["security"].([]any)
	if !hasGlobal || len(globalSecurity) == 0 {
		t.Errorf("the document needs a non-empty global security requirement")
	}

	ops := openAPIOperations(t, doc)
	if len(ops) == 0 {
		t.Fatal("openapi.json has no operations")
	}
	ids := map[string]string{}
	for _, o := range ops {
		id, _ := o.op["operationId"].(string)
		switch {
		case id == "":
			t.Errorf("%s has no operationId", o)
		case ids[id] != "":
			t.Errorf("%s reuses operationId %q of %s", o, id, ids[id])
		default:
			ids[id] = o.String()
		}
		if s, _ := o.op["summary"].(string); s == "" {
			t.Errorf("%s has no summary", o)
		}

		responses, _ := o.op["responses"].(map[string]any)
		has2xx := false
		for code := range responses {
			if len(code) == 3 && code[0] == '2' {
				has2xx = true
			}
			if _, err := strconv.Atoi(code); err != nil && code != "default" && !statusRange.MatchString(code) {
				t.Errorf("%s: response key %q is not a status code", o, code)
			}
		}
		if !has2xx {
			t.Errorf("%s has no 2xx response", o)
		}
		security := globalSecurity
		if s, ok := o.op["security"]; ok {
			security, _ = s.([]any)
		}
		if len(security) > 0 {
			if _, ok := responses["401"]; !ok {
				t.Errorf("%s needs credentials but documents no 401 response", o)
			}
		}

		// Every template parameter is declared as a required path
		// parameter, and every declared path parameter is in the template.
		declared := map[string]bool{}
		var params []any
		if p, ok := o.pathItem["parameters"].([]any); ok {
			params = append(params, p...)
		}
		if p, ok := o.op["parameters"].([]any); ok {
			params = append(params, p...)
		}
		for _, p := range params {
			pm := deref(t, doc, p)
			if pm == nil || pm["in"] != "path" {
				continue
			}
			name, _ := pm["name"].(string)
			if pm["required"] != true {
				t.Errorf("%s: path parameter %q is not required: true", o, name)
			}
			declared[name] = true
		}
		inTemplate := map[string]bool{}
		for _, m := range pathTemplateParam.FindAllStringSubmatch(o.path, -1) {
			inTemplate[m[1]] = true
			if !declared[m[1]] {
				t.Errorf("%s: path parameter {%s} is not declared as a required path parameter", o, m[1])
			}
		}
		for name := range declared {
			if !inTemplate[name] {
				t.Errorf("%s: declares path parameter %q that is not in the path", o, name)
			}
		}

		// Request bodies are closed objects: the server refuses unknown
		// fields, so the schema must too, and so must every object nested
		// in it (a risk assessment's threats, a manifest's releases). This
		// holds for JSON bodies and multipart forms alike; a YAML body (a
		// manifest, read as strictly as JSON) may reuse its JSON schema.
		// The one other shape is a document uploaded as the raw body (an
		// SBOM): bytes, not fields, described as a binary string, which no
		// object satisfies. A form is never raw.
		if rb, ok := o.op["requestBody"]; ok {
			rbm := deref(t, doc, rb)
			content, _ := rbm["content"].(map[string]any)
			if len(content) == 0 {
				t.Errorf("%s: requestBody has no content", o)
			}
			for mt, c := range content {
				cm, _ := c.(map[string]any)
				schema := deref(t, doc, cm["schema"])
				if schema == nil {
					t.Errorf("%s: requestBody %s has no schema", o, mt)
					continue
				}
				if rawBodySchema(schema) && mt != "multipart/form-data" && mt != "application/x-www-form-urlencoded" {
					continue
				}
				if ap, ok := schema["additionalProperties"].(bool); !ok || ap {
					t.Errorf("%s: requestBody %s schema lacks additionalProperties: false", o, mt)
				}
				for _, at := range openRequestObjects(t, doc, schema, "schema", map[string]bool{}) {
					t.Errorf("%s: requestBody %s: the object schema at %s lacks additionalProperties: false", o, mt, at)
				}
			}
		}
	}

	// Every $ref anywhere in the document resolves.
	var walk func(where string, v any)
	walk = func(where string, v any) {
		switch v := v.(type) {
		case map[string]any:
			if ref, ok := v["$ref"]; ok {
				s, isString := ref.(string)
				if !isString {
					t.Errorf("%s: $ref is not a string", where)
				} else if _, err := resolvePointer(doc, s); err != nil {
					t.Errorf("%s: %v", where, err)
				}
			}
			for k, c := range v {
				walk(where+"/"+k, c)
			}
		case []any:
			for i, c := range v {
				walk(where+"/"+strconv.Itoa(i), c)
			}
		}
	}
	walk("#", doc)
}

// TestOpenAPIRolesMatchPermissions keeps the documented roles of each
// operation in step with cra.RolePermissions.
func TestOpenAPIRolesMatchPermissions(t *testing.T) {
	doc := openAPIDoc(t)
	for _, o := range openAPIOperations(t, doc) {
		perm, ok := o.op["x-cyra-permission"].(string)
		if !ok {
			if _, ok := o.op["x-cyra-roles"]; ok {
				t.Errorf("%s: x-cyra-roles without x-cyra-permission", o)
			}
			continue
		}
		var want []string
		for _, r := range cra.Roles {
			if r.Can(cra.Permission(perm)) {
				want = append(want, string(r))
			}
		}
		if len(want) == 0 {
			t.Errorf("%s: no role holds the documented permission %q", o, perm)
		}
		var got []string
		if rs, ok := o.op["x-cyra-roles"].([]any); ok {
			for _, r := range rs {
				s, _ := r.(string)
				got = append(got, s)
			}
		}
		if !slices.Equal(got, want) {
			t.Errorf("%s: x-cyra-roles = %v, but %q is held by %v", o, got, perm, want)
		}
		desc, _ := o.op["description"].(string)
		if !strings.Contains(desc, "`"+perm+"`") {
			t.Errorf("%s: description does not name the permission %q", o, perm)
		}
		for _, r := range want {
			if !strings.Contains(desc, r) {
				t.Errorf("%s: description does not name the role %q that holds %q", o, r, perm)
			}
		}
	}
}

func TestOpenAPIServed(t *testing.T) {
	mux := http.NewServeMux()
	api.Register(mux, api.Routes(api.Deps{}))
	srv := httptest.NewServer(mux)
	defer srv.Close()

	resp, err := http.Get(srv.URL + api.Prefix + "/openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d, want 200; body: %s", resp.StatusCode, body)
	}
	if mt, _, err := mime.ParseMediaType(resp.Header.Get("Content-Type")); err != nil || mt != "application/json" {
		t.Errorf("Content-Type %q, want application/json", resp.Header.Get("Content-Type"))
	}
	if !bytes.Equal(body, api.OpenAPIDocument()) {
		t.Errorf("served document (%d bytes) differs from api.OpenAPIDocument() (%d bytes)", len(body), len(api.OpenAPIDocument()))
	}
}
