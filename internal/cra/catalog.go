package cra

import (
	"fmt"
	"strings"
)

// ProductClass is the risk class of a product with digital elements. It
// decides which conformity-assessment procedures are open to the
// manufacturer (Art. 32). A product is important (Annex III) or critical
// (Annex IV) when it has the core functionality of a listed category (Art.
// 7(1), 8(1)); every other product is in the default class.
type ProductClass string

// The four product classes of the CRA.
const (
	ClassDefault     ProductClass = "default"            // not listed in Annex III or IV
	ClassImportantI  ProductClass = "important-class-i"  // Annex III, class I (Art. 7(1))
	ClassImportantII ProductClass = "important-class-ii" // Annex III, class II (Art. 7(1))
	ClassCritical    ProductClass = "critical"           // Annex IV (Art. 8(1))
)

// ProductClasses lists the classes from the least to the most demanding.
var ProductClasses = []ProductClass{ClassDefault, ClassImportantI, ClassImportantII, ClassCritical}

// Valid reports whether c is one of ProductClasses.
func (c ProductClass) Valid() bool {
	switch c {
	case ClassDefault, ClassImportantI, ClassImportantII, ClassCritical:
		return true
	}
	return false
}

// Label is the class's human name, as the regulation words it.
func (c ProductClass) Label() string {
	switch c {
	case ClassDefault:
		return "Default"
	case ClassImportantI:
		return "Important, class I"
	case ClassImportantII:
		return "Important, class II"
	case ClassCritical:
		return "Critical"
	}
	return string(c)
}

// Category is one product category of Annex III or IV, or the default
// category for everything not listed there. The names are those of the
// regulation; the technical description of each category is set by
// Commission Implementing Regulation (EU) 2025/2392 (Art. 7(4)).
type Category struct {
	// Code is cyra's stable identifier: "default", "I-1" to "I-19",
	// "II-1" to "II-4" or "C-1" to "C-3".
	Code  string
	Class ProductClass
	// Name is the category as the annex lists it.
	Name string
	// Ref is where the category is listed, such as "Annex III, class I,
	// point 11".
	Ref string
}

// DefaultCategoryCode is the Code of the default category.
const DefaultCategoryCode = "default"

// Categories lists every category: the default one first, then Annex III
// class I (I-1 to I-19), Annex III class II (II-1 to II-4) and Annex IV
// (C-1 to C-3), each in the order of the annex. The Commission may amend
// Annex III (Art. 7(3)) and Annex IV (Art. 8(2)) by delegated act, so codes
// must never be reused for a different category.
var Categories = buildCategories()

// annexIII1, annexIII2 and annexIV hold the category names in annex order;
// the point number is the position plus one.
var (
	annexIII1 = []string{
		"Identity management systems and privileged access management software and hardware, including authentication and access control readers, including biometric readers",
		"Standalone and embedded browsers",
		"Password managers",
		"Software that searches for, removes, or quarantines malicious software",
		"Products with digital elements with the function of virtual private network (VPN)",
		"Network management systems",
		"Security information and event management (SIEM) systems",
		"Boot managers",
		"Public key infrastructure and digital certificate issuance software",
		"Physical and virtual network interfaces",
		"Operating systems",
		"Routers, modems intended for the connection to the internet, and switches",
		"Microprocessors with security-related functionalities",
		"Microcontrollers with security-related functionalities",
		"Application specific integrated circuits (ASIC) and field-programmable gate arrays (FPGA) with security-related functionalities",
		"Smart home general purpose virtual assistants",
		"Smart home products with security functionalities, including smart door locks, security cameras, baby monitoring systems and alarm systems",
		"Internet connected toys covered by Directive 2009/48/EC that have social interactive features (e.g. speaking or filming) or that have location tracking features",
		"Personal wearable products to be worn or placed on a human body that have a health monitoring (such as tracking) purpose and to which Reg. 2017/745 or 2017/746 do not apply, or personal wearable products that are intended for the use by and for children",
	}
	annexIII2 = []string{
		"Hypervisors and container runtime systems that support virtualised execution of operating systems and similar environments",
		"Firewalls, intrusion detection and prevention systems",
		"Tamper-resistant microprocessors",
		"Tamper-resistant microcontrollers",
	}
	annexIV = []string{
		"Hardware Devices with Security Boxes",
		"Smart meter gateways within smart metering systems as defined in Art. 2(23) of Dir. (EU) 2019/944, and other devices for advanced security purposes, including for secure cryptoprocessing",
		"Smartcards or similar devices, including secure elements",
	}
)

func buildCategories() []Category {
	cs := []Category{{
		Code:  DefaultCategoryCode,
		Class: ClassDefault,
		Name:  "Default (not listed in Annex III or IV)",
		Ref:   "Not listed in Annex III or IV",
	}}
	for _, list := range []struct {
		prefix string
		class  ProductClass
		ref    string
		names  []string
	}{
		{"I", ClassImportantI, "Annex III, class I, point %d", annexIII1},
		{"II", ClassImportantII, "Annex III, class II, point %d", annexIII2},
		{"C", ClassCritical, "Annex IV, point %d", annexIV},
	} {
		for i, name := range list.names {
			cs = append(cs, Category{
				Code:  fmt.Sprintf("%s-%d", list.prefix, i+1),
				Class: list.class,
				Name:  name,
				Ref:   fmt.Sprintf(list.ref, i+1),
			})
		}
	}
	return cs
}

// LookupCategory returns the category with the given code. The match
// ignores case and surrounding spaces ("i-12" finds "I-12"); the returned
// category carries the canonical code.
func LookupCategory(code string) (Category, bool) {
	code = strings.TrimSpace(code)
	for _, c := range Categories {
		if strings.EqualFold(c.Code, code) {
			return c, true
		}
	}
	return Category{}, false
}
