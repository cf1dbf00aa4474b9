package cra_test

import (
	"fmt"
	"testing"

	"cyra/internal/cra"
)

func TestCategories(t *testing.T) {
	t.Parallel()
	// Every category, in order. The name is checked where it is given; the
	// well-known ones are spelled out exactly as in the annexes.
	want := []struct {
		code  string
		class cra.ProductClass
		name  string
		ref   string
	}{
		{"default", cra.ClassDefault, "Default (not listed in Annex III or IV)", "Not listed in Annex III or IV"},
		{"I-1", cra.ClassImportantI, "Identity management systems and privileged access management software and hardware, including authentication and access control readers, including biometric readers", "Annex III, class I, point 1"},
		{"I-2", cra.ClassImportantI, "Standalone and embedded browsers", ""},
		{"I-3", cra.ClassImportantI, "Password managers", ""},
		{"I-4", cra.ClassImportantI, "", ""},
		{"I-5", cra.ClassImportantI, "Products with digital elements with the function of virtual private network (VPN)", ""},
		{"I-6", cra.ClassImportantI, "Network management systems", ""},
		{"I-7", cra.ClassImportantI, "Security information and event management (SIEM) systems", ""},
		{"I-8", cra.ClassImportantI, "Boot managers", ""},
		{"I-9", cra.ClassImportantI, "", ""},
		{"I-10", cra.ClassImportantI, "Physical and virtual network interfaces", ""},
		{"I-11", cra.ClassImportantI, "Operating systems", "Annex III, class I, point 11"},
		{"I-12", cra.ClassImportantI, "Routers, modems intended for the connection to the internet, and switches", ""},
		{"I-13", cra.ClassImportantI, "Microprocessors with security-related functionalities", ""},
		{"I-14", cra.ClassImportantI, "Microcontrollers with security-related functionalities", ""},
		{"I-15", cra.ClassImportantI, "", ""},
		{"I-16", cra.ClassImportantI, "Smart home general purpose virtual assistants", ""},
		{"I-17", cra.ClassImportantI, "", ""},
		{"I-18", cra.ClassImportantI, "", ""},
		{"I-19", cra.ClassImportantI, "", "Annex III, class I, point 19"},
		{"II-1", cra.ClassImportantII, "Hypervisors and container runtime systems that support virtualised execution of operating systems and similar environments", "Annex III, class II, point 1"},
		{"II-2", cra.ClassImportantII, "Firewalls, intrusion detection and prevention systems", ""},
		{"II-3", cra.ClassImportantII, "Tamper-resistant microprocessors", ""},
		{"II-4", cra.ClassImportantII, "Tamper-resistant microcontrollers", "Annex III, class II, point 4"},
		{"C-1", cra.ClassCritical, "Hardware Devices with Security Boxes", "Annex IV, point 1"},
		{"C-2", cra.ClassCritical, "", ""},
		{"C-3", cra.ClassCritical, "Smartcards or similar devices, including secure elements", "Annex IV, point 3"},
	}
	if len(cra.Categories) != len(want) {
		t.Fatalf("len(Categories) = %d; want %d", len(cra.Categories), len(want))
	}
	for i, w := range want {
		t.Run(w.code, func(t *testing.T) {
			c := cra.Categories[i]
			if c.Code != w.code || c.Class != w.class {
				t.Errorf("Categories[%d] = %s/%s; want %s/%s", i, c.Code, c.Class, w.code, w.class)
			}
			if w.name != "" && c.Name != w.name {
				t.Errorf("%s name = %q; want %q", c.Code, c.Name, w.name)
			}
			if c.Name == "" || c.Ref == "" {
				t.Errorf("%s has an empty name or reference: %+v", c.Code, c)
			}
			if w.ref != "" && c.Ref != w.ref {
				t.Errorf("%s ref = %q; want %q", c.Code, c.Ref, w.ref)
			}
		})
	}
}

func TestCategoryCountsPerClass(t *testing.T) {
	t.Parallel()
	got := map[cra.ProductClass]int{}
	for _, c := range cra.Categories {
		if !c.Class.Valid() {
			t.Errorf("%s has invalid class %q", c.Code, c.Class)
		}
		got[c.Class]++
	}
	want := map[cra.ProductClass]int{cra.ClassDefault: 1, cra.ClassImportantI: 19, cra.ClassImportantII: 4, cra.ClassCritical: 3}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("categories per class = %v; want %v", got, want)
	}
}

func TestLookupCategory(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in, code string
		ok       bool
	}{
		{"I-12", "I-12", true},
		{"i-12", "I-12", true},
		{" ii-2 ", "II-2", true},
		{"c-3", "C-3", true},
		{"DEFAULT", "default", true},
		{"default", "default", true},
		{"I-20", "", false},
		{"II-5", "", false},
		{"C-0", "", false},
		{"I12", "", false},
		{"", "", false},
	} {
		c, ok := cra.LookupCategory(tc.in)
		if ok != tc.ok || c.Code != tc.code {
			t.Errorf("LookupCategory(%q) = %q, %v; want %q, %v", tc.in, c.Code, ok, tc.code, tc.ok)
		}
	}
}

func TestProductClassLabel(t *testing.T) {
	t.Parallel()
	for c, want := range map[cra.ProductClass]string{
		cra.ClassDefault:     "Default",
		cra.ClassImportantI:  "Important, class I",
		cra.ClassImportantII: "Important, class II",
		cra.ClassCritical:    "Critical",
		"bogus":              "bogus",
	} {
		if got := c.Label(); got != want {
			t.Errorf("%q.Label() = %q; want %q", c, got, want)
		}
	}
	if cra.ProductClass("bogus").Valid() {
		t.Error(`ProductClass("bogus").Valid() = true`)
	}
}
