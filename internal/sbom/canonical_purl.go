package sbom

import (
	"fmt"
	"strings"

	"github.com/package-url/packageurl-go"
)

// CanonicalPURL parses a package URL and returns its canonical form (the
// form components are stored in), so that a search for
// "pkg:npm/@angular/core" finds components stored as
// "pkg:npm/%40angular/core@…".
func CanonicalPURL(s string) (string, error) {
	u, err := packageurl.FromString(strings.TrimSpace(s))
	if err == nil && (u.Type == "" || u.Name == "") {
		err = fmt.Errorf("the purl has no type or no name")
	}
	if err != nil {
		return "", fmt.Errorf("%q is not a package URL: %v", s, err)
	}
	return u.ToString(), nil
}
